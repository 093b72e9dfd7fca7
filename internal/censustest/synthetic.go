package censustest

import (
	"embed"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// synthetic holds the SYNTHETIC Census responses made by
// examples/gencensus (US exports to China at HS6, 2017-01..2017-12 and
// 2020-01..2020-06, 48 hand-picked lines with descriptions and
// quantities). They are not Census data; tests of the engine pin their
// exact rows. The quick start reads the real responses in examples/census.
//
//go:embed synthetic/*.json
var synthetic embed.FS

// SyntheticMonths is how many monthly responses CopySynthetic writes.
const SyntheticMonths = 18

// CopySynthetic writes the synthetic responses into dir. A non-zero mtime
// becomes their modification time, which inbox release ids derive from,
// so that runs over copies are byte-for-byte repeatable.
func CopySynthetic(dir string, mtime time.Time) error {
	files, err := fs.Glob(synthetic, "synthetic/*.json")
	if err != nil {
		return err
	}
	if len(files) != SyntheticMonths {
		return fmt.Errorf("censustest: %d synthetic responses embedded, want %d", len(files), SyntheticMonths)
	}
	for _, f := range files {
		b, err := synthetic.ReadFile(f)
		if err != nil {
			return err
		}
		dst := filepath.Join(dir, filepath.Base(f))
		if err := os.WriteFile(dst, b, 0o644); err != nil {
			return err
		}
		if !mtime.IsZero() {
			if err := os.Chtimes(dst, mtime, mtime); err != nil {
				return err
			}
		}
	}
	return nil
}

// Package examples holds the sample releases the README's quick start
// reads (examples/tradepipe.yaml). The Census responses are embedded so
// that tests can copy them into temp inboxes of their own.
package examples

import (
	"embed"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

//go:embed census/*.json.gz
var census embed.FS

// CensusMonths is how many monthly responses CopyCensus writes.
const CensusMonths = 40

// CopyCensus writes the bundled Census API responses into dir: real
// public data, US exports to China at HS6, 2017-01..2020-04, the vintage
// published by June 2020, one gzipped response per month
// (exports-hs6-5700-YYYY-MM.json.gz; see census/README.md). A non-zero
// mtime becomes their modification time, which inbox release ids derive
// from, so that runs over copies are byte-for-byte repeatable.
func CopyCensus(dir string, mtime time.Time) error {
	files, err := fs.Glob(census, "census/*.json.gz")
	if err != nil {
		return err
	}
	if len(files) != CensusMonths {
		return fmt.Errorf("examples: %d census responses embedded, want %d", len(files), CensusMonths)
	}
	for _, f := range files {
		b, err := census.ReadFile(f)
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

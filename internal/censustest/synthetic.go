package censustest

import (
	"embed"
	"time"

	"github.com/tradepipe/tradepipe/examples"
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
	return examples.CopyFiles(synthetic, "synthetic/*.json", SyntheticMonths, dir, mtime)
}

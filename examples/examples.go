// Package examples holds the sample releases the README's quick start
// reads (examples/tradepipe.yaml). The Census responses are embedded so
// that tests can copy them into temp inboxes of their own.
package examples

import (
	"embed"
	"fmt"
	"io/fs"
	"os"
	"path"
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
	return CopyFiles(census, "census/*.json.gz", CensusMonths, dir, mtime)
}

// CopyFiles writes the files of fsys that match pattern into dir, and
// fails unless there are exactly want of them (a lost embed pattern must
// not pass as an empty inbox). A non-zero mtime becomes their
// modification time.
func CopyFiles(fsys fs.FS, pattern string, want int, dir string, mtime time.Time) error {
	files, err := fs.Glob(fsys, pattern)
	if err != nil {
		return err
	}
	if len(files) != want {
		return fmt.Errorf("examples: %d files match %s, want %d", len(files), pattern, want)
	}
	for _, f := range files {
		b, err := fs.ReadFile(fsys, f)
		if err != nil {
			return err
		}
		dst := filepath.Join(dir, path.Base(f))
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

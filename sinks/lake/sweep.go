package lake

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// DefaultLeftoverAge is how old a leftover must be before Sweep removes
// it: longer than any run, so a sweep at the start of one process never
// removes the temp files, spool files or uploads of a run still going in
// another process that shares the lake or the spool directory.
const DefaultLeftoverAge = 24 * time.Hour

// Sweeper is a Lake that can remove what its own interrupted writes left
// behind: temp files of a directory lake, unfinished multipart uploads of
// an S3 lake.
type Sweeper interface {
	// SweepLeftovers removes the leftovers of writes started before
	// before and returns how many it removed. ctx bounds the sweep; an
	// error leaves the rest for the next sweep and never touches
	// committed objects.
	SweepLeftovers(ctx context.Context, before time.Time) (int, error)
}

// Swept counts what Sweep removed.
type Swept struct {
	Spool int // files and directories in the spool directory
	Lake  int // temp objects and unfinished uploads
}

// Sweep is the one call the engine makes at start to clean what killed
// runs left: in spoolDir, the entries whose names match one of
// spoolPatterns (filepath.Match, e.g. "spool-*.parquet"; only the
// engine's own names, since the spool directory may be the system's temp
// directory), and l's own leftovers when l is a Sweeper, both older than
// age (DefaultLeftoverAge when zero) at now. Errors are joined; what
// could not be removed is left for the next start.
func Sweep(ctx context.Context, l Lake, spoolDir string, spoolPatterns []string, age time.Duration, now time.Time) (Swept, error) {
	if age <= 0 {
		age = DefaultLeftoverAge
	}
	before := now.Add(-age)
	var out Swept
	var errs []error
	if spoolDir != "" {
		entries, err := os.ReadDir(spoolDir)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, fmt.Errorf("sweep spool %s: %w", spoolDir, err))
		}
		for _, e := range entries {
			if !matchAny(spoolPatterns, e.Name()) {
				continue
			}
			fi, err := e.Info()
			if err != nil || !fi.ModTime().Before(before) {
				continue
			}
			if err := os.RemoveAll(filepath.Join(spoolDir, e.Name())); err != nil {
				errs = append(errs, fmt.Errorf("sweep spool: %w", err))
				continue
			}
			out.Spool++
		}
	}
	if s, ok := l.(Sweeper); ok {
		n, err := s.SweepLeftovers(ctx, before)
		out.Lake = n
		if err != nil {
			errs = append(errs, err)
		}
	}
	return out, errors.Join(errs...)
}

func matchAny(patterns []string, name string) bool {
	for _, p := range patterns {
		if ok, _ := filepath.Match(p, name); ok {
			return true
		}
	}
	return false
}

var _ Sweeper = (*Dir)(nil)

// SweepLeftovers implements Sweeper: it removes the temp files (".tmp-")
// of Puts that never finished, last modified before before.
func (d *Dir) SweepLeftovers(ctx context.Context, before time.Time) (int, error) {
	n := 0
	err := filepath.WalkDir(d.root, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if e.IsDir() || !strings.HasPrefix(e.Name(), tmpPrefix) || !e.Type().IsRegular() {
			return nil
		}
		fi, err := e.Info()
		if err != nil || !fi.ModTime().Before(before) {
			return nil
		}
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		n++
		return nil
	})
	if err != nil {
		return n, fmt.Errorf("sweep %s: %w", d.root, err)
	}
	return n, nil
}

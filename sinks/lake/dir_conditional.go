//go:build unix

package lake

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"syscall"
)

var _ Conditional = (*Dir)(nil)

// Dir's ETags are the quoted SHA-256 of the content: computed by the
// conditional methods only (Stat and List leave Object.ETag empty, as
// hashing every listed file would be costly).
func dirETag(h hash.Hash) string { return `"` + hex.EncodeToString(h.Sum(nil)) + `"` }

// GetVersion implements Conditional. Objects are replaced by rename, never
// rewritten in place, so one open file is one version.
func (d *Dir) GetVersion(ctx context.Context, key string) ([]byte, string, error) {
	rc, err := d.Get(ctx, key)
	if err != nil {
		return nil, "", err
	}
	defer rc.Close()
	h := sha256.New()
	b, err := io.ReadAll(io.TeeReader(ctxReader{ctx, rc}, h))
	if err != nil {
		return nil, "", fmt.Errorf("get %s: %w", key, err)
	}
	return b, dirETag(h), nil
}

// PutIfAbsent implements Conditional: the body is written to a temp file,
// then hard-linked to the key, which fails when the key exists (the
// O_EXCL of a complete file).
func (d *Dir) PutIfAbsent(ctx context.Context, key string, r io.Reader) (string, error) {
	p, err := d.path(key)
	if err != nil {
		return "", err
	}
	tmp, etag, err := d.writeTemp(ctx, key, p, r)
	if err != nil {
		return "", err
	}
	defer os.Remove(tmp)
	if err := os.Link(tmp, p); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return "", fmt.Errorf("put %s if absent: %w", key, ErrPrecondition)
		}
		return "", fmt.Errorf("put %s if absent: %w", key, err)
	}
	d.syncDir(filepath.Dir(p))
	return etag, nil
}

// PutIfMatch implements Conditional. Writers of one key serialise on an
// exclusive flock of the current file; a writer that locked a file since
// replaced starts over and then sees the new version's ETag.
func (d *Dir) PutIfMatch(ctx context.Context, key, etag string, r io.Reader) (string, error) {
	p, err := d.path(key)
	if err != nil {
		return "", err
	}
	for {
		if err := ctx.Err(); err != nil {
			return "", fmt.Errorf("put %s if match: %w", key, err)
		}
		f, err := os.Open(p)
		if errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("put %s if match: gone: %w", key, ErrPrecondition)
		}
		if err != nil {
			return "", fmt.Errorf("put %s if match: %w", key, err)
		}
		newETag, retry, err := d.swapLocked(ctx, key, p, f, etag, r)
		_ = f.Close() // releases the lock
		if retry {
			continue
		}
		return newETag, err
	}
}

// swapLocked replaces p when the locked file f is still p and holds etag.
func (d *Dir) swapLocked(ctx context.Context, key, p string, f *os.File, etag string, r io.Reader) (newETag string, retry bool, err error) {
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		return "", false, fmt.Errorf("put %s if match: lock: %w", key, err)
	}
	fi, err := f.Stat()
	if err != nil {
		return "", false, fmt.Errorf("put %s if match: %w", key, err)
	}
	cur, err := os.Stat(p)
	if errors.Is(err, fs.ErrNotExist) {
		return "", false, fmt.Errorf("put %s if match: gone: %w", key, ErrPrecondition)
	}
	if err != nil {
		return "", false, fmt.Errorf("put %s if match: %w", key, err)
	}
	if !os.SameFile(fi, cur) {
		return "", true, nil // replaced while we waited for the lock
	}
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", false, fmt.Errorf("put %s if match: %w", key, err)
	}
	if dirETag(h) != etag {
		return "", false, fmt.Errorf("put %s if match: %w", key, ErrPrecondition)
	}
	tmp, newETag, err := d.writeTemp(ctx, key, p, r)
	if err != nil {
		return "", false, err
	}
	if err := os.Rename(tmp, p); err != nil {
		_ = os.Remove(tmp)
		return "", false, fmt.Errorf("put %s if match: %w", key, err)
	}
	d.syncDir(filepath.Dir(p))
	return newETag, false, nil
}

// writeTemp writes r to a synced temp file beside p and returns its path
// and ETag.
func (d *Dir) writeTemp(ctx context.Context, key, p string, r io.Reader) (tmp, etag string, err error) {
	if err := d.mkdirAll(filepath.Dir(p), 0o777); err != nil {
		return "", "", fmt.Errorf("put %s: %w", key, err)
	}
	f, err := createTemp(p)
	if err != nil {
		return "", "", fmt.Errorf("put %s: %w", key, err)
	}
	defer func() {
		if err != nil {
			_ = f.Close()
			_ = os.Remove(f.Name())
		}
	}()
	h := sha256.New()
	if _, err = io.Copy(io.MultiWriter(f, h), ctxReader{ctx, r}); err != nil {
		return "", "", fmt.Errorf("put %s: %w", key, err)
	}
	if err = d.syncFile(f); err != nil {
		return "", "", fmt.Errorf("put %s: sync: %w", key, err)
	}
	if err = f.Close(); err != nil {
		return "", "", fmt.Errorf("put %s: %w", key, err)
	}
	if err = ctx.Err(); err != nil {
		return "", "", fmt.Errorf("put %s: %w", key, err)
	}
	return f.Name(), dirETag(h), nil
}

var _ Syncer = (*Dir)(nil)

// Unsynced implements Syncer: the same directory, with writes that skip
// every fsync.
func (d *Dir) Unsynced() Conditional {
	c := *d
	c.nosync = true
	return &c
}

// Sync implements Syncer: it fsyncs each key's file, then each distinct
// directory holding them, once.
func (d *Dir) Sync(ctx context.Context, keys ...string) error {
	var dirs []string
	for _, key := range keys {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("sync %s: %w", key, err)
		}
		p, err := d.path(key)
		if err != nil {
			return err
		}
		f, err := os.Open(p)
		if err != nil {
			return fmt.Errorf("sync %s: %w", key, err)
		}
		err = f.Sync()
		_ = f.Close()
		if err != nil {
			return fmt.Errorf("sync %s: %w", key, err)
		}
		if dir := filepath.Dir(p); !slices.Contains(dirs, dir) {
			dirs = append(dirs, dir)
		}
	}
	for _, dir := range dirs {
		syncDir(dir)
	}
	return nil
}

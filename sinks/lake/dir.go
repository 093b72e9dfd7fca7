package lake

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"iter"
	"os"
	"path/filepath"
	"strings"
)

// tmpPrefix marks files being written. Names starting with "." are ignored by
// Hive, Spark, Trino and Athena, and a temp name never ends in ".parquet", so
// no reader's glob picks one up.
const tmpPrefix = ".tmp-"

// Dir is a Lake in a local directory. Put writes a temp file beside the
// target, syncs it and renames it over the target, so each object is
// atomically visible on POSIX filesystems.
type Dir struct {
	root string
	// real is root with symlinks resolved: keys must stay inside it.
	real string
	// nosync: writes are not fsynced (Unsynced).
	nosync bool
	// synced, when set (tests), is told of every directory synced.
	synced func(dir string)
}

var _ Lake = (*Dir)(nil)

// NewDir returns a lake rooted at dir, creating it if needed.
func NewDir(dir string) (*Dir, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("lake dir %q: %w", dir, err)
	}
	if err := os.MkdirAll(abs, 0o777); err != nil {
		return nil, fmt.Errorf("lake dir: %w", err)
	}
	real, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return nil, fmt.Errorf("lake dir: %w", err)
	}
	return &Dir{root: abs, real: real}, nil
}

// Root returns the absolute directory of the lake.
func (d *Dir) Root() string { return d.root }

// URL implements Lake.
func (d *Dir) URL() string { return "file://" + d.root }

// ErrEscapes means a key leads, through a symbolic link, out of the
// directory of the lake (or inbox).
var ErrEscapes = errors.New("leads out of the lake directory through a symbolic link")

func (d *Dir) path(key string) (string, error) {
	if err := CheckKey(key); err != nil {
		return "", err
	}
	p := filepath.Join(d.root, filepath.FromSlash(key))
	if err := d.confined(p); err != nil {
		return "", fmt.Errorf("key %q: %w", key, err)
	}
	return p, nil
}

// confined checks that the deepest existing part of p, symlinks
// resolved, lies inside the root: a link in an inbox to /etc/shadow is
// not an input, and a link to another tree is not a place to write. (A
// link swapped in between this check and the use is not defended
// against: the lake directory is the operator's, not an attacker's.)
func (d *Dir) confined(p string) error {
	rel, ok := strings.CutPrefix(p, d.root+string(filepath.Separator))
	if !ok {
		return d.resolved(p)
	}
	// Most keys have no link on the way: on Linux one openat2 settles
	// them (noLinkOnTheWay), else one lstat per component below the root
	// (the root is resolved once, in NewDir), where EvalSymlinks would
	// lstat every component from "/" and allocate.
	if d.noLinkOnTheWay(p) {
		return nil
	}
	return d.walk(p, rel)
}

// walk is confined's lstat of each component of rel, p below the root,
// up to the first that does not exist.
func (d *Dir) walk(p, rel string) error {
	q := d.root
	for rel != "" {
		var c string
		c, rel, _ = strings.Cut(rel, string(filepath.Separator))
		q += string(filepath.Separator) + c
		fi, err := os.Lstat(q)
		if errors.Is(err, fs.ErrNotExist) {
			return nil // nor anything below it
		}
		if err != nil {
			return err
		}
		if fi.Mode()&fs.ModeSymlink != 0 {
			return d.resolved(p)
		}
	}
	return nil
}

// resolved is confined for a path with a link on the way (or not below
// the root): the deepest existing part, links resolved, must lie inside
// the root.
func (d *Dir) resolved(p string) error {
	for q := p; ; q = filepath.Dir(q) {
		real, err := filepath.EvalSymlinks(q)
		if err == nil {
			if real != d.real && !strings.HasPrefix(real, d.real+string(filepath.Separator)) {
				return ErrEscapes
			}
			return nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		if q == d.root || len(q) <= len(d.root) {
			return nil
		}
	}
}

// createTemp creates a new file beside p for writing p. Unlike
// os.CreateTemp (0600) it asks for 0666, so the process umask decides
// who may read the lake, as it does for any file the operator creates.
func createTemp(p string) (*os.File, error) {
	dir, base := filepath.Split(p)
	for range 100 {
		name := filepath.Join(dir, tmpPrefix+base+"-"+randomSuffix())
		f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o666)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		return f, err
	}
	return nil, fmt.Errorf("create temp file for %s: too many collisions", base)
}

func randomSuffix() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Put implements Lake.
func (d *Dir) Put(ctx context.Context, key string, r io.Reader) (err error) {
	p, err := d.path(key)
	if err != nil {
		return err
	}
	if err := d.mkdirAll(filepath.Dir(p), 0o777); err != nil {
		return fmt.Errorf("put %s: %w", key, err)
	}
	f, err := createTemp(p)
	if err != nil {
		return fmt.Errorf("put %s: %w", key, err)
	}
	defer func() {
		if err != nil {
			_ = f.Close()
			_ = os.Remove(f.Name())
		}
	}()
	if _, err = io.Copy(f, ctxReader{ctx, r}); err != nil {
		return fmt.Errorf("put %s: %w", key, err)
	}
	if err = d.syncFile(f); err != nil {
		return fmt.Errorf("put %s: sync: %w", key, err)
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("put %s: %w", key, err)
	}
	if err = ctx.Err(); err != nil {
		return fmt.Errorf("put %s: %w", key, err)
	}
	if err = os.Rename(f.Name(), p); err != nil {
		return fmt.Errorf("put %s: %w", key, err)
	}
	d.syncDir(filepath.Dir(p))
	return nil
}

// syncFile makes a temp file's bytes durable before it gets its name.
func (d *Dir) syncFile(f *os.File) error {
	if d.nosync {
		return nil
	}
	return f.Sync()
}

// syncDir makes a rename durable; best effort, as not every filesystem
// supports syncing a directory.
func (d *Dir) syncDir(dir string) {
	if !d.nosync {
		d.syncDirNow(dir)
	}
}

// syncDirNow syncs dir whether or not the lake is unsynced.
func (d *Dir) syncDirNow(dir string) {
	syncDir(dir)
	if d.synced != nil {
		d.synced(dir)
	}
}

// mkdirAll is os.MkdirAll that also makes each directory it creates
// durable: a new directory's entry is in its parent, so the parent is
// synced. Without that, POSIX lets a machine crash after a commit lose a
// partition directory, and with it the files renamed into it (whose own
// directory was synced). Directories that exist cost one Stat, as with
// os.MkdirAll.
func (d *Dir) mkdirAll(dir string, perm fs.FileMode) error {
	if fi, err := os.Stat(dir); err == nil && fi.IsDir() {
		return nil
	}
	// The missing directories, deepest first.
	var missing []string
	for p := dir; ; {
		if _, err := os.Lstat(p); err == nil {
			break
		}
		missing = append(missing, p)
		parent := filepath.Dir(p)
		if parent == p {
			break
		}
		p = parent
	}
	for i := len(missing) - 1; i >= 0; i-- {
		// Another writer may create it first: that is fine, and its
		// syncing is its own.
		if err := os.Mkdir(missing[i], perm); err != nil && !errors.Is(err, fs.ErrExist) {
			return err
		}
		// Synced even by the Unsynced lake: its Sync(keys) syncs the
		// keys' own directories, not the parents of new ones.
		d.syncDirNow(filepath.Dir(missing[i]))
	}
	if len(missing) == 0 {
		// Lstat saw something that Stat did not take for a directory:
		// let MkdirAll report it as it would.
		return os.MkdirAll(dir, perm)
	}
	return nil
}

func syncDir(dir string) {
	if f, err := os.Open(dir); err == nil {
		_ = f.Sync()
		_ = f.Close()
	}
}

// Get implements Lake.
func (d *Dir) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	p, err := d.path(key)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	f, err := os.Open(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("get %s: %w", key, ErrNotExist)
	}
	if err != nil {
		return nil, fmt.Errorf("get %s: %w", key, err)
	}
	return f, nil
}

// Stat implements Lake.
func (d *Dir) Stat(ctx context.Context, key string) (Object, error) {
	p, err := d.path(key)
	if err != nil {
		return Object{}, err
	}
	fi, err := os.Stat(p)
	if errors.Is(err, fs.ErrNotExist) || (err == nil && fi.IsDir()) {
		return Object{}, fmt.Errorf("stat %s: %w", key, ErrNotExist)
	}
	if err != nil {
		return Object{}, fmt.Errorf("stat %s: %w", key, err)
	}
	return Object{Key: key, Size: fi.Size(), ModTime: fi.ModTime()}, nil
}

// List implements Lake.
func (d *Dir) List(ctx context.Context, prefix string) iter.Seq2[Object, error] {
	return func(yield func(Object, error) bool) {
		// Walk from the deepest directory the prefix names, then filter by
		// the full prefix, as an object store would.
		dirKey := prefix
		if i := strings.LastIndex(dirKey, "/"); i >= 0 {
			dirKey = dirKey[:i]
		} else {
			dirKey = ""
		}
		start := filepath.Join(d.root, filepath.FromSlash(dirKey))
		if err := d.confined(start); err != nil {
			yield(Object{}, fmt.Errorf("list %s: %w", prefix, err))
			return
		}
		err := filepath.WalkDir(start, func(p string, e fs.DirEntry, err error) error {
			if err != nil {
				if errors.Is(err, fs.ErrNotExist) && p == start {
					return fs.SkipAll
				}
				return err
			}
			if err := ctx.Err(); err != nil {
				return err
			}
			if e.IsDir() || strings.HasPrefix(e.Name(), tmpPrefix) {
				return nil
			}
			rel, err := filepath.Rel(d.root, p)
			if err != nil {
				return err
			}
			key := filepath.ToSlash(rel)
			if !strings.HasPrefix(key, prefix) {
				return nil
			}
			fi, err := e.Info()
			if errors.Is(err, fs.ErrNotExist) {
				return nil // deleted while listing
			}
			if err != nil {
				return err
			}
			if !yield(Object{Key: key, Size: fi.Size(), ModTime: fi.ModTime()}, nil) {
				return fs.SkipAll
			}
			return nil
		})
		if err != nil {
			yield(Object{}, fmt.Errorf("list %s: %w", prefix, err))
		}
	}
}

// Delete implements Lake.
func (d *Dir) Delete(ctx context.Context, key string) error {
	p, err := d.path(key)
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("delete %s: %w", key, err)
	}
	// Leave no empty partition directories behind; stop at the first
	// directory that still has entries, or whose name starts with "_":
	// the engine's own directories (_pending, _log, _txn) are written
	// again by the next commit, and each one removed would be made and
	// synced into its parent again.
	for dir := filepath.Dir(p); dir != d.root && strings.HasPrefix(dir, d.root); dir = filepath.Dir(dir) {
		if strings.HasPrefix(filepath.Base(dir), "_") || os.Remove(dir) != nil {
			break
		}
	}
	return nil
}

// ctxReader stops a copy when ctx is done.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// Copy implements Lake: a hard link to a temp name renamed over dst, so the
// copy costs no bytes and is atomic; a plain copy through Put where the
// filesystem cannot link. Sharing an inode is safe because no object is
// ever modified in place (Put renames a new file over the key).
func (d *Dir) Copy(ctx context.Context, src, dst string) error {
	sp, err := d.path(src)
	if err != nil {
		return err
	}
	dp, err := d.path(dst)
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if fi, err := os.Stat(sp); errors.Is(err, fs.ErrNotExist) || (err == nil && fi.IsDir()) {
		return fmt.Errorf("copy %s: %w", src, ErrNotExist)
	} else if err != nil {
		return fmt.Errorf("copy %s: %w", src, err)
	}
	if err := d.mkdirAll(filepath.Dir(dp), 0o755); err != nil {
		return fmt.Errorf("copy %s to %s: %w", src, dst, err)
	}
	tmp := filepath.Join(filepath.Dir(dp), tmpPrefix+filepath.Base(dp)+"-"+randomSuffix())
	if err := os.Link(sp, tmp); err == nil {
		if err := os.Rename(tmp, dp); err != nil {
			_ = os.Remove(tmp)
			return fmt.Errorf("copy %s to %s: %w", src, dst, err)
		}
		// Where dst is already a link to src's file, rename(2) does
		// nothing and succeeds, leaving the temp name behind.
		if err := os.Remove(tmp); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("copy %s to %s: remove %s: %w", src, dst, filepath.Base(tmp), err)
		}
		d.syncDir(filepath.Dir(dp))
		return nil
	}
	f, err := os.Open(sp)
	if err != nil {
		return fmt.Errorf("copy %s: %w", src, err)
	}
	defer f.Close()
	// Synced even through Unsynced: a copy's bytes are then as durable as
	// its source's whichever way it was made, and only its name waits for
	// Sync (Syncer).
	c := *d
	c.nosync = false
	return c.Put(ctx, dst, f)
}

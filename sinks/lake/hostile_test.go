package lake

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A dir lake (an inbox is one) never follows a symbolic link out of its
// root: not to read an input, not to write, not to list.
func TestDirStaysInsideItsRoot(t *testing.T) {
	ctx := context.Background()
	outside := t.TempDir()
	secret := filepath.Join(outside, "shadow")
	if err := os.WriteFile(secret, []byte("root:$6$..."), 0o600); err != nil {
		t.Fatal(err)
	}
	d, err := NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(secret, filepath.Join(d.Root(), "export.xlsx")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(d.Root(), "etc")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(d.Root(), "inside.csv"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("inside.csv", filepath.Join(d.Root(), "alias.csv")); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Get(ctx, "export.xlsx"); !errors.Is(err, ErrEscapes) {
		t.Errorf("Get through a link out: %v", err)
	}
	if _, err := d.Get(ctx, "etc/shadow"); !errors.Is(err, ErrEscapes) {
		t.Errorf("Get through a directory link out: %v", err)
	}
	if err := d.Put(ctx, "etc/failed/passwd", strings.NewReader("x")); !errors.Is(err, ErrEscapes) {
		t.Errorf("Put through a directory link out: %v", err)
	}
	if _, err := os.Stat(filepath.Join(outside, "failed")); err == nil {
		t.Error("Put created a directory outside the root")
	}
	for o, err := range d.List(ctx, "etc/") {
		if err == nil {
			t.Errorf("listed %s through a link out", o.Key)
		}
	}
	if rc, err := d.Get(ctx, "alias.csv"); err != nil {
		t.Errorf("a link inside the root: %v", err)
	} else {
		rc.Close()
	}
}

// Issue 12: files were chmod 0644 whatever the umask.
func TestDirFilesFollowUmask(t *testing.T) {
	old := syscall.Umask(0o027)
	defer syscall.Umask(old)
	d, err := NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := d.Put(ctx, "a/b.parquet", bytes.NewReader([]byte("x"))); err != nil {
		t.Fatal(err)
	}
	if _, err := d.PutIfAbsent(ctx, "c", bytes.NewReader([]byte("x"))); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"a/b.parquet", "c"} {
		fi, err := os.Stat(filepath.Join(d.Root(), k))
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != 0o640 {
			t.Errorf("%s: mode %o under umask 027, want 640", k, got)
		}
	}
	if fi, err := os.Stat(filepath.Join(d.Root(), "a")); err != nil || fi.Mode().Perm() != 0o750 {
		t.Errorf("directory: %v, %v; want mode 750 under umask 027", fi.Mode(), err)
	}
}

// Issue 12: after kills, spool files and .tmp-* objects stayed forever.
func TestSweepLeftovers(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	old := now.Add(-DefaultLeftoverAge - time.Minute)
	d, err := NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	spool := t.TempDir()
	write := func(p string, mod time.Time) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, mod, mod); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(d.Root(), "trade_flows/x/.tmp-a.parquet-123"), old)       // swept
	write(filepath.Join(d.Root(), "trade_flows/x/.tmp-b.parquet-456"), now)       // a Put in flight: kept
	write(filepath.Join(d.Root(), "trade_flows/x/a.parquet"), old)                // committed: kept
	write(filepath.Join(spool, "spool-1.parquet"), old)                           // swept
	write(filepath.Join(spool, "fetch-9/body.json"), old)                         // swept with its dir
	if err := os.Chtimes(filepath.Join(spool, "fetch-9"), old, old); err != nil { // dirs are dated too
		t.Fatal(err)
	}
	write(filepath.Join(spool, "spool-2.parquet"), now)  // in use: kept
	write(filepath.Join(spool, "someone-else.tmp"), old) // not the engine's: kept
	got, err := Sweep(ctx, d, spool, []string{"spool-*.parquet", "fetch-*"}, 0, now)
	if err != nil {
		t.Fatal(err)
	}
	if got != (Swept{Spool: 2, Lake: 1}) {
		t.Errorf("swept %+v", got)
	}
	for p, want := range map[string]bool{
		filepath.Join(d.Root(), "trade_flows/x/.tmp-a.parquet-123"): false,
		filepath.Join(d.Root(), "trade_flows/x/.tmp-b.parquet-456"): true,
		filepath.Join(d.Root(), "trade_flows/x/a.parquet"):          true,
		filepath.Join(spool, "spool-1.parquet"):                     false,
		filepath.Join(spool, "fetch-9"):                             false,
		filepath.Join(spool, "spool-2.parquet"):                     true,
		filepath.Join(spool, "someone-else.tmp"):                    true,
	} {
		if _, err := os.Stat(p); (err == nil) != want {
			t.Errorf("%s: exists=%v, want %v", p, err == nil, want)
		}
	}
}

package lake

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// confined's one-call answer (openat2) agrees with its lstat walk on
// every kind of path: plain, missing, a link inside or out of the root on
// the way or at the end, a dangling link, a file where a directory should
// be.
func TestNoLinkOnTheWayAgreesWithWalk(t *testing.T) {
	outside := t.TempDir()
	d, err := NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if d.root != d.real {
		t.Skipf("the temporary directory %s has a link on the way: only the walk runs", d.root)
	}
	root := d.Root()
	for _, dir := range []string{"a/b/c", "in"} {
		if err := os.MkdirAll(filepath.Join(root, dir), 0o777); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []string{"a/b/c/x.parquet", "a/file"} {
		if err := os.WriteFile(filepath.Join(root, f), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	links := map[string]string{
		"a/out":      outside,
		"a/in":       filepath.Join(root, "in"),
		"a/rel":      "b",
		"a/b/leaf":   filepath.Join(outside, "shadow"),
		"a/b/inleaf": "c/x.parquet",
		"a/dangling": filepath.Join(root, "nowhere"),
	}
	for l, to := range links {
		if err := os.Symlink(to, filepath.Join(root, l)); err != nil {
			t.Fatal(err)
		}
	}
	// true: settled without the walk.
	want := map[string]bool{
		"a/b/c/x.parquet": true, "a/b/c/new": true, "a/missing/deeper/x": true,
		"a/out/x": false, "a/in/x": false, "a/rel/c/x.parquet": false, "a/b/leaf": false,
		"a/b/inleaf": false, "a/dangling": false, "a/dangling/x": false, "a/file/x": false,
	}
	for key, w := range want {
		p := filepath.Join(root, filepath.FromSlash(key))
		if got := d.noLinkOnTheWay(p); got != w {
			t.Errorf("%s: noLinkOnTheWay = %v, want %v", key, got, w)
		}
		fast := d.confined(p)
		rel, _ := filepath.Rel(root, p)
		slow := d.walk(p, rel)
		if (fast == nil) != (slow == nil) || errors.Is(fast, ErrEscapes) != errors.Is(slow, ErrEscapes) {
			t.Errorf("%s: confined %v, the walk %v", key, fast, slow)
		}
	}
	if err := d.confined(filepath.Join(root, "a/out/x")); !errors.Is(err, ErrEscapes) {
		t.Errorf("a link out: %v", err)
	}
}

package lake

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestDirSyncsNewDirectories checks that every directory a write creates
// is made durable in its parent (and the object's own directory after the
// rename), for each way Dir writes an object, and that writing into
// directories that exist syncs only the object's own.
func TestDirSyncsNewDirectories(t *testing.T) {
	ctx := context.Background()
	writes := map[string]func(d *Dir, key string) error{
		"Put": func(d *Dir, key string) error { return d.Put(ctx, key, strings.NewReader("x")) },
		"PutIfAbsent": func(d *Dir, key string) error {
			_, err := d.PutIfAbsent(ctx, key, strings.NewReader("x"))
			return err
		},
		"Copy": func(d *Dir, key string) error {
			if err := d.Put(ctx, "src", strings.NewReader("x")); err != nil {
				return err
			}
			return d.Copy(ctx, "src", key)
		},
	}
	for name, write := range writes {
		t.Run(name, func(t *testing.T) {
			d, err := NewDir(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			var synced []string
			d.synced = func(dir string) {
				rel, err := filepath.Rel(d.Root(), dir)
				if err != nil {
					t.Errorf("synced %s, outside the lake: %v", dir, err)
				}
				synced = append(synced, filepath.ToSlash(rel))
			}
			if err := write(d, "a/b=1/c=2/key"); err != nil {
				t.Fatal(err)
			}
			// The parent of each new directory, top down, then the
			// object's directory for its new name.
			for _, want := range []string{".", "a", "a/b=1", "a/b=1/c=2"} {
				if !slices.Contains(synced, want) {
					t.Errorf("%s did not sync %q; synced %q", name, want, synced)
				}
			}
			synced = nil
			if err := write(d, "a/b=1/c=2/other"); err != nil {
				t.Fatal(err)
			}
			for _, dir := range synced {
				if dir != "a/b=1/c=2" && dir != "." {
					t.Errorf("%s into existing directories synced %q; synced %q", name, dir, synced)
				}
			}
		})
	}
}

// TestDirMkdirAllErrors checks that a key whose directory is a file fails
// as os.MkdirAll fails, for a missing directory under the file and for
// the file itself.
func TestDirMkdirAllErrors(t *testing.T) {
	ctx := context.Background()
	d, err := NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Put(ctx, "f", strings.NewReader("x")); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"f/key", "f/g/key"} {
		if err := d.Put(ctx, key, strings.NewReader("x")); err == nil {
			t.Errorf("put %s under a file: no error", key)
		}
	}
}

// TestUnsyncedDirSyncsNewDirectories checks that the unsynced lake still
// syncs the parents of the directories it creates: Sync(keys) syncs only
// the keys' own directories.
func TestUnsyncedDirSyncsNewDirectories(t *testing.T) {
	d, err := NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	u, ok := d.Unsynced().(*Dir)
	if !ok {
		t.Fatalf("Unsynced is %T, not *Dir", d.Unsynced())
	}
	var synced []string
	u.synced = func(dir string) { synced = append(synced, dir) }
	if err := u.Put(context.Background(), "a/b/key", strings.NewReader("x")); err != nil {
		t.Fatal(err)
	}
	want := []string{d.Root(), filepath.Join(d.Root(), "a")}
	if !slices.Equal(synced, want) {
		t.Errorf("unsynced put synced %q, want %q", synced, want)
	}
}

// TestDirDeletePrunes checks that Delete removes the directories it
// empties, up to the first that still has entries or whose name starts
// with "_" (the engine's own, written again by the next commit).
func TestDirDeletePrunes(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		key, keep string // keep: the deepest directory left
	}{
		{key: "t/source=x/month=01/a.parquet", keep: "."},
		{key: "_tables/_pending/0001.json", keep: "_tables/_pending"},
		{key: "_tables/t/month=01/_log/0001.json", keep: "_tables/t/month=01/_log"},
		{key: "_state/v1/x/y/z.json", keep: "_state"},
	} {
		d, err := NewDir(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		if err := d.Put(ctx, tc.key, strings.NewReader("x")); err != nil {
			t.Fatal(err)
		}
		if err := d.Delete(ctx, tc.key); err != nil {
			t.Fatal(err)
		}
		for dir := filepath.Dir(tc.key); dir != "."; dir = filepath.Dir(dir) {
			_, err := os.Stat(filepath.Join(d.Root(), dir))
			want := strings.HasPrefix(tc.keep, dir) && tc.keep != "."
			if got := err == nil; got != want {
				t.Errorf("delete %s: directory %s left %v, want %v", tc.key, dir, got, want)
			}
		}
	}
}

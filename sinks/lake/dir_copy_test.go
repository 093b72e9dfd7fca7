package lake

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDirCopyOntoItsOwnLink copies a key twice onto the same destination:
// the second time dst already links src's file, rename(2) does nothing, and
// the temp name must not stay behind (the quick start once left a
// ".tmp-part-00000.parquet-…" beside a republished GACC month).
func TestDirCopyOntoItsOwnLink(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	d, err := NewDir(root)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Put(ctx, "src/a.parquet", strings.NewReader("rows")); err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		if err := d.Copy(ctx, "src/a.parquet", "view/a.parquet"); err != nil {
			t.Fatalf("copy %d: %v", i, err)
		}
	}
	entries, err := os.ReadDir(filepath.Join(root, "view"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if len(names) != 1 || names[0] != "a.parquet" {
		t.Errorf("view/ holds %q, want only a.parquet", names)
	}
	b, err := os.ReadFile(filepath.Join(root, "view", "a.parquet"))
	if err != nil || string(b) != "rows" {
		t.Errorf("view/a.parquet = %q, %v", b, err)
	}
}

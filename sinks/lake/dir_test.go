package lake_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tradepipe/tradepipe/sinks/lake"
	"github.com/tradepipe/tradepipe/sinks/lake/laketest"
)

func TestDirConformance(t *testing.T) {
	laketest.Run(t, func(t *testing.T) lake.Lake {
		d, err := lake.NewDir(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		return d
	})
}

func TestDirLeavesNoTempFiles(t *testing.T) {
	root := t.TempDir()
	d, err := lake.NewDir(root)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_ = d.Put(ctx, "a/b", strings.NewReader("x"))
	_ = filepath.Walk(root, func(p string, fi os.FileInfo, err error) error {
		if err == nil && strings.HasPrefix(fi.Name(), ".tmp-") {
			t.Errorf("temp file left behind: %s", p)
		}
		return nil
	})
}

func TestParseURL(t *testing.T) {
	for _, tc := range []struct {
		in, scheme, host, path string
		bad                    bool
	}{
		{in: "file://./lake", scheme: "file", path: "./lake"},
		{in: "file:///var/lake", scheme: "file", path: "/var/lake"},
		{in: "./lake", scheme: "file", path: "./lake"},
		{in: "s3://bucket/prefix/x", scheme: "s3", host: "bucket", path: "/prefix/x"},
		{in: "s3:///nobucket", bad: true},
		{in: "s3://key:secret@bucket/p", bad: true},
		{in: "gs://bucket", bad: true},
		{in: "", bad: true},
	} {
		u, err := lake.ParseURL(tc.in)
		if tc.bad {
			if err == nil {
				t.Errorf("ParseURL(%q) succeeded", tc.in)
			}
			continue
		}
		if err != nil || u.Scheme != tc.scheme || u.Host != tc.host || u.Path != tc.path {
			t.Errorf("ParseURL(%q) = %v, %v", tc.in, u, err)
		}
	}
}

func TestDirConditional(t *testing.T) {
	laketest.RunConditional(t, func(t *testing.T) lake.Conditional {
		d, err := lake.NewDir(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		return d
	})
}

func TestDirPublish(t *testing.T) {
	laketest.RunPublish(t, func(t *testing.T) lake.Conditional {
		d, err := lake.NewDir(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		return d
	})
}

// Unsynced writes the same directory (visible at once through the lake
// itself), and Sync reports keys it cannot make durable.
func TestDirUnsynced(t *testing.T) {
	ctx := context.Background()
	d, err := lake.NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	u := d.Unsynced()
	if err := u.Put(ctx, "v/a.json", strings.NewReader("a")); err != nil {
		t.Fatal(err)
	}
	if _, err := u.PutIfAbsent(ctx, "v/b.json", strings.NewReader("b")); err != nil {
		t.Fatal(err)
	}
	if err := u.Copy(ctx, "v/a.json", "w/c.json"); err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]string{"v/a.json": "a", "v/b.json": "b", "w/c.json": "a"} {
		if b, err := lake.ReadAll(ctx, d, key); err != nil || string(b) != want {
			t.Errorf("%s through the synced lake: %q, %v; want %q", key, b, err, want)
		}
	}
	if err := d.Sync(ctx, "v/a.json", "v/b.json", "w/c.json"); err != nil {
		t.Errorf("Sync: %v", err)
	}
	if err := d.Sync(ctx, "v/missing.json"); err == nil || !strings.Contains(err.Error(), "v/missing.json") {
		t.Errorf("Sync of a missing key: %v, want an error naming it", err)
	}
}

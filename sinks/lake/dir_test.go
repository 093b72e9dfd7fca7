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

package laketest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/tradepipe/tradepipe/internal/civil"
	"github.com/tradepipe/tradepipe/internal/schema"
	"github.com/tradepipe/tradepipe/sinks/lake"
	"github.com/tradepipe/tradepipe/sinks/publish"
)

// RunPublish runs the publish protocol on the lake: a publish is visible
// whole, a re-run replaces, and a crash at any step leaves the previous
// version complete and a re-run converges.
func RunPublish(t *testing.T, newLake func(t *testing.T) lake.Lake) {
	ctx := context.Background()
	p := schema.TradeFlowPartition("census", "export", civil.Month{Year: 2020, Month: time.April})
	now := func() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) }

	t.Run("PublishAndReplace", func(t *testing.T) {
		l := newLake(t)
		pub := &publish.Publisher{Lake: l, Now: now}
		v1 := commit(t, p, "g", "v1", "a.parquet", "b.parquet")
		if _, err := pub.Publish(ctx, v1); err != nil {
			t.Fatal(err)
		}
		checkPartition(t, l, p.Path, "v1", "a.parquet", "b.parquet")
		v2 := commit(t, p, "g", "v2", "a.parquet")
		if _, err := pub.Publish(ctx, v2); err != nil {
			t.Fatal(err)
		}
		checkPartition(t, l, p.Path, "v2", "a.parquet")
	})

	for _, crashAt := range []publish.Step{publish.StepData, publish.StepManifest, publish.StepSuccess, publish.StepCleanup} {
		t.Run(fmt.Sprintf("CrashAtStep%d", crashAt), func(t *testing.T) {
			l := newLake(t)
			if _, err := (&publish.Publisher{Lake: l, Now: now}).Publish(ctx, commit(t, p, "g", "v1", "a.parquet", "b.parquet")); err != nil {
				t.Fatal(err)
			}
			crash := errors.New("crash")
			seen := 0
			pub := &publish.Publisher{Lake: l, Now: now, Hook: func(s publish.Step, _ string) error {
				if s == crashAt {
					seen++
					// At StepData crash before the second file, so one new
					// file is already in place.
					if s != publish.StepData || seen == 2 {
						return crash
					}
				}
				return nil
			}}
			v2 := commit(t, p, "g", "v2", "a.parquet", "c.parquet")
			if _, err := pub.Publish(ctx, v2); !errors.Is(err, crash) {
				t.Fatalf("publish with a crash: err = %v", err)
			}
			// Every file the manifest lists is there and whole: the old or
			// the new version (names are deterministic, so a crash before
			// the manifest can leave a new file under a listed name).
			m, err := publish.Load(ctx, l, p.Path)
			if err != nil || m == nil || len(m.Groups) != 1 {
				t.Fatalf("manifest after a crash = %+v, %v", m, err)
			}
			for _, f := range m.Groups[0].Files {
				if got := get(t, l, p.Path+"/"+f.Name); got != "v1/"+f.Name && got != "v2/"+f.Name {
					t.Fatalf("listed file %s after a crash holds %q", f.Name, got)
				}
			}
			switch {
			case crashAt <= publish.StepManifest && m.Groups[0].ReleaseID != "v1":
				t.Fatalf("crash before the manifest: manifest is %s, want v1", m.Groups[0].ReleaseID)
			case crashAt > publish.StepManifest && m.Groups[0].ReleaseID != "v2":
				t.Fatalf("crash after the manifest: manifest is %s, want v2", m.Groups[0].ReleaseID)
			}
			// A re-run converges on exactly the new version.
			if _, err := (&publish.Publisher{Lake: l, Now: now}).Publish(ctx, v2); err != nil {
				t.Fatal(err)
			}
			checkPartition(t, l, p.Path, "v2", "a.parquet", "c.parquet")
		})
	}
}

// commit writes local files whose content depends on release and name.
func commit(t *testing.T, p schema.Partition, group, release string, names ...string) publish.Commit {
	t.Helper()
	dir := t.TempDir()
	c := publish.Commit{Partition: p, Group: publish.Group{Name: group, ReleaseID: release, Inputs: []publish.Input{{URI: "test://" + release, SHA256: release}}}}
	for _, n := range names {
		body := []byte(release + "/" + n)
		fp := filepath.Join(dir, n)
		if err := os.WriteFile(fp, body, 0o600); err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(body)
		c.Local = append(c.Local, publish.LocalFile{Name: n, Path: fp, Rows: 1, Bytes: int64(len(body)), SHA256: hex.EncodeToString(sum[:])})
	}
	return c
}

// checkManifestFiles checks that every file the manifest lists is there
// with the listed checksum, and returns the manifest.
func checkManifestFiles(t *testing.T, l lake.Lake, dir string) *publish.Manifest {
	t.Helper()
	ctx := context.Background()
	m, err := publish.Load(ctx, l, dir)
	if err != nil || m == nil || len(m.Groups) != 1 {
		t.Fatalf("manifest of %s = %+v, %v", dir, m, err)
	}
	for _, f := range m.Groups[0].Files {
		b, err := lake.ReadAll(ctx, l, path.Join(dir, f.Name))
		if err != nil {
			t.Fatalf("listed file %s: %v", f.Name, err)
		}
		sum := sha256.Sum256(b)
		if hex.EncodeToString(sum[:]) != f.SHA256 {
			t.Fatalf("listed file %s does not match the manifest", f.Name)
		}
	}
	return m
}

// checkPartition checks that dir holds exactly release's files, its
// manifest and _SUCCESS.
func checkPartition(t *testing.T, l lake.Lake, dir, release string, names ...string) {
	t.Helper()
	m := checkManifestFiles(t, l, dir)
	if m.Groups[0].ReleaseID != release {
		t.Fatalf("manifest release = %s, want %s", m.Groups[0].ReleaseID, release)
	}
	want := []string{}
	for _, n := range names {
		want = append(want, dir+"/"+n)
		if got := get(t, l, dir+"/"+n); got != release+"/"+n {
			t.Fatalf("%s = %q", n, got)
		}
	}
	want = append(want, dir+"/"+publish.SuccessName, dir+"/"+publish.ManifestName)
	slices.Sort(want)
	if got := keys(t, l, dir+"/"); !slices.Equal(got, want) {
		t.Fatalf("partition holds %v, want %v", got, want)
	}
}

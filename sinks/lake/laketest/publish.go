package laketest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"iter"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tradepipe/tradepipe/internal/civil"
	"github.com/tradepipe/tradepipe/internal/schema"
	"github.com/tradepipe/tradepipe/sinks/lake"
	"github.com/tradepipe/tradepipe/sinks/publish"
)

// RunPublish runs the commit protocol on the lake: a publish is visible
// whole once committed, and a crash at every step of a first publish and
// of a republish leaves a view whose every file is a committed version,
// nothing uncommitted visible, and a re-run that converges byte for byte
// on the lake of a clean run.
func RunPublish(t *testing.T, newLake func(t *testing.T) lake.Conditional) {
	ctx := context.Background()
	p := schema.TradeFlowPartition("census", "export", civil.Month{Year: 2020, Month: time.April})
	now := func() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) }

	t.Run("PublishAndReplace", func(t *testing.T) {
		l := newLake(t)
		pub := &publish.Publisher{Lake: l, Now: now}
		if _, err := pub.Publish(ctx, commit(t, p, "g", "v1", "g.parquet")); err != nil {
			t.Fatal(err)
		}
		if _, err := pub.Publish(ctx, commit(t, p, "h", "v1", "h.parquet")); err != nil {
			t.Fatal(err)
		}
		checkView(t, l, p.Path, map[string]string{"g.parquet": "v1/g.parquet", "h.parquet": "v1/h.parquet"})
		m, err := pub.Publish(ctx, commit(t, p, "g", "v2", "g.parquet"))
		if err != nil {
			t.Fatal(err)
		}
		if m.Seq != 3 || m.Parent != 2 {
			t.Fatalf("third commit is seq %d parent %d", m.Seq, m.Parent)
		}
		checkView(t, l, p.Path, map[string]string{"g.parquet": "v2/g.parquet", "h.parquet": "v1/h.parquet"})
		// The same commit again changes nothing.
		before := snapshot(t, l)
		if _, err := pub.Publish(ctx, commit(t, p, "g", "v2", "g.parquet")); err != nil {
			t.Fatal(err)
		}
		if diff := diffSnap(before, snapshot(t, l)); diff != "" {
			t.Fatalf("an identical publish wrote: %s", diff)
		}
	})

	// The republish of g from v1 to v2 and, separately, the first publish
	// of g, each crashed before every hook call in turn.
	for _, first := range []bool{true, false} {
		name := "Republish"
		if first {
			name = "FirstPublish"
		}
		t.Run("KillAtEveryStep/"+name, func(t *testing.T) {
			setup := func(l lake.Conditional) {
				pub := &publish.Publisher{Lake: l, Now: now}
				if _, err := pub.Publish(ctx, commit(t, p, "h", "v1", "h.parquet")); err != nil {
					t.Fatal(err)
				}
				if !first {
					if _, err := pub.Publish(ctx, commit(t, p, "g", "v1", "g.parquet")); err != nil {
						t.Fatal(err)
					}
				}
			}
			next := commit(t, p, "g", "v2", "g.parquet")
			clean := newLake(t)
			setup(clean)
			steps := 0
			if _, err := (&publish.Publisher{Lake: clean, Now: now, Hook: func(publish.Step, string) error { steps++; return nil }}).Publish(ctx, next); err != nil {
				t.Fatal(err)
			}
			want := snapshot(t, clean)
			if steps < 6 {
				t.Fatalf("a clean republish passed %d steps", steps)
			}
			failures := 0
			for k := 1; k <= steps; k++ {
				l := newLake(t)
				setup(l)
				before := committedFiles(t, l, p.Path)
				crash := errors.New("crash")
				n := 0
				var at publish.Step
				pub := &publish.Publisher{Lake: l, Now: now, Hook: func(s publish.Step, _ string) error {
					n++
					if n == k {
						at = s
						return crash
					}
					return nil
				}}
				if _, err := pub.Publish(ctx, next); !errors.Is(err, crash) {
					t.Fatalf("kill %d: err = %v", k, err)
				}
				// Every view file is a committed version of its group, and
				// the view is the previous commit or the new one.
				head, err := publish.Load(ctx, l, p.Path)
				if err != nil || head == nil {
					t.Fatalf("kill %d at %s: head = %v, %v", k, at, head, err)
				}
				after := committedFiles(t, l, p.Path)
				view := viewFiles(t, l, p.Path)
				if !sameMap(view, before) && !sameMap(view, after) {
					failures++
					t.Errorf("kill %d at %s: view %v is neither the previous commit %v nor the latest %v", k, at, view, before, after)
				}
				if at < publish.StepCommit && head.Seq != map[bool]int64{true: 1, false: 2}[first] {
					t.Errorf("kill %d at %s: a commit was made (seq %d)", k, at, head.Seq)
				}
				// Recovery: what the next run does first, then the re-run.
				pub.Hook = nil
				pending, err := pub.Pending(ctx)
				if err != nil {
					t.Fatal(err)
				}
				for _, dir := range pending {
					if err := pub.Recover(ctx, dir); err != nil {
						t.Fatal(err)
					}
				}
				if _, err := pub.Publish(ctx, next); err != nil {
					t.Fatalf("kill %d: re-run: %v", k, err)
				}
				if diff := diffSnap(want, snapshot(t, l)); diff != "" {
					failures++
					t.Errorf("kill %d at %s: re-run differs from a clean run: %s", k, at, diff)
				}
			}
			t.Logf("kill trials: %d, failures: %d", steps, failures)
		})
	}

	t.Run("CollectAfterRetention", func(t *testing.T) {
		l := newLake(t)
		clock := now()
		pub := &publish.Publisher{Lake: l, Now: func() time.Time { return clock }, Retention: time.Hour}
		for _, v := range []string{"v1", "v2"} {
			if _, err := pub.Publish(ctx, commit(t, p, "g", v, "g.parquet")); err != nil {
				t.Fatal(err)
			}
			clock = clock.Add(time.Minute)
		}
		m1 := mustCommit(t, l, p.Path, 1)
		if _, err := l.Stat(ctx, m1.Groups[0].Files[0].Key); err != nil {
			t.Fatalf("v1's file is gone within the retention: %v", err)
		}
		clock = clock.Add(2 * time.Hour)
		if _, err := pub.Publish(ctx, commit(t, p, "g", "v3", "g.parquet")); err != nil {
			t.Fatal(err)
		}
		if _, err := l.Stat(ctx, m1.Groups[0].Files[0].Key); !errors.Is(err, lake.ErrNotExist) {
			t.Fatalf("v1's file outlived the retention: %v", err)
		}
		m2 := mustCommit(t, l, p.Path, 2)
		if _, err := l.Stat(ctx, m2.Groups[0].Files[0].Key); err != nil {
			t.Fatalf("v2's file, replaced just now, is gone: %v", err)
		}
	})
}

func mustCommit(t *testing.T, l lake.Lake, dir string, seq int64) *publish.Manifest {
	t.Helper()
	m, err := publish.Load(context.Background(), &atSeq{l, dir, seq}, dir)
	if err != nil || m == nil {
		t.Fatalf("commit %d of %s: %v", seq, dir, err)
	}
	return m
}

// atSeq lists a partition's log only up to seq, so Load returns that
// commit: what a reader that loaded it then still sees.
type atSeq struct {
	lake.Lake
	dir string
	seq int64
}

func (a *atSeq) List(ctx context.Context, prefix string) iter.Seq2[lake.Object, error] {
	limit := publish.LogKey(a.dir, a.seq)
	return func(yield func(lake.Object, error) bool) {
		for o, err := range a.Lake.List(ctx, prefix) {
			if err == nil && strings.Contains(o.Key, "/_log/") && o.Key > limit {
				continue
			}
			if !yield(o, err) {
				return
			}
		}
	}
}

// committedFiles returns view name -> content of the files the latest
// commit references, read from the immutable keys (checked against their
// checksums).
func committedFiles(t *testing.T, l lake.Lake, dir string) map[string]string {
	t.Helper()
	ctx := context.Background()
	m, err := publish.Load(ctx, l, dir)
	if err != nil || m == nil {
		t.Fatalf("commit of %s: %v, %v", dir, m, err)
	}
	out := map[string]string{}
	for _, g := range m.Groups {
		for _, f := range g.Files {
			b, err := lake.ReadAll(ctx, l, f.Key)
			if err != nil {
				t.Fatalf("committed file %s: %v", f.Key, err)
			}
			sum := sha256.Sum256(b)
			if hex.EncodeToString(sum[:]) != f.SHA256 {
				t.Fatalf("committed file %s does not match its checksum", f.Key)
			}
			out[f.Name] = string(b)
		}
	}
	return out
}

// viewFiles returns name -> content of the Parquet files a glob reader of
// dir sees.
func viewFiles(t *testing.T, l lake.Lake, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, k := range keys(t, l, dir+"/") {
		base := strings.TrimPrefix(k, dir+"/")
		if strings.HasSuffix(base, ".parquet") && !strings.HasPrefix(base, "_") && !strings.HasPrefix(base, ".") {
			out[base] = get(t, l, k)
		}
	}
	return out
}

func checkView(t *testing.T, l lake.Lake, dir string, want map[string]string) {
	t.Helper()
	if got := viewFiles(t, l, dir); !sameMap(got, want) {
		t.Fatalf("view of %s = %v, want %v", dir, got, want)
	}
	if got := committedFiles(t, l, dir); !sameMap(got, want) {
		t.Fatalf("commit of %s = %v, want %v", dir, got, want)
	}
	if _, err := l.Stat(context.Background(), dir+"/"+publish.SuccessName); err != nil {
		t.Fatalf("no _SUCCESS in %s: %v", dir, err)
	}
}

func sameMap(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

func snapshot(t *testing.T, l lake.Lake) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, k := range keys(t, l, "") {
		out[k] = get(t, l, k)
	}
	return out
}

func diffSnap(want, got map[string]string) string {
	var d []string
	for k, v := range want {
		if g, ok := got[k]; !ok {
			d = append(d, "missing "+k)
		} else if g != v {
			d = append(d, "differs "+k)
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			d = append(d, "extra "+k)
		}
	}
	return strings.Join(d, ", ")
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

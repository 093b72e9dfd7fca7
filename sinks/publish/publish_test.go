package publish

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tradepipe/tradepipe/internal/civil"
	"github.com/tradepipe/tradepipe/internal/schema"
	"github.com/tradepipe/tradepipe/sinks/lake"
)

var part = schema.TradeFlowPartition("census", "export", civil.Month{Year: 2020, Month: 4})

func local(t *testing.T, name, body string) LocalFile {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return LocalFile{Name: name, Path: p, Rows: int64(len(body)), Bytes: int64(len(body)), SHA256: "sha-" + body}
}

func commit(t *testing.T, group, input string, files ...LocalFile) Commit {
	return Commit{Partition: part, Group: Group{Name: group, Inputs: []Input{{URI: "u", SHA256: input}}}, Local: files}
}

// keys lists the partition's view: what a glob reader sees.
func keys(t *testing.T, l lake.Lake) []string {
	t.Helper()
	var out []string
	for o, err := range l.List(context.Background(), part.Path+"/") {
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, strings.TrimPrefix(o.Key, part.Path+"/"))
	}
	return out
}

func newLake(t *testing.T) lake.Conditional {
	l, err := lake.NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestPublishReplacesAndKeepsOtherGroups(t *testing.T) {
	ctx := context.Background()
	l := newLake(t)
	p := &Publisher{Lake: l, Now: func() time.Time { return time.Unix(0, 0) }}
	if _, err := p.Publish(ctx, commit(t, "delivery-a", "in-a", local(t, "delivery-a.parquet", "AAA"))); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Publish(ctx, commit(t, "delivery-b", "in-b", local(t, "delivery-b.parquet", "BB"))); err != nil {
		t.Fatal(err)
	}
	// A new version of delivery-a under another file name replaces the old
	// file; delivery-b is untouched.
	m, err := p.Publish(ctx, commit(t, "delivery-a", "in-a2", local(t, "delivery-a-v2.parquet", "A2")))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"_SUCCESS", "_manifest.json", "delivery-a-v2.parquet", "delivery-b.parquet"}
	if got := keys(t, l); !slices.Equal(got, want) {
		t.Fatalf("objects = %v, want %v", got, want)
	}
	if len(m.Groups) != 2 || m.Groups[0].Name != "delivery-a" || m.Rows != 4 || m.Period != "2020-04" {
		t.Fatalf("manifest = %+v", m)
	}
	loaded, err := Load(ctx, l, part.Path)
	if err != nil || loaded.Group("delivery-b").Inputs[0].SHA256 != "in-b" {
		t.Fatalf("Load = %+v, %v", loaded, err)
	}
	if g := loaded.Group("delivery-a"); !SameInputs(g.Inputs, []Input{{URI: "other-name", SHA256: "in-a2"}}) {
		t.Fatalf("SameInputs should ignore the URI: %+v", g.Inputs)
	}
	// An empty group removes its files and keeps the partition listed.
	if _, err := p.Publish(ctx, commit(t, "delivery-a", "in-a3")); err != nil {
		t.Fatal(err)
	}
	if got := keys(t, l); !slices.Equal(got, []string{"_SUCCESS", "_manifest.json", "delivery-b.parquet"}) {
		t.Fatalf("after empty group: %v", got)
	}
}

func TestLoadMissing(t *testing.T) {
	m, err := Load(context.Background(), newLake(t), "nothing/here")
	if m != nil || err != nil {
		t.Fatalf("Load of missing partition = %v, %v; want nil, nil", m, err)
	}
	if m.Group("x") != nil {
		t.Fatal("Group on nil manifest")
	}
}

func TestPublishRejectsBadNames(t *testing.T) {
	p := &Publisher{Lake: newLake(t)}
	for _, n := range []string{"_hidden.parquet", ".tmp.parquet", "a/b.parquet"} {
		if _, err := p.Publish(context.Background(), commit(t, "g", "i", LocalFile{Name: n, Path: "/dev/null"})); err == nil {
			t.Errorf("publish of %q succeeded", n)
		}
	}
}

func snapshot(t *testing.T, l lake.Lake) map[string]string {
	t.Helper()
	out := map[string]string{}
	for o, err := range l.List(context.Background(), "") {
		if err != nil {
			t.Fatal(err)
		}
		b, err := lake.ReadAll(context.Background(), l, o.Key)
		if err != nil {
			t.Fatal(err)
		}
		out[o.Key] = string(b)
	}
	return out
}

func maps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// Annotate changes only the group's warnings under the prefix, and writes
// nothing when they are already as asked.
func TestAnnotate(t *testing.T) {
	ctx := context.Background()
	l := newLake(t)
	p := &Publisher{Lake: l, Now: func() time.Time { return time.Unix(0, 0) }}
	c := commit(t, "part-00000", "in", local(t, "part-00000.parquet", "AAA"))
	c.Group.Warnings = []string{"source: odd header"}
	if _, err := p.Publish(ctx, c); err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, l)
	for _, tc := range []struct {
		name     string
		warnings []string
		changed  bool
		want     []string
	}{
		{"add", []string{"reconcile: off by 2%"}, true, []string{"source: odd header", "reconcile: off by 2%"}},
		{"same again", []string{"reconcile: off by 2%"}, false, []string{"source: odd header", "reconcile: off by 2%"}},
		{"replace", []string{"reconcile: off by 3%"}, true, []string{"source: odd header", "reconcile: off by 3%"}},
		{"clear", nil, true, []string{"source: odd header"}},
	} {
		changed, err := p.Annotate(ctx, part.Path, "part-00000", "reconcile: ", tc.warnings)
		if err != nil || changed != tc.changed {
			t.Fatalf("%s: changed %v, %v; want %v", tc.name, changed, err, tc.changed)
		}
		m, _ := Load(ctx, l, part.Path)
		if got := m.Group("part-00000").Warnings; !slices.Equal(got, tc.want) {
			t.Errorf("%s: warnings %q, want %q", tc.name, got, tc.want)
		}
	}
	// The data files were never touched: only commit records and the
	// view's manifest are new.
	after := snapshot(t, l)
	for k, v := range before {
		if strings.HasSuffix(k, ".parquet") && after[k] != v {
			t.Errorf("annotate changed data file %s", k)
		}
	}
	if m, _ := Load(ctx, l, part.Path); m.Seq != 4 {
		t.Errorf("three annotations on one commit made seq %d, want 4", m.Seq)
	}
	if changed, err := p.Annotate(ctx, "no/such/partition", "part-00000", "reconcile: ", []string{"x"}); changed || err != nil {
		t.Errorf("annotate of missing partition = %v, %v", changed, err)
	}
}

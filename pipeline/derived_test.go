package pipeline

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/tradepipe/tradepipe/internal/schema"
	"github.com/tradepipe/tradepipe/sinks/lake"
	"github.com/tradepipe/tradepipe/sinks/publish"
)

// twoYears derives two compliance partitions whose file content is
// version: a run that recomputes both must change both at once.
func twoYears(version string) Deriver {
	return DeriverFunc(func(_ context.Context, spool string) ([]Derived, error) {
		var out []Derived
		for _, year := range []string{"2020", "2021"} {
			p := filepath.Join(spool, year)
			body := []byte(version + " " + year)
			if err := os.WriteFile(p, body, 0o600); err != nil {
				return nil, err
			}
			sum := sha256.Sum256(body)
			out = append(out, Derived{
				Partition: schema.Partition{Dataset: schema.DatasetCompliance, Path: "compliance/basis=us_exports/year=" + year},
				File:      publish.LocalFile{Path: p, Rows: 1, Bytes: int64(len(body)), SHA256: hex.EncodeToString(sum[:])},
			})
		}
		return out, nil
	})
}

// A derived run is one transaction like an ingested release: killed before
// its outcome record, neither partition changes; the re-run commits both.
func TestDerivedRunIsOneCommit(t *testing.T) {
	ctx := context.Background()
	l, _ := lake.NewDir(t.TempDir())
	job := &Job{Name: "compliance", Source: "compliance", Derive: twoYears("v1")}
	if rs := newRunner(t, l, nil).RunDerived(ctx, job); anyFailed(rs) || len(rs) != 2 {
		t.Fatalf("first run: %+v", rs)
	}
	crash := errors.New("killed")
	job.Derive = twoYears("v2")
	killed := newRunner(t, l, func(s publish.Step, _ string) error {
		if s == publish.StepTxn {
			return crash
		}
		return nil
	})
	if rs := killed.RunDerived(ctx, job); !anyFailed(rs) {
		t.Fatalf("killed run: %+v", rs)
	}
	version := func() []string {
		var got []string
		for _, year := range []string{"2020", "2021"} {
			m, err := publish.Load(ctx, l, "compliance/basis=us_exports/year="+year)
			if err != nil || m == nil {
				t.Fatalf("load %s: %v", year, err)
			}
			got = append(got, m.Group(derivedGroup).Files[0].SHA256)
		}
		return got
	}
	before := version()
	if rs := newRunner(t, l, nil).RunDerived(ctx, job); anyFailed(rs) {
		t.Fatalf("re-run: %+v", rs)
	}
	after := version()
	for i := range before {
		if before[i] == after[i] {
			t.Errorf("partition %d: the re-run did not commit v2", i)
		}
	}
	// Before the re-run both were still v1: compare with a fresh v1 lake.
	l1, _ := lake.NewDir(t.TempDir())
	job1 := &Job{Name: "compliance", Source: "compliance", Derive: twoYears("v1")}
	newRunner(t, l1, nil).RunDerived(ctx, job1)
	for i, year := range []string{"2020", "2021"} {
		m, _ := publish.Load(ctx, l1, "compliance/basis=us_exports/year="+year)
		if got := m.Group(derivedGroup).Files[0].SHA256; got != before[i] {
			t.Errorf("%s after the kill: %s, want v1's %s (a partition of the killed run became visible)", year, got, before[i])
		}
	}
}

// A partition the job no longer computes loses its file in the run's
// transaction; one of another job in the dataset keeps its own.
func TestDerivedRunDropsWhatItNoLongerComputes(t *testing.T) {
	ctx := context.Background()
	l, _ := lake.NewDir(t.TempDir())
	r := newRunner(t, l, nil)
	job := &Job{Name: "compliance", Source: "compliance", Derive: twoYears("v1")}
	other := &Job{Name: "compliance-2", Source: "compliance", Derive: DeriverFunc(func(ctx context.Context, spool string) ([]Derived, error) {
		ds, err := twoYears("other").Derive(ctx, spool)
		for i := range ds {
			ds[i].Partition.Path = strings.Replace(ds[i].Partition.Path, "us_exports", "cn_imports", 1)
		}
		return ds, err
	})}
	for _, j := range []*Job{job, other} {
		if rs := r.RunDerived(ctx, j); anyFailed(rs) || len(rs) != 2 {
			t.Fatalf("%s: %+v", j.Name, rs)
		}
	}
	job.Derive = DeriverFunc(func(ctx context.Context, spool string) ([]Derived, error) {
		ds, err := twoYears("v2").Derive(ctx, spool)
		return ds[:1], err
	})
	rs := r.RunDerived(ctx, job)
	if anyFailed(rs) || len(rs) != 2 || rs[1].Partition != "compliance/basis=us_exports/year=2021" || rs[1].Status != StatusWritten {
		t.Fatalf("run without 2021: %+v", rs)
	}
	for dir, want := range map[string]int{
		"compliance/basis=us_exports/year=2020": 1, "compliance/basis=us_exports/year=2021": 0,
		"compliance/basis=cn_imports/year=2020": 1, "compliance/basis=cn_imports/year=2021": 1,
	} {
		m, err := publish.Load(ctx, l, dir)
		if err != nil || m == nil {
			t.Fatalf("load %s: %v", dir, err)
		}
		if got := len(m.Group(derivedGroup).Files); got != want {
			t.Errorf("%s: %d files, want %d", dir, got, want)
		}
	}
	if rs := r.RunDerived(ctx, job); anyFailed(rs) || len(rs) != 1 || rs[0].Status != StatusUnchanged {
		t.Errorf("second run without 2021: %+v, want 2020 unchanged alone", rs)
	}
}

// A derived run is traced as an ingest is: a partition span with its stage
// child per computed partition, and one commit span for the transaction.
func TestDerivedRunSpans(t *testing.T) {
	ctx := context.Background()
	l, _ := lake.NewDir(t.TempDir())
	spans := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(spans))
	defer tp.Shutdown(ctx)
	r, err := New(Options{Lake: l, SpoolDir: t.TempDir(), Now: func() time.Time { return fixedNow }, Tracer: tp.Tracer("test")}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rs := r.RunDerived(ctx, &Job{Name: "compliance", Source: "compliance", Derive: twoYears("v1")}); anyFailed(rs) {
		t.Fatalf("run: %+v", rs)
	}
	byName := map[string][]tracetest.SpanStub{}
	ids := map[string]string{} // span id → name
	for _, sp := range spans.GetSpans() {
		byName[sp.Name] = append(byName[sp.Name], sp)
		ids[sp.SpanContext.SpanID().String()] = sp.Name
	}
	for name, n := range map[string]int{"partition": 2, "stage": 2, "commit": 1} {
		if len(byName[name]) != n {
			t.Errorf("%d %q spans, want %d", len(byName[name]), name, n)
		}
	}
	for _, sp := range byName["stage"] {
		if ids[sp.Parent.SpanID().String()] != "partition" {
			t.Errorf("a stage span's parent is %q, want partition", ids[sp.Parent.SpanID().String()])
		}
	}
}

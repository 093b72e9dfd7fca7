package pipeline

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tradepipe/tradepipe/internal/civil"
	"github.com/tradepipe/tradepipe/internal/duckdbtest"
	"github.com/tradepipe/tradepipe/sinks/lake"
	"github.com/tradepipe/tradepipe/sinks/lease"
	"github.com/tradepipe/tradepipe/sources"
)

// monthFixture is the fixture source whose parser reads the month from
// the file ("fixture 2020-02"), so a pushed file and a fetch write the
// same partition.
type monthFixture struct{ *fixture }

func (f monthFixture) Parse(ctx context.Context, r *sources.Release, e sources.Emitter) error {
	b, err := os.ReadFile(r.Path)
	if err != nil {
		return err
	}
	m, err := civil.ParseMonth(strings.TrimSpace(strings.TrimPrefix(string(b), "fixture ")))
	if err != nil {
		return sources.Permanent(err)
	}
	rel := *r
	rel.Month = m
	return f.fixture.Parse(ctx, &rel, e)
}

// leaseExecutor is a daemon of its own: its runner, its lease owner.
func leaseExecutor(t *testing.T, l lake.Conditional, owner string, job *Job) *Executor {
	t.Helper()
	lk, err := lease.New(lease.Options{Lake: l, Owner: owner, Poll: 5 * time.Millisecond}, nil)
	if err != nil {
		t.Fatal(err)
	}
	r, err := New(Options{Lake: l, SpoolDir: t.TempDir(), Now: func() time.Time { return fixedNow }, Locker: lk}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	e, err := NewExecutor(r, []*Job{job}, func() time.Time { return fixedNow }, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	e.sleep = func(ctx context.Context, d time.Duration) error { return ctx.Err() }
	return e
}

// Two daemons running the same month and an operator's ingest of it, all
// at once on one lake: every outcome reaches the ledger (the ledger was
// once written whole, so the last writer's stale copy won), and the lake
// holds the month once.
func TestTwoDaemonsAndIngestLoseNoLedgerUpdate(t *testing.T) {
	ctx := context.Background()
	l, _ := lake.NewDir(t.TempDir())
	feb := month(2020, 2)
	newJob := func() *Job {
		j := fixtureJob("census-exports", newFixture())
		j.Parser = monthFixture{j.Fetcher.(*fixture)}
		return j
	}
	a := leaseExecutor(t, l, "daemon-a", newJob())
	b := leaseExecutor(t, l, "daemon-b", newJob())
	op := leaseExecutor(t, l, "operator", newJob())
	in := filepath.Join(t.TempDir(), "feb.txt")
	if err := os.WriteFile(in, []byte("fixture 2020-02"), 0o644); err != nil {
		t.Fatal(err)
	}
	const runs = 6
	var wg sync.WaitGroup
	for _, e := range []*Executor{a, b} {
		wg.Go(func() {
			for range runs {
				if rs := e.RunMonth(ctx, e.Job("census-exports"), feb, TriggerSchedule); anyFailed(rs) {
					t.Errorf("run: %+v", rs)
				}
			}
		})
	}
	wg.Go(func() {
		for range runs {
			s, err := op.Ingest(ctx, "census-exports", []string{in})
			if err != nil || s.Failed() {
				t.Errorf("ingest: %+v %v", s, err)
			}
		}
	})
	wg.Wait()
	en, err := a.Ledger().Entry(ctx, "census-exports", feb)
	if err != nil || en == nil {
		t.Fatalf("entry: %+v %v", en, err)
	}
	if en.Runs != 3*runs || !en.Done() || en.Owner != "" {
		t.Fatalf("ledger entry %+v: %d runs recorded, want %d", en, en.Runs, 3*runs)
	}
	if got := values(t, duckdbtest.Open(t), fmt.Sprintf(`SELECT count(*), count(DISTINCT hs_code) FROM read_parquet('%s/trade_flows/**/*.parquet', hive_partitioning = true)`, l.Root())); got != "2 2" {
		t.Fatalf("lake holds %s rows/codes for the month, want 2 2", got)
	}
}

// A month left "running" by a process that died is resumed as soon as its
// run lease is free, not after the hour a stale heartbeat takes; a month
// whose lease a live holder renews is left alone.
func TestRunningMonthOfDeadHolderResumesAtOnce(t *testing.T) {
	ctx := context.Background()
	l, _ := lake.NewDir(t.TempDir())
	job := fixtureJob("census-exports", newFixture())
	e := leaseExecutor(t, l, "daemon-a", job)
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Skip("no process to outlive:", err)
	}
	deadOwner := lease.ProcessOwner(dead.Process.Pid, "x")
	lk := e.runner.opts.Locker.(*lease.Locker)
	for m, owner := range map[civil.Month]string{month(2020, 2): deadOwner, month(2020, 3): "other-host:1:y"} {
		if _, err := e.Ledger().UpdateEntry(ctx, job.Name, m, func(en *Entry) {
			en.Status, en.Owner, en.Heartbeat, en.StartedAt = LedgerRunning, owner, fixedNow.Add(-time.Minute), fixedNow.Add(-time.Minute)
		}); err != nil {
			t.Fatal(err)
		}
		rec := fmt.Sprintf(`{"partition":%q,"owner":%q,"token":"t","acquired_at":%q,"renewed_at":%q,"expires_at":%q}`,
			RunLease(job.Name, m), owner, fixedNow.Add(-time.Minute).Format(time.RFC3339), fixedNow.Format(time.RFC3339), time.Now().Add(time.Hour).Format(time.RFC3339))
		if err := l.Put(ctx, lk.Key(RunLease(job.Name, m)), strings.NewReader(rec)); err != nil {
			t.Fatal(err)
		}
	}
	plan, err := NewScheduler(e, func() time.Time { return fixedNow }, nil).Plan(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := plan[0].Resume; !slices.Equal(got, []civil.Month{month(2020, 2)}) {
		t.Fatalf("resume %v, want only 2020-02 (its holder is dead; 2020-03's is alive elsewhere)", got)
	}
}

package pipeline

import (
	"context"
	"errors"
	"io"
	"sync/atomic"
	"testing"

	"github.com/tradepipe/tradepipe/internal/civil"
	"github.com/tradepipe/tradepipe/pipeline/state"
	"github.com/tradepipe/tradepipe/sinks/lake"
	"github.com/tradepipe/tradepipe/sinks/s3lake/s3test"
	"github.com/tradepipe/tradepipe/sources"
)

func monthStatuses(b *Backfill) map[civil.Month]string {
	out := map[civil.Month]string{}
	for _, m := range b.Months {
		out[m.Month] = m.Status
	}
	return out
}

func TestBackfillPlanSkipsDoneMonths(t *testing.T) {
	ctx := context.Background()
	l, _ := lake.NewDir(t.TempDir())
	f := newFixture()
	job := fixtureJob("census-exports", f)
	e := newExecutor(t, l, job)
	e.RunMonth(ctx, job, month(2020, 1), TriggerManual)
	req := BackfillRequest{Job: job.Name, From: month(2019, 11), To: month(2020, 2), Parallel: 2}
	plan, err := e.PlanBackfill(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if got := monthStatuses(plan); got[month(2020, 1)] != MonthSkipped || got[month(2019, 11)] != MonthPending || len(got) != 4 {
		t.Errorf("plan = %v", got)
	}
	req.Force = true
	plan, _ = e.PlanBackfill(ctx, req)
	if _, _, pending := plan.Counts(); pending != 4 {
		t.Errorf("forced plan has %d pending, want 4", pending)
	}
	for _, bad := range []BackfillRequest{
		{Job: "nope", From: month(2020, 1), To: month(2020, 2)},
		{Job: job.Name, From: month(2020, 3), To: month(2020, 2)},
	} {
		if _, err := e.PlanBackfill(ctx, bad); !errors.Is(err, ErrBadRequest) {
			t.Errorf("plan %+v: err %v, want ErrBadRequest", bad, err)
		}
	}
}

func TestBackfillRetriesFailedMonthsOnly(t *testing.T) {
	ctx := context.Background()
	l, _ := lake.NewDir(t.TempDir())
	f := newFixture()
	f.permanent[month(2019, 12)] = true
	job := fixtureJob("census-exports", f)
	e := newExecutor(t, l, job)
	b, err := e.CreateBackfill(ctx, BackfillRequest{Job: job.Name, From: month(2019, 10), To: month(2020, 3), Parallel: 3})
	if err != nil {
		t.Fatal(err)
	}
	var progress int
	b, err = e.RunBackfill(ctx, b.ID, func(*Backfill) { progress++ })
	if err != nil {
		t.Fatal(err)
	}
	done, failed, pending := b.Counts()
	if b.State != BackfillFailed || done != 6 || failed != 1 || pending != 0 || progress < 6 {
		t.Fatalf("state %s done %d failed %d pending %d progress %d", b.State, done, failed, pending, progress)
	}
	// The source is fixed; only the failed month runs again.
	f.mu.Lock()
	f.permanent[month(2019, 12)] = false
	f.mu.Unlock()
	if _, err := e.RetryFailed(ctx, b.ID); err != nil {
		t.Fatal(err)
	}
	b, err = e.RunBackfill(ctx, b.ID, nil)
	if err != nil || b.State != BackfillSucceeded {
		t.Fatalf("retry: %v, %+v", err, b)
	}
	for _, m := range civil.Range(month(2019, 10), month(2020, 3)) {
		want := 1
		if m == month(2019, 12) {
			want = 2
		}
		if got := f.count(m); got != want {
			t.Errorf("%s fetched %d times, want %d", m, got, want)
		}
	}
}

func TestBackfillCancelAndResume(t *testing.T) {
	ctx := context.Background()
	l, _ := lake.NewDir(t.TempDir())
	f := newFixture()
	f.started = make(chan civil.Month, 100)
	job := fixtureJob("census-exports", f)
	// The second month's fetch lasts until the cancel stops it, so the
	// months done before the cancel do not depend on how fast it comes.
	hold := &holdFetch{fixture: f, month: month(2019, 2)}
	hold.on.Store(true)
	job.Fetcher = hold
	e := newExecutor(t, l, job)
	b, err := e.CreateBackfill(ctx, BackfillRequest{Job: job.Name, From: month(2019, 1), To: month(2019, 12), Parallel: 1})
	if err != nil {
		t.Fatal(err)
	}
	result := make(chan *Backfill, 1)
	go func() {
		b, _ := e.RunBackfill(ctx, b.ID, nil)
		result <- b
	}()
	<-f.started
	<-f.started // the second month is in flight
	if _, err := e.CancelBackfill(ctx, b.ID); err != nil {
		t.Fatal(err)
	}
	b = <-result
	_, _, pending := b.Counts()
	if b.State != BackfillCancelled || pending < 9 {
		t.Fatalf("after cancel: state %s, %d pending", b.State, pending)
	}
	if _, err := e.RunBackfill(ctx, b.ID, nil); !errors.Is(err, ErrBadRequest) {
		t.Fatalf("running a cancelled backfill: %v, want ErrBadRequest", err)
	}
	if pending != 11 {
		t.Errorf("after cancel: %d months pending, want 11 (one done, one stopped in flight)", pending)
	}
	f.started = nil
	hold.on.Store(false)
	if _, err := e.ResumeBackfill(ctx, b.ID); err != nil {
		t.Fatal(err)
	}
	b, err = e.RunBackfill(ctx, b.ID, nil)
	if err != nil || b.State != BackfillSucceeded {
		t.Fatalf("resume: %v, state %s", err, b.State)
	}
	// Months finished before the cancel are not fetched again.
	for _, m := range civil.Range(month(2019, 1), month(2019, 12)) {
		if n := f.count(m); n < 1 || n > 2 {
			t.Errorf("%s fetched %d times", m, n)
		}
	}
	if f.count(month(2019, 1)) != 1 {
		t.Errorf("the month done before the cancel was fetched %d times, want 1", f.count(month(2019, 1)))
	}
}

// A process killed mid-backfill leaves months "running" in the stored
// backfill; a new process resumes exactly those and the pending ones.
func TestBackfillResumesAfterCrash(t *testing.T) {
	ctx := context.Background()
	l, _ := lake.NewDir(t.TempDir())
	f := newFixture()
	job := fixtureJob("census-exports", f)
	e := newExecutor(t, l, job)
	b, err := e.CreateBackfill(ctx, BackfillRequest{Job: job.Name, From: month(2019, 1), To: month(2019, 4), Parallel: 2})
	if err != nil {
		t.Fatal(err)
	}
	// What a killed process leaves: two months done, one in flight.
	for _, m := range []civil.Month{month(2019, 1), month(2019, 2)} {
		e.RunMonth(ctx, job, m, TriggerBackfill)
	}
	if _, err := e.Ledger().UpdateBackfill(ctx, b.ID, func(b *Backfill) error {
		b.Months[0].Status, b.Months[1].Status, b.Months[2].Status = LedgerSucceeded, LedgerSucceeded, LedgerRunning
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	restarted := newExecutor(t, l, job)
	unfinished, err := restarted.UnfinishedBackfills(ctx)
	if err != nil || len(unfinished) != 1 {
		t.Fatalf("unfinished = %v, %v", unfinished, err)
	}
	b, err = restarted.RunBackfill(ctx, b.ID, nil)
	if err != nil || b.State != BackfillSucceeded {
		t.Fatalf("resume: %v, %+v", err, b)
	}
	for m, want := range map[civil.Month]int{month(2019, 1): 1, month(2019, 2): 1, month(2019, 3): 1, month(2019, 4): 1} {
		if got := f.count(m); got != want {
			t.Errorf("%s fetched %d times, want %d", m, got, want)
		}
	}
}

// holdFetch blocks the fetch of month until ctx is done while on is set.
type holdFetch struct {
	*fixture
	month civil.Month
	on    atomic.Bool
}

func (h *holdFetch) Fetch(ctx context.Context, m civil.Month, dir string) (*sources.Release, error) {
	if m != h.month || !h.on.Load() {
		return h.fixture.Fetch(ctx, m, dir)
	}
	if h.started != nil {
		h.started <- m
	}
	<-ctx.Done()
	return nil, ctx.Err()
}

// A cancel from one process and the runner's progress from another
// interleave at the worst point: the second writer's whole update lands
// between the first one's read and write. Neither may be lost.
func TestBackfillConcurrentWritersLoseNoUpdate(t *testing.T) {
	t.Run("dir", func(t *testing.T) {
		l, err := lake.NewDir(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		testConcurrentBackfillWriters(t, l)
	})
	t.Run("s3", func(t *testing.T) { testConcurrentBackfillWriters(t, s3test.New(t, nil)) })
}

func testConcurrentBackfillWriters(t *testing.T, l lake.Conditional) {
	ctx := context.Background()
	f := newFixture()
	job := fixtureJob("census-exports", f)
	e := newExecutor(t, l, job)
	b, err := e.CreateBackfill(ctx, BackfillRequest{Job: job.Name, From: month(2019, 1), To: month(2019, 3), Parallel: 1})
	if err != nil {
		t.Fatal(err)
	}
	key := state.BackfillKey(b.ID)
	for _, tc := range []struct {
		name         string
		first, other func(l *Ledger) error
	}{
		{
			"progress, then a cancel in between",
			func(l *Ledger) error { return setMonth(ctx, l, b.ID, 0) },
			func(l *Ledger) error { return setState(ctx, l, b.ID, BackfillCancelled) },
		},
		{
			"a cancel, then progress in between",
			func(l *Ledger) error { return setState(ctx, l, b.ID, BackfillRunning) },
			func(l *Ledger) error { return setMonth(ctx, l, b.ID, 1) },
		},
	} {
		w := &interleave{Conditional: l, key: key}
		w.between = func() {
			if err := tc.other(NewLedger(l, nil)); err != nil {
				t.Errorf("%s: other writer: %v", tc.name, err)
			}
		}
		if err := tc.first(NewLedger(w, nil)); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if !w.fired {
			t.Fatalf("%s: the other writer never ran in between", tc.name)
		}
	}
	got, err := NewLedger(l, nil).Backfill(ctx, b.ID)
	if err != nil {
		t.Fatal(err)
	}
	// Second case: setState(running) ran first, read cancelled and kept it
	// (a stored cancel wins); every month update survived.
	if got.State != BackfillCancelled || got.Months[0].Status != LedgerSucceeded || got.Months[1].Status != LedgerSucceeded {
		t.Fatalf("lost update: state %s, months %v", got.State, monthStatuses(got))
	}
}

// setMonth is the runner's progress write of month i; setState the
// runner's (or a canceller's) state write, where a stored cancel wins.
func setMonth(ctx context.Context, l *Ledger, id string, i int) error {
	_, err := l.UpdateBackfill(ctx, id, func(b *Backfill) error {
		b.Months[i].Status, b.Months[i].Rows = LedgerSucceeded, int64(i+1)
		return nil
	})
	return err
}

func setState(ctx context.Context, l *Ledger, id, st string) error {
	_, err := l.UpdateBackfill(ctx, id, func(b *Backfill) error {
		if b.State != BackfillCancelled {
			b.State = st
		}
		return nil
	})
	return err
}

// interleave runs between once, just before the first write of key: the
// other writer's update lands after this one's read.
type interleave struct {
	lake.Conditional
	key     string
	between func()
	fired   bool
}

func (w *interleave) hook(key string) {
	if key == w.key && !w.fired {
		w.fired = true
		w.between()
	}
}

func (w *interleave) Put(ctx context.Context, key string, r io.Reader) error {
	w.hook(key)
	return w.Conditional.Put(ctx, key, r)
}

func (w *interleave) PutIfMatch(ctx context.Context, key, etag string, r io.Reader) (string, error) {
	w.hook(key)
	return w.Conditional.PutIfMatch(ctx, key, etag, r)
}

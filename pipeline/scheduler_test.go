package pipeline

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/tradepipe/tradepipe/internal/civil"
	"github.com/tradepipe/tradepipe/sinks/lake"
)

// After three hours down, an hourly job catches up once, not three times,
// and its watermark moves to the newest missed tick.
func TestSchedulerCatchesUpOnce(t *testing.T) {
	ctx := context.Background()
	l, _ := lake.NewDir(t.TempDir())
	f := newFixture()
	job := fixtureJob("census-exports", f)
	job.Policy.Schedule = mustSchedule(t, "0 * * * *").Schedule
	job.Policy.Spec = "0 * * * *"
	e := newExecutor(t, l, job)
	if err := e.Ledger().SetWatermark(ctx, job.Name, fixedNow.Add(-3*time.Hour).Truncate(time.Hour)); err != nil {
		t.Fatal(err)
	}
	s := NewScheduler(e, func() time.Time { return fixedNow }, nil)
	s.after = func(time.Duration) <-chan time.Time { return nil } // no ticks: catch-up only

	plan, err := s.Plan(ctx)
	if err != nil || len(plan) != 1 || !plan[0].CatchUp || plan[0].Missed != 3 {
		t.Fatalf("plan = %+v, %v", plan, err)
	}
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- s.Run(runCtx, ctx) }()
	waitUntilTrue(t, func() bool {
		entry, _ := e.Ledger().Entry(ctx, job.Name, month(2020, 4))
		return entry != nil && entry.Status == LedgerSucceeded && !e.Running(job.Name)
	})
	stop()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	s.Wait()
	for _, m := range job.WindowMonths(fixedNow) {
		if n := f.count(m); n != 1 {
			t.Errorf("%s fetched %d times, want 1 (one catch-up run)", m, n)
		}
		entry, _ := e.Ledger().Entry(ctx, job.Name, m)
		if entry.Trigger != TriggerCatchup {
			t.Errorf("%s trigger = %s, want catchup", m, entry.Trigger)
		}
	}
	wm, _ := e.Ledger().Watermark(ctx, job.Name)
	if want := fixedNow.Truncate(time.Hour); !wm.Equal(want) {
		t.Errorf("watermark = %v, want %v", wm, want)
	}
	if s.Alive() {
		t.Error("scheduler alive after Run returned")
	}
}

// A month cancelled by shutdown is recorded as interrupted, and the next
// start's plan resumes it.
func TestInterruptedMonthIsResumed(t *testing.T) {
	ctx := context.Background()
	l, _ := lake.NewDir(t.TempDir())
	f := newFixture()
	f.hold = make(chan struct{}) // never released: shutdown ends the fetch
	f.started = make(chan civil.Month, 1)
	job := fixtureJob("census-exports", f)
	e := newExecutor(t, l, job)
	cctx, cancel := context.WithCancel(ctx)
	go func() { <-f.started; cancel() }()
	e.RunMonth(cctx, job, month(2020, 2), TriggerSchedule)
	entry, _ := e.Ledger().Entry(ctx, job.Name, month(2020, 2))
	if entry == nil || entry.Status != LedgerInterrupted {
		t.Fatalf("entry after shutdown = %+v", entry)
	}
	plan, err := NewScheduler(e, func() time.Time { return fixedNow }, nil).Plan(ctx)
	if err != nil || !slices.Contains(plan[0].Resume, month(2020, 2)) {
		t.Fatalf("plan = %+v, %v", plan, err)
	}
}

func waitUntilTrue(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute) // a hang guard, not a timing assumption
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met in 2 minutes")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

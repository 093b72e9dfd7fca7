package pipeline

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tradepipe/tradepipe/internal/civil"
)

// Scheduler fires jobs on their schedules. On start it catches up, once,
// on ticks missed while it was down (within each job's catch-up window),
// resumes (job, month) runs and backfills that a crash or shutdown left
// unfinished, then ticks each scheduled job until stopped.
type Scheduler struct {
	exec   *Executor
	now    Clock
	after  func(time.Duration) <-chan time.Time
	logger *slog.Logger
	wg     sync.WaitGroup
	alive  atomic.Bool
}

// NewScheduler returns a scheduler over exec. now may be nil (time.Now).
func NewScheduler(exec *Executor, now Clock, logger *slog.Logger) *Scheduler {
	if now == nil {
		now = time.Now
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Scheduler{exec: exec, now: now, after: time.After, logger: logger}
}

// Alive reports whether the scheduler loop is running.
func (s *Scheduler) Alive() bool { return s.alive.Load() }

// staleAfter is how old a running entry's heartbeat must be before a new
// process takes the month over when the Locker cannot tell whether the
// month's run lease is held (no HoldProber).
const staleAfter = time.Hour

// PlanItem is what the scheduler would do for one job.
type PlanItem struct {
	Job         string        `json:"job"`
	Schedule    string        `json:"schedule,omitempty"`
	After       []string      `json:"after,omitempty"`
	Watermark   time.Time     `json:"watermark,omitzero"`
	CatchUp     bool          `json:"catch_up"`
	Missed      int           `json:"missed_ticks"`
	NextTick    time.Time     `json:"next_tick,omitzero"`
	NextFire    time.Time     `json:"next_fire,omitzero"`
	Resume      []civil.Month `json:"resume,omitempty"` // interrupted months
	Backfills   []string      `json:"backfills_to_resume,omitempty"`
	Description string        `json:"description"`
}

// Plan returns what starting the scheduler now would fire, without
// firing anything: the dry run of `tradepipe run --plan`.
func (s *Scheduler) Plan(ctx context.Context) ([]PlanItem, error) {
	now := s.now()
	unfinished, err := s.exec.UnfinishedBackfills(ctx)
	if err != nil {
		return nil, err
	}
	var out []PlanItem
	for _, job := range s.exec.Jobs() {
		it := PlanItem{Job: job.Name, Schedule: job.Policy.Spec, After: job.Policy.After}
		if sch := job.Policy.Schedule; sch != nil {
			wm, err := s.exec.ledger.Watermark(ctx, job.Name)
			if err != nil {
				return nil, err
			}
			it.Watermark = wm
			it.CatchUp, it.Missed, _ = CatchUp(sch, wm, now, job.Policy.CatchupWindow)
			it.NextTick, it.NextFire = NextFire(sch, JitterFor(job.Name, job.Policy.Jitter), now)
		}
		entries, err := s.exec.ledger.Entries(ctx, job.Name)
		if err != nil {
			return nil, err
		}
		for _, e := range entries {
			if e.Status == LedgerInterrupted || (e.Status == LedgerRunning && s.exec.abandoned(ctx, job.Name, e, now)) {
				it.Resume = append(it.Resume, e.Month)
			}
		}
		for _, b := range unfinished {
			if b.Job == job.Name {
				it.Backfills = append(it.Backfills, b.ID)
			}
		}
		it.Description = describe(it)
		out = append(out, it)
	}
	return out, nil
}

func describe(it PlanItem) string {
	var d string
	switch {
	case it.Schedule == "" && len(it.After) == 0:
		d = "runs only when asked"
	case it.Schedule == "":
		d = "runs after its upstream jobs change a partition"
	case it.Watermark.IsZero():
		d = "first start: no catch-up"
	case it.CatchUp:
		d = "catch-up: one run now for missed ticks"
	case it.Missed > 0:
		d = "missed ticks are older than the catch-up window: no catch-up"
	default:
		d = "no missed ticks"
	}
	if len(it.Resume) > 0 {
		d += "; resumes interrupted months"
	}
	if len(it.Backfills) > 0 {
		d += "; resumes backfills"
	}
	return d
}

// Run starts the scheduler and blocks until ctx is done. Runs it starts use
// work, which the caller cancels after a grace period, so that a signal
// stops new ticks at once while running partitions get time to finish.
// Call Wait after Run returns to wait for runs in flight.
func (s *Scheduler) Run(ctx, work context.Context) error {
	plan, err := s.Plan(ctx)
	if err != nil {
		return err
	}
	s.alive.Store(true)
	defer s.alive.Store(false)
	now := s.now()
	for _, it := range plan {
		job := s.exec.Job(it.Job)
		s.logger.Info("job", "job", it.Job, "schedule", it.Schedule, "next", it.NextFire, "plan", it.Description)
		if sch := job.Policy.Schedule; sch != nil {
			fire, missed, latest := CatchUp(sch, it.Watermark, now, job.Policy.CatchupWindow)
			switch {
			case it.Watermark.IsZero():
				_ = s.exec.ledger.SetWatermark(ctx, job.Name, now)
			case missed > 0:
				_ = s.exec.ledger.SetWatermark(ctx, job.Name, latest)
			}
			if fire {
				s.logger.Info("catching up once", "job", job.Name, "missed_ticks", missed)
				s.spawn(func() { s.exec.TryRun(work, job.Name, TriggerCatchup, true) })
			}
		}
		if len(it.Resume) > 0 {
			months := it.Resume
			s.spawn(func() { s.resume(work, job, months) })
		}
		for _, id := range it.Backfills {
			s.spawn(func() {
				s.logger.Info("resuming backfill", "id", id, "job", job.Name)
				if _, err := s.exec.RunBackfill(work, id, nil); err != nil {
					s.logger.Error("backfill", "id", id, "err", err)
				}
			})
		}
	}
	var loops sync.WaitGroup
	for _, job := range s.exec.Jobs() {
		if job.Policy.Schedule == nil {
			continue
		}
		loops.Add(1)
		go func() {
			defer loops.Done()
			s.loop(ctx, work, job)
		}()
	}
	<-ctx.Done()
	loops.Wait()
	return nil
}

// loop ticks one job until ctx is done.
func (s *Scheduler) loop(ctx, work context.Context, job *Job) {
	jitter := JitterFor(job.Name, job.Policy.Jitter)
	for {
		tick, fire := NextFire(job.Policy.Schedule, jitter, s.now())
		if tick.IsZero() {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-s.after(fire.Sub(s.now())):
		}
		if err := s.exec.ledger.SetWatermark(ctx, job.Name, tick); err != nil {
			s.logger.Error("watermark", "job", job.Name, "err", err)
		}
		s.spawn(func() { s.exec.TryRun(work, job.Name, TriggerSchedule, job.Policy.Overlap == "queue") })
	}
}

// resume re-runs months a crash or shutdown interrupted.
func (s *Scheduler) resume(ctx context.Context, job *Job, months []civil.Month) {
	if job.Inbox != nil || job.Derive != nil || job.Fetcher == nil {
		s.exec.TryRun(ctx, job.Name, TriggerResume, true)
		return
	}
	for _, m := range months {
		if ctx.Err() != nil {
			return
		}
		s.logger.Info("resuming interrupted month", "job", job.Name, "month", m.String())
		s.exec.RunMonth(ctx, job, m, TriggerResume)
	}
}

func (s *Scheduler) spawn(f func()) {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		f()
	}()
}

// Wait blocks until every run the scheduler started has returned.
func (s *Scheduler) Wait() { s.wg.Wait() }

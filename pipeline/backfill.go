package pipeline

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/tradepipe/tradepipe/internal/civil"
	"github.com/tradepipe/tradepipe/sinks/lake"
)

// Backfill states.
const (
	BackfillRunning   = "running"
	BackfillCancelled = "cancelled"
	BackfillSucceeded = "succeeded"
	BackfillFailed    = "failed" // finished with failed months; retry them with RetryFailed
)

// Backfill month states, besides the ledger statuses it copies.
const (
	MonthPending = "pending"
	MonthSkipped = "skipped" // already succeeded or unchanged, and not forced
)

// Backfill is a first-class run of a job over a range of months, stored in
// the ledger so it can be watched, cancelled, resumed after a crash and
// retried for its failed months only.
type Backfill struct {
	ID       string      `json:"id"`
	Job      string      `json:"job"`
	From     civil.Month `json:"from"`
	To       civil.Month `json:"to"`
	Parallel int         `json:"parallel"`
	Force    bool        `json:"force"`
	// Shard is the share of From..To this backfill runs, when the range
	// is split over processes (the pods of an Indexed Job).
	Shard     Shard           `json:"shard,omitzero"`
	State     string          `json:"state"`
	Months    []BackfillMonth `json:"months"`
	CreatedAt time.Time       `json:"created_at"`
	UpdatedAt time.Time       `json:"updated_at"`
}

// BackfillMonth is one month's progress in a backfill.
type BackfillMonth struct {
	Month  civil.Month `json:"month"`
	Status string      `json:"status"`
	Rows   int64       `json:"rows"`
	Error  string      `json:"error,omitempty"`
}

// Counts returns how many months are done (any final status), failed and
// pending (not started, or interrupted).
func (b *Backfill) Counts() (done, failed, pending int) {
	for _, m := range b.Months {
		switch m.Status {
		case MonthPending, LedgerRunning, LedgerInterrupted:
			pending++
		case LedgerFailed:
			failed++
			done++
		default:
			done++
		}
	}
	return done, failed, pending
}

// BackfillRequest asks for a backfill.
type BackfillRequest struct {
	Job      string      `json:"job"`
	From     civil.Month `json:"from"`
	To       civil.Month `json:"to"`
	Parallel int         `json:"parallel"`
	Force    bool        `json:"force"`
	// Shard, when it splits the range, keeps only the shard's months
	// (ShardMonths) and gives the backfill an id derived from the job, the
	// range (or Name) and the shard, so a re-run of the shard continues
	// its record: see CreateBackfill.
	// Neither is part of the API's request body: shards are processes
	// started with the CLI (the pods of an Indexed Job).
	Shard Shard  `json:"-"`
	Name  string `json:"-"`
}

// ErrBadRequest marks backfill requests that cannot be run as asked.
var ErrBadRequest = errors.New("bad request")

// PlanBackfill returns the backfill req would create, without storing it:
// every month in range, those already succeeded or unchanged marked
// skipped unless forced. It is what --dry-run prints.
func (e *Executor) PlanBackfill(ctx context.Context, req BackfillRequest) (*Backfill, error) {
	job := e.jobs[req.Job]
	switch {
	case job == nil:
		return nil, fmt.Errorf("%w: no job %q", ErrBadRequest, req.Job)
	case job.Fetcher == nil || job.Inbox != nil || job.Derive != nil:
		return nil, fmt.Errorf("%w: job %s does not fetch months from a live source; backfill needs one (push files with ingest instead)", ErrBadRequest, req.Job)
	case req.From.IsZero() || req.To.IsZero() || req.To.Before(req.From):
		return nil, fmt.Errorf("%w: from %s to %s is not a range of months", ErrBadRequest, req.From, req.To)
	case len(civil.Range(req.From, req.To)) > 1200:
		return nil, fmt.Errorf("%w: more than 100 years of months", ErrBadRequest)
	}
	if err := req.Shard.Valid(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadRequest, err)
	}
	if req.Parallel <= 0 {
		req.Parallel = 1
	}
	now := e.now().UTC()
	b := &Backfill{
		ID: newBackfillID(now), Job: req.Job, From: req.From, To: req.To, Parallel: min(req.Parallel, 16),
		Force: req.Force, State: BackfillRunning, CreatedAt: now, UpdatedAt: now,
	}
	if req.Shard.Sharded() {
		b.ID, b.Shard = shardBackfillID(req.Job, req.Name, req.From, req.To, req.Shard), req.Shard
	}
	for _, m := range ShardMonths(civil.Range(req.From, req.To), req.Shard) {
		st := MonthPending
		if !req.Force {
			entry, err := e.ledger.Entry(ctx, req.Job, m)
			if err != nil {
				return nil, err
			}
			if entry.Done() {
				st = MonthSkipped
			}
		}
		b.Months = append(b.Months, BackfillMonth{Month: m, Status: st})
	}
	return b, nil
}

// CreateBackfill stores the planned backfill; RunBackfill runs it. A
// shard's backfill that is stored already (an earlier run of the same
// shard, killed or failed) is continued instead: its failed months become
// pending again, as RetryFailed makes them, and its interrupted ones stay
// pending, so RunBackfill finishes the shard's months (a cancelled one
// stays cancelled); months that
// succeeded meanwhile, by this run or another, are found done in the
// ledger and not fetched again.
func (e *Executor) CreateBackfill(ctx context.Context, req BackfillRequest) (*Backfill, error) {
	b, err := e.PlanBackfill(ctx, req)
	if err != nil {
		return nil, err
	}
	err = e.ledger.AddBackfill(ctx, b)
	if !b.Shard.Sharded() || !errors.Is(err, lake.ErrPrecondition) {
		return b, err
	}
	return e.ledger.UpdateBackfill(ctx, b.ID, func(cur *Backfill) error {
		if cur.Job != b.Job || cur.From != b.From || cur.To != b.To || cur.Shard != b.Shard {
			return fmt.Errorf("%w: backfill %s exists for job %s, %s..%s, shard %s: name this one differently", ErrBadRequest, b.ID, cur.Job, cur.From, cur.To, cur.Shard)
		}
		for i := range cur.Months {
			if cur.Months[i].Status == LedgerFailed {
				cur.Months[i].Status, cur.Months[i].Error = MonthPending, ""
			}
		}
		// A cancel stands: a pod the Job restarts must not undo it.
		if cur.State != BackfillCancelled {
			cur.State = BackfillRunning
		}
		cur.Force, cur.Parallel, cur.UpdatedAt = req.Force, b.Parallel, e.now().UTC()
		return nil
	})
}

// Progress receives a backfill's state after each month.
type Progress func(b *Backfill)

// RunBackfill runs the months of backfill id that are not done yet, with
// the backfill's parallelism and the source's rate limit, saving progress
// after each month. Run it again after a crash or restart to resume. It
// returns when every month is done, or ctx is done (or CancelBackfill
// is called), leaving the rest pending.
func (e *Executor) RunBackfill(ctx context.Context, id string, progress Progress) (*Backfill, error) {
	b, err := e.ledger.Backfill(ctx, id)
	if err != nil {
		return nil, err
	}
	if b.State == BackfillCancelled {
		return b, fmt.Errorf("%w: backfill %s was cancelled", ErrBadRequest, id)
	}
	job := e.jobs[b.Job]
	if job == nil {
		return b, fmt.Errorf("%w: backfill %s is for job %q, which the config no longer has", ErrBadRequest, id, b.Job)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	e.mu.Lock()
	e.cancels[id] = cancel
	e.mu.Unlock()
	defer func() {
		e.mu.Lock()
		delete(e.cancels, id)
		e.mu.Unlock()
	}()

	var mu sync.Mutex // guards b and its saves
	save := func() {
		b.UpdatedAt = e.now().UTC()
		wctx, c := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer c()
		// The months are this runner's; a cancel may come from this
		// process or another (the API of a daemon while the CLI runs the
		// backfill), and the compare-and-swap keeps it: a stored cancel
		// wins over the runner's state.
		stored, err := e.ledger.UpdateBackfill(wctx, b.ID, func(cur *Backfill) error {
			st := b.State
			if cur.State == BackfillCancelled {
				st = BackfillCancelled
			}
			*cur = *b
			cur.State, cur.Months = st, slices.Clone(b.Months)
			return nil
		})
		switch {
		case err != nil:
			e.logger.Error("save backfill", "id", b.ID, "err", err)
		case stored.State == BackfillCancelled:
			b.State = BackfillCancelled
			cancel()
		}
		if progress != nil {
			progress(b)
		}
	}
	mu.Lock()
	save()
	mu.Unlock()

	limiter := e.limiters[job.Source]
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(max(b.Parallel, 1))
	for i := range b.Months {
		if st := b.Months[i].Status; st != MonthPending && st != LedgerRunning && st != LedgerInterrupted {
			continue
		}
		if gctx.Err() != nil {
			break
		}
		g.Go(func() error {
			// Another run may have finished the month since the backfill
			// was planned (a resume after restart, a scheduled run).
			if !b.Force {
				if entry, err := e.ledger.Entry(gctx, job.Name, b.Months[i].Month); err == nil && entry.Done() {
					mu.Lock()
					defer mu.Unlock()
					b.Months[i].Status, b.Months[i].Rows = entry.Status, entry.Rows
					save()
					return nil
				}
			}
			if err := limiter.Wait(gctx); err != nil {
				return nil // cancelled: the month stays pending
			}
			mu.Lock()
			b.Months[i].Status = LedgerRunning
			mu.Unlock()
			if b.Force {
				// Forced: fetch the whole input again rather than ask
				// whether it changed. A partition is still rewritten only
				// when its content differs.
				if err := e.runner.ForgetFetch(gctx, job, b.Months[i].Month); err != nil {
					e.logger.Warn("forget fetch validators", "job", job.Name, "month", b.Months[i].Month.String(), "err", err)
				}
			}
			rs := e.RunMonth(gctx, job, b.Months[i].Month, TriggerBackfill)
			entry, _ := e.ledger.Entry(context.WithoutCancel(gctx), job.Name, b.Months[i].Month)
			mu.Lock()
			defer mu.Unlock()
			m := &b.Months[i]
			switch {
			case entry == nil:
				m.Status, m.Error = LedgerFailed, firstError(rs)
			case entry.Status == LedgerInterrupted:
				m.Status = MonthPending // resumed next time
			default:
				m.Status, m.Rows, m.Error = entry.Status, entry.Rows, entry.Error
			}
			save()
			return nil
		})
	}
	_ = g.Wait()

	mu.Lock()
	defer mu.Unlock()
	_, failed, pending := b.Counts()
	switch {
	case b.State == BackfillCancelled: // save keeps a stored cancel too
	case pending > 0:
		b.State = BackfillRunning // interrupted: resume later
	case failed > 0:
		b.State = BackfillFailed
	default:
		b.State = BackfillSucceeded
	}
	save()
	if pending > 0 && b.State == BackfillRunning {
		return b, ctx.Err()
	}
	return b, nil
}

// CancelBackfill stops a running backfill: months in flight finish or stop
// at their next lake call, pending months stay pending, and the backfill
// is marked cancelled.
func (e *Executor) CancelBackfill(ctx context.Context, id string) (*Backfill, error) {
	b, err := e.ledger.UpdateBackfill(ctx, id, func(b *Backfill) error {
		if b.State == BackfillSucceeded || b.State == BackfillFailed {
			return fmt.Errorf("%w: backfill %s already finished (%s)", ErrBadRequest, id, b.State)
		}
		b.State = BackfillCancelled
		b.UpdatedAt = e.now().UTC()
		return nil
	})
	if err != nil {
		return nil, err
	}
	e.mu.Lock()
	cancel := e.cancels[id]
	e.mu.Unlock()
	if cancel != nil {
		cancel()
	}
	return b, nil
}

// RetryFailed marks a backfill's failed months pending again, so that the
// next RunBackfill runs those months only. A cancelled backfill is resumed
// the same way: its pending months run.
func (e *Executor) RetryFailed(ctx context.Context, id string) (*Backfill, error) {
	return e.ledger.UpdateBackfill(ctx, id, func(b *Backfill) error {
		for i := range b.Months {
			if b.Months[i].Status == LedgerFailed {
				b.Months[i].Status, b.Months[i].Error = MonthPending, ""
			}
		}
		b.State = BackfillRunning
		b.UpdatedAt = e.now().UTC()
		return nil
	})
}

// UnfinishedBackfills returns the backfills left running by a crash or a
// shutdown, for the daemon to resume at start.
func (e *Executor) UnfinishedBackfills(ctx context.Context) ([]*Backfill, error) {
	all, err := e.ledger.Backfills(ctx)
	if err != nil {
		return nil, err
	}
	var out []*Backfill
	for _, b := range all {
		if b.State == BackfillRunning {
			out = append(out, b)
		}
	}
	return out, nil
}

func newBackfillID(now time.Time) string {
	var r [3]byte
	_, _ = rand.Read(r[:])
	return "bf-" + now.Format("20060102T150405Z") + "-" + hex.EncodeToString(r[:])
}

// ResumeBackfill makes a cancelled backfill runnable again; RunBackfill
// then runs its pending months (not its failed ones: see RetryFailed).
func (e *Executor) ResumeBackfill(ctx context.Context, id string) (*Backfill, error) {
	return e.ledger.UpdateBackfill(ctx, id, func(b *Backfill) error {
		if b.State == BackfillCancelled {
			b.State = BackfillRunning
			b.UpdatedAt = e.now().UTC()
		}
		return nil
	})
}

package pipeline

import (
	"context"
	"errors"
	"fmt"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/tradepipe/tradepipe/internal/civil"
	"github.com/tradepipe/tradepipe/internal/redact"
	"github.com/tradepipe/tradepipe/pipeline/state"
	"github.com/tradepipe/tradepipe/sinks/lake"
)

// Ledger statuses of a (job, month) run.
const (
	LedgerRunning     = "running"
	LedgerSucceeded   = "succeeded"
	LedgerUnchanged   = "unchanged"
	LedgerFailed      = "failed"
	LedgerEmpty       = "empty"       // the source has no data for the month yet
	LedgerInterrupted = "interrupted" // stopped by shutdown; the next start resumes it
)

// Triggers say why a run happened. They are recorded, never part of a
// run's identity: a manual and a scheduled run of one month are one run.
const (
	TriggerSchedule = "schedule"
	TriggerCatchup  = "catchup"
	TriggerBackfill = "backfill"
	TriggerManual   = "manual"
	TriggerUpstream = "upstream"
	TriggerResume   = "resume"
	TriggerIngest   = "ingest"
	TriggerRetire   = "retire" // derived jobs after `tradepipe retire`
)

// Entry is the ledger's record of one (job, month).
type Entry struct {
	Job         string      `json:"job"`
	Month       civil.Month `json:"month"`
	Status      string      `json:"status"`
	Trigger     string      `json:"trigger"`
	Owner       string      `json:"owner,omitempty"`
	Heartbeat   time.Time   `json:"heartbeat,omitzero"`
	Attempts    int         `json:"attempts"`
	Rows        int64       `json:"rows"`
	Quarantined int64       `json:"quarantined_rows"`
	InputSHA256 string      `json:"input_sha256,omitempty"`
	Partitions  []string    `json:"partitions,omitempty"`
	Error       string      `json:"error,omitempty"`
	StartedAt   time.Time   `json:"started_at,omitzero"`
	FinishedAt  time.Time   `json:"finished_at,omitzero"`
	// LastSuccess is when the month last succeeded or was found unchanged.
	LastSuccess time.Time `json:"last_success,omitzero"`
	// Runs counts the outcomes recorded for the month, by every process.
	Runs int `json:"runs"`
}

// Done reports whether the month needs no run unless forced.
func (e *Entry) Done() bool {
	return e != nil && (e.Status == LedgerSucceeded || e.Status == LedgerUnchanged)
}

// Watermark is a job's last evaluated schedule tick.
type Watermark struct {
	Job      string    `json:"job"`
	LastTick time.Time `json:"last_tick"`
}

// Ledger is the engine's run state: (job, month) records, watermarks and
// backfills, kept through package state, so it works on every lake and
// survives restarts. Records that two processes may write (two daemons, a
// daemon and `tradepipe ingest`) change through compare-and-swap updates:
// no update is lost to a concurrent writer.
//
// The ledger scrubs what it writes: every error text of a record (a
// month's, a backfill month's) passes the process's redactor on its way
// into the lake, whoever built the record, so no stored record holds a
// secret that an upstream error echoed, and every reader of the lake (the
// API, status, another process) reads it clean.
type Ledger struct {
	st     *state.Store
	redact *redact.Redactor
}

// NewLedger returns a ledger stored in l that scrubs what it writes with
// r. A nil r still scrubs credentials written into URLs (see
// internal/redact).
func NewLedger(l lake.Conditional, r *redact.Redactor) *Ledger {
	return &Ledger{st: state.New(l), redact: r}
}

func (l *Ledger) scrubEntry(e *Entry) { e.Error = l.redact.Scrub(e.Error) }

func (l *Ledger) scrubBackfill(b *Backfill) {
	for i := range b.Months {
		b.Months[i].Error = l.redact.Scrub(b.Months[i].Error)
	}
}

// Store returns the state store the ledger writes through.
func (l *Ledger) Store() *state.Store { return l.st }

func (l *Ledger) get(ctx context.Context, key string, v any) (bool, error) {
	_, err := l.st.Get(ctx, key, v)
	if errors.Is(err, lake.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("ledger: %w", err)
	}
	return true, nil
}

// Entry returns the record of (job, m), or nil when the month never ran.
func (l *Ledger) Entry(ctx context.Context, job string, m civil.Month) (*Entry, error) {
	var e Entry
	ok, err := l.get(ctx, state.LedgerKey(job, m), &e)
	if !ok || err != nil {
		return nil, err
	}
	return &e, nil
}

// UpdateEntry applies fn to the latest record of (job, m) (a new record
// with Job and Month set when there is none) and stores it by
// compare-and-swap, so a concurrent writer's update is never overwritten.
// fn may run several times. ctx bounds the update.
func (l *Ledger) UpdateEntry(ctx context.Context, job string, m civil.Month, fn func(e *Entry)) (*Entry, error) {
	return state.Update(ctx, l.st, state.LedgerKey(job, m), func(e *Entry, exists bool) error {
		if !exists {
			*e = Entry{Job: job, Month: m}
		}
		fn(e)
		l.scrubEntry(e)
		return nil
	})
}

// Entries returns every month's record of job, oldest month first.
func (l *Ledger) Entries(ctx context.Context, job string) ([]*Entry, error) {
	var out []*Entry
	for key, err := range l.st.List(ctx, state.LedgerPrefix(job)) {
		if err != nil {
			return nil, err
		}
		var e Entry
		if ok, err := l.get(ctx, key, &e); err != nil {
			return nil, err
		} else if ok {
			out = append(out, &e)
		}
	}
	slices.SortFunc(out, func(a, b *Entry) int {
		if a.Month.Before(b.Month) {
			return -1
		}
		if b.Month.Before(a.Month) {
			return 1
		}
		return 0
	})
	return out, nil
}

// Watermark returns job's last evaluated tick; zero when the job has never
// been scheduled.
func (l *Ledger) Watermark(ctx context.Context, job string) (time.Time, error) {
	var w Watermark
	_, err := l.get(ctx, state.WatermarkKey(job), &w)
	return w.LastTick, err
}

// SetWatermark records job's last evaluated tick; a watermark never moves
// back, whichever of two schedulers writes last.
func (l *Ledger) SetWatermark(ctx context.Context, job string, tick time.Time) error {
	_, err := state.Update(ctx, l.st, state.WatermarkKey(job), func(w *Watermark, _ bool) error {
		w.Job = job
		if tick.After(w.LastTick) {
			w.LastTick = tick.UTC()
		}
		return nil
	})
	return err
}

// Backfill returns the backfill with id; the error wraps lake.ErrNotExist
// when there is none.
func (l *Ledger) Backfill(ctx context.Context, id string) (*Backfill, error) {
	if id == "" || strings.ContainsAny(id, "/.") {
		return nil, fmt.Errorf("backfill %q: %w", id, lake.ErrNotExist)
	}
	var b Backfill
	ok, err := l.get(ctx, state.BackfillKey(id), &b)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("backfill %q: %w", id, lake.ErrNotExist)
	}
	return &b, nil
}

// AddBackfill stores the new backfill b. The error wraps
// lake.ErrPrecondition when a backfill with b's id exists. ctx bounds the
// write.
func (l *Ledger) AddBackfill(ctx context.Context, b *Backfill) error {
	_, err := state.Update(ctx, l.st, state.BackfillKey(b.ID), func(cur *Backfill, exists bool) error {
		if exists {
			return fmt.Errorf("backfill %q exists: %w", b.ID, lake.ErrPrecondition)
		}
		*cur = *b
		cur.Months = slices.Clone(b.Months)
		l.scrubBackfill(cur)
		return nil
	})
	return err
}

// UpdateBackfill applies fn to the latest record of backfill id and stores
// it by compare-and-swap: its runner's progress and a cancel from another
// process (a daemon's API while the CLI runs it) never overwrite each
// other. fn may run several times and must base its change only on what
// it receives; its error stops the update, writing nothing. The error
// wraps lake.ErrNotExist when there is no such backfill. ctx bounds the
// update.
func (l *Ledger) UpdateBackfill(ctx context.Context, id string, fn func(b *Backfill) error) (*Backfill, error) {
	if id == "" || strings.ContainsAny(id, "/.") {
		return nil, fmt.Errorf("backfill %q: %w", id, lake.ErrNotExist)
	}
	return state.Update(ctx, l.st, state.BackfillKey(id), func(cur *Backfill, exists bool) error {
		if !exists {
			return fmt.Errorf("backfill %q: %w", id, lake.ErrNotExist)
		}
		if err := fn(cur); err != nil {
			return err
		}
		l.scrubBackfill(cur)
		return nil
	})
}

// Backfills returns every backfill, oldest first (ids sort by creation).
func (l *Ledger) Backfills(ctx context.Context) ([]*Backfill, error) {
	var out []*Backfill
	for key, err := range l.st.List(ctx, state.BackfillPrefix) {
		if err != nil {
			return nil, err
		}
		id := strings.TrimSuffix(path.Base(key), ".json")
		b, err := l.Backfill(ctx, id)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, nil
}

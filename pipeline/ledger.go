package pipeline

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/tradepipe/tradepipe/internal/civil"
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

// Ledger keeps run state in the lake under _state/, so it works on every
// lake and survives restarts. Each record is one object replaced whole;
// writers of one (job, month) are serialised by the caller's Locker.
type Ledger struct {
	lake lake.Lake
}

// NewLedger returns a ledger stored in l.
func NewLedger(l lake.Lake) *Ledger { return &Ledger{lake: l} }

func entryKey(job string, m civil.Month) string {
	return fmt.Sprintf("_state/ledger/%s/%s.json", job, m)
}

func (l *Ledger) get(ctx context.Context, key string, v any) (bool, error) {
	b, err := lake.ReadAll(ctx, l.lake, key)
	if errors.Is(err, lake.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return false, fmt.Errorf("ledger %s: %w", key, err)
	}
	return true, nil
}

func (l *Ledger) put(ctx context.Context, key string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return l.lake.Put(ctx, key, bytes.NewReader(b))
}

// Entry returns the record of (job, m), or nil when the month never ran.
func (l *Ledger) Entry(ctx context.Context, job string, m civil.Month) (*Entry, error) {
	var e Entry
	ok, err := l.get(ctx, entryKey(job, m), &e)
	if !ok || err != nil {
		return nil, err
	}
	return &e, nil
}

// PutEntry stores e.
func (l *Ledger) PutEntry(ctx context.Context, e *Entry) error {
	return l.put(ctx, entryKey(e.Job, e.Month), e)
}

// Entries returns every month's record of job, oldest month first.
func (l *Ledger) Entries(ctx context.Context, job string) ([]*Entry, error) {
	var out []*Entry
	for o, err := range l.lake.List(ctx, "_state/ledger/"+job+"/") {
		if err != nil {
			return nil, err
		}
		if !strings.HasSuffix(o.Key, ".json") {
			continue
		}
		var e Entry
		if ok, err := l.get(ctx, o.Key, &e); err != nil {
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
	_, err := l.get(ctx, "_state/watermarks/"+job+".json", &w)
	return w.LastTick, err
}

// SetWatermark records job's last evaluated tick.
func (l *Ledger) SetWatermark(ctx context.Context, job string, tick time.Time) error {
	return l.put(ctx, "_state/watermarks/"+job+".json", Watermark{Job: job, LastTick: tick.UTC()})
}

func backfillKey(id string) string { return "_state/backfills/" + id + ".json" }

// Backfill returns the backfill with id; the error wraps lake.ErrNotExist
// when there is none.
func (l *Ledger) Backfill(ctx context.Context, id string) (*Backfill, error) {
	if id == "" || strings.ContainsAny(id, "/.") {
		return nil, fmt.Errorf("backfill %q: %w", id, lake.ErrNotExist)
	}
	var b Backfill
	ok, err := l.get(ctx, backfillKey(id), &b)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("backfill %q: %w", id, lake.ErrNotExist)
	}
	return &b, nil
}

// PutBackfill stores b.
func (l *Ledger) PutBackfill(ctx context.Context, b *Backfill) error {
	return l.put(ctx, backfillKey(b.ID), b)
}

// Backfills returns every backfill, oldest first (ids sort by creation).
func (l *Ledger) Backfills(ctx context.Context) ([]*Backfill, error) {
	var out []*Backfill
	for o, err := range l.lake.List(ctx, "_state/backfills/") {
		if err != nil {
			return nil, err
		}
		id := strings.TrimSuffix(path.Base(o.Key), ".json")
		b, err := l.Backfill(ctx, id)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, nil
}

package pipeline

import (
	"go.opentelemetry.io/otel/trace"

	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/tradepipe/tradepipe/internal/civil"
	"github.com/tradepipe/tradepipe/pipeline/state"
	"github.com/tradepipe/tradepipe/sinks/lake"
	"github.com/tradepipe/tradepipe/sources"
)

// fetchRecord keeps the validators of the last fetch of a job's month that
// was published, so the next run can ask the server "changed since?".
type fetchRecord struct {
	sources.Validators
	URI       string    `json:"uri"`
	SHA256    string    `json:"sha256"`
	ReleaseID string    `json:"release_id"`
	FetchedAt time.Time `json:"fetched_at"`
}

func fetchKey(job *Job, m civil.Month) string {
	return state.FetchKey(job.Name, m)
}

// fetch gets month m from job's endpoint, conditionally when the fetcher
// can and validators of an earlier fetch are stored. The error wraps
// sources.ErrNotModified when the server says nothing changed.
func (r *Runner) fetch(ctx context.Context, job *Job, m civil.Month, dir string) (rel *sources.Release, err error) {
	ctx, span := r.opts.Tracer.Start(ctx, "fetch", trace.WithAttributes(attrJob.String(job.Name), attrMonth.String(m.String())))
	defer func() { endSpan(span, err) }()
	cf, ok := job.Fetcher.(sources.ConditionalFetcher)
	if !ok {
		return job.Fetcher.Fetch(ctx, m, dir)
	}
	var prev sources.Validators
	if rec, err := r.loadFetchRecord(ctx, job, m); err != nil {
		r.logger.Warn("fetch record unreadable; fetching unconditionally", "job", job.Name, "month", m.String(), "err", err)
	} else if rec != nil {
		prev = rec.Validators
	}
	return cf.FetchIfModified(ctx, m, dir, prev)
}

func (r *Runner) loadFetchRecord(ctx context.Context, job *Job, m civil.Month) (*fetchRecord, error) {
	b, err := lake.ReadAll(ctx, r.opts.Lake, fetchKey(job, m))
	if errors.Is(err, lake.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var rec fetchRecord
	if err := json.Unmarshal(b, &rec); err != nil {
		return nil, fmt.Errorf("%s: %w", fetchKey(job, m), err)
	}
	return &rec, nil
}

// rememberFetch stores rel's validators once its partitions are published
// (not before: a run that failed must fetch the whole input again, not be
// told "not modified"). It writes nothing when the server sent no
// validators or they are already stored, so polling an unchanged release
// leaves the lake alone.
func (r *Runner) rememberFetch(ctx context.Context, job *Job, m civil.Month, rel *sources.Release) {
	v := sources.ValidatorsOf(rel)
	if _, ok := job.Fetcher.(sources.ConditionalFetcher); !ok || v.IsZero() {
		return
	}
	if old, err := r.loadFetchRecord(ctx, job, m); err == nil && old != nil && old.Validators == v && old.SHA256 == rel.SHA256 {
		return
	}
	b, err := json.MarshalIndent(fetchRecord{Validators: v, URI: rel.URI, SHA256: rel.SHA256, ReleaseID: rel.ReleaseID, FetchedAt: rel.FetchedAt.UTC()}, "", "  ")
	if err == nil {
		err = r.opts.Lake.Put(ctx, fetchKey(job, m), bytes.NewReader(b))
	}
	if err != nil {
		r.logger.Warn("fetch validators not stored; the next run fetches the whole input", "job", job.Name, "month", m.String(), "err", err)
	}
}

// ForgetFetch drops the stored validators of job's month m, so its next
// fetch asks for the whole input (for a forced re-run after a parser
// change). ctx bounds the lake call; errors are the lake's.
func (r *Runner) ForgetFetch(ctx context.Context, job *Job, m civil.Month) error {
	return r.opts.Lake.Delete(ctx, fetchKey(job, m))
}

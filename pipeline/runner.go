package pipeline

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/tradepipe/tradepipe/internal/civil"
	"github.com/tradepipe/tradepipe/internal/lineage"
	"github.com/tradepipe/tradepipe/internal/redact"
	"github.com/tradepipe/tradepipe/sinks/lake"
	"github.com/tradepipe/tradepipe/sinks/publish"
	"github.com/tradepipe/tradepipe/sources"
)

type Options struct {
	Lake lake.Lake
	// SpoolDir holds partition files while they are written; empty means
	// os.TempDir().
	SpoolDir string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// PublishHook is handed to the publisher: tests use it to crash a
	// publish at a chosen step. Nil in production.
	PublishHook func(publish.Step, string) error
	// Locker gives one writer at a time a partition. Nil means a lock
	// within this process only, which is enough for one process per lake.
	Locker Locker
	// Tracer makes the spans of runs, partitions, fetches and commits
	// (tracing.go). Nil means no tracing.
	Tracer trace.Tracer
	// Lineage receives an OpenLineage run event per release transaction
	// (START, then COMPLETE or FAIL). Nil sends none.
	Lineage *lineage.Emitter
	// Redactor scrubs the secrets the process holds (API keys, tokens,
	// credentials in URLs) from every error a result carries, before the
	// executor stores it in the ledger or a caller prints it. Nil scrubs
	// nothing.
	Redactor *redact.Redactor
	// Tables writes table-format (Iceberg) snapshots of committed
	// releases. Nil writes none.
	Tables Tables
}

type Runner struct {
	opts    Options
	logger  *slog.Logger
	pub     *publish.Publisher
	metrics *metrics
}

func New(opts Options, logger *slog.Logger, reg prometheus.Registerer) (*Runner, error) {
	if opts.Lake == nil {
		return nil, errors.New("pipeline: no lake")
	}
	cl, ok := opts.Lake.(lake.Conditional)
	if !ok {
		return nil, fmt.Errorf("pipeline: lake %s cannot write conditionally, which commits need", opts.Lake.URL())
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.SpoolDir == "" {
		opts.SpoolDir = os.TempDir()
	}
	if err := os.MkdirAll(opts.SpoolDir, 0o700); err != nil {
		return nil, fmt.Errorf("spool dir: %w", err)
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if opts.Locker == nil {
		opts.Locker = &processLocks{}
	}
	if opts.Tracer == nil {
		opts.Tracer = noop.NewTracerProvider().Tracer("")
	}
	m, err := newMetrics(reg)
	if err != nil {
		return nil, err
	}
	return &Runner{
		opts:    opts,
		logger:  logger,
		pub:     &publish.Publisher{Lake: cl, Now: opts.Now, Hook: opts.PublishHook},
		metrics: m,
	}, nil
}

func (r *Runner) RunOnce(ctx context.Context, job *Job) *Summary {
	if err := r.Recover(ctx); err != nil {
		return &Summary{Results: []Result{{Job: job.Name, Status: StatusFailed, Err: err}}}
	}
	if job.Inbox != nil {
		return r.runInbox(ctx, job)
	}
	s := &Summary{}
	for _, m := range job.WindowMonths(r.opts.Now()) {
		s.Add(r.RunMonth(ctx, job, m)...)
	}
	return s
}

func (r *Runner) RunMonth(ctx context.Context, job *Job, m civil.Month) []Result {
	if job.Fetcher == nil {
		return []Result{{Job: job.Name, Month: m, Status: StatusFailed, Err: fmt.Errorf("job %s has no live endpoint", job.Name)}}
	}
	dir, err := os.MkdirTemp(r.opts.SpoolDir, "fetch-*")
	if err != nil {
		return []Result{{Job: job.Name, Month: m, Status: StatusFailed, Err: err}}
	}
	defer os.RemoveAll(dir)
	rel, err := r.fetch(ctx, job, m, dir)
	if errors.Is(err, sources.ErrNotModified) {
		r.logger.InfoContext(ctx, "not modified", "job", job.Name, "month", m.String())
		return r.record(job, []Result{{Job: job.Name, Month: m, Status: StatusUnchanged}})
	}
	if err != nil {
		r.logger.ErrorContext(ctx, "fetch failed", "job", job.Name, "month", m.String(), "err", err)
		return r.record(job, []Result{{Job: job.Name, Month: m, Status: StatusFailed, Err: err}})
	}
	if rel == nil {
		r.logger.InfoContext(ctx, "no data yet", "job", job.Name, "month", m.String())
		return []Result{{Job: job.Name, Month: m, Status: StatusEmpty}}
	}
	results := r.ProcessRelease(ctx, job, rel)
	if !anyFailed(results) {
		r.rememberFetch(ctx, job, m, rel)
	}
	return results
}

func (r *Runner) Ingest(ctx context.Context, job *Job, paths []string) *Summary {
	s := &Summary{}
	if err := r.Recover(ctx); err != nil {
		s.Add(Result{Job: job.Name, Status: StatusFailed, Err: err})
		return s
	}
	for _, p := range paths {
		rel, err := localRelease(job, p)
		if err != nil {
			s.Add(r.record(job, []Result{{Job: job.Name, Input: p, Status: StatusFailed, Err: err}})...)
			continue
		}
		s.Add(r.ProcessRelease(ctx, job, rel)...)
	}
	return s
}

func (r *Runner) runInbox(ctx context.Context, job *Job) *Summary {
	s := &Summary{}
	var objs []lake.Object
	for o, err := range job.Inbox.List(ctx, "") {
		if err != nil {
			s.Add(Result{Job: job.Name, Input: job.Inbox.URL(), Status: StatusFailed, Err: fmt.Errorf("list inbox: %w", err)})
			return s
		}
		if job.takes(o.Key) {
			objs = append(objs, o)
		}
	}
	for _, o := range objs {
		if ctx.Err() != nil {
			s.Add(Result{Job: job.Name, Input: o.Key, Status: StatusFailed, Err: ctx.Err()})
			continue
		}
		rel, err := r.spoolInbox(ctx, job, o)
		if err != nil {
			s.Add(r.record(job, []Result{{Job: job.Name, Input: o.Key, Status: StatusFailed, Err: err}})...)
			continue
		}
		results := r.ProcessRelease(ctx, job, rel)
		for _, res := range results {
			if res.Partition == "" && res.Status == StatusFailed && errors.Is(res.Err, sources.ErrPermanent) {
				r.moveToFailed(ctx, job, o, rel, res.Err)
				break
			}
		}
		_ = os.Remove(rel.Path)
		s.Add(results...)
	}
	return s
}

func (r *Runner) Recover(ctx context.Context) error {
	dirs, err := r.pub.Pending(ctx)
	if err != nil {
		return fmt.Errorf("recover: %w", err)
	}
	hp, _ := r.opts.Locker.(HoldProber)
	for _, dir := range dirs {
		if hp != nil {
			// A marker under a live lease is a publish in flight: its
			// writer settles it; waiting for it would only stall this run.
			if held, err := hp.Held(ctx, dir); err == nil && held {
				continue
			}
		}
		lctx, unlock, err := r.opts.Locker.Lock(ctx, dir)
		if err != nil {
			return fmt.Errorf("recover %s: lock: %w", dir, err)
		}
		err = r.pub.Recover(lctx, dir)
		unlock()
		if err != nil {
			return fmt.Errorf("recover %s: %w", dir, err)
		}
		r.logger.Info("recovered partition view", "partition", dir)
	}
	if r.opts.Tables != nil {
		// After the views: a committed transaction whose snapshots a
		// crash cut short gets them now.
		// A failure here leaves the data committed and the tables
		// behind; it is logged, not a failed run, and the next run tries
		// again.
		snaps, err := r.opts.Tables.Catchup(ctx)
		if err != nil {
			r.logger.ErrorContext(ctx, "table snapshots behind the commit log", "err", err)
		}
		for _, s := range snaps {
			r.logger.Info("recovered table snapshot", "table", s.Table, "snapshot", s.SnapshotID)
		}
	}
	return nil
}

func (r *Runner) ProcessRelease(ctx context.Context, job *Job, rel *sources.Release) []Result {
	log := r.logger.With("job", job.Name, "input", rel.URI, "sha256", rel.SHA256[:12])
	fail := func(err error) []Result {
		log.ErrorContext(ctx, "input failed", "err", err)
		r.emitLineage(ctx, lineage.Fail, job, nil, rel.ReleaseID, []publish.Input{{URI: rel.URI, SHA256: rel.SHA256, ReleaseID: rel.ReleaseID}}, nil, err)
		return r.record(job, []Result{{Job: job.Name, Month: rel.Month, Input: rel.URI, Status: StatusFailed, Err: err}})
	}
	if done, ok := r.alreadyPublished(ctx, job, rel); ok {
		log.InfoContext(ctx, "input unchanged", "partitions", len(done))
		return r.record(job, r.reconcileAfter(ctx, job, done))
	}
	rawKey, err := r.archive(ctx, rel)
	if err != nil {
		return fail(err)
	}
	col := newCollector(r.opts.SpoolDir, r.opts.Now().UTC(), rel.ReleaseID)
	defer col.abort() // removes spool files, published or not
	if err := sources.SafeParse(ctx, job.Parser, rel, col); err != nil {
		return fail(err)
	}
	inputs := []publish.Input{{URI: rel.URI, SHA256: rel.SHA256, ReleaseID: rel.ReleaseID, RawKey: rawKey}}
	group := job.groupName(rel)
	rt, err := r.beginRelease(ctx, job, rel, col, inputs, group)
	if err != nil {
		return fail(err)
	}
	r.emitLineage(ctx, lineage.Start, job, rt.tx, rel.ReleaseID, inputs, nil, nil)
	tctx := rt.leases.ctx // cancelled if a lease is lost
	var results []Result
	seenQ := map[string]bool{}
	for _, d := range col.dataParts() {
		res := r.publishPartition(tctx, rt, job, rel, col, d, group, inputs)
		if q := col.quarantineFor(d.p); q != nil {
			seenQ[q.p.Path] = true
		}
		log.InfoContext(ctx, "partition", "partition", d.p.Path, "status", res.Status, "rows", res.Rows, "quarantined", res.Quarantined)
		results = append(results, res)
	}
	// Rejected rows whose month could not be read belong to no data
	// partition; they are still kept, in a file per input (several inputs
	// share the undated partition).
	for p, q := range col.quarantine {
		if seenQ[p] {
			continue
		}
		res := Result{Job: job.Name, Partition: p, Month: q.p.Month, Input: rel.URI, Status: StatusWritten, Quarantined: q.w.Rows()}
		if err := r.publishQuarantine(tctx, rt, job, q, DeliveryName(rel), inputs, rel); err != nil {
			res.Status, res.Err = StatusFailed, err
		}
		results = append(results, res)
	}
	nLanded := len(results)
	if !anyFailed(results) {
		// Months the previous version at this location covered and this
		// one does not: its rows there go, in the same transaction.
		results = append(results, r.withdrawDropped(tctx, rt, job, rel, results, inputs)...)
	}
	// The commit point of the whole release, then its views.
	results = rt.finish(tctx, results)
	t, cause := lineageOutcome(results)
	r.emitLineage(ctx, t, job, rt.tx, rel.ReleaseID, inputs, snapshotsOf(results), cause)
	landed := results[:nLanded:nLanded]
	if len(results) == 0 {
		results = []Result{{Job: job.Name, Month: rel.Month, Input: rel.URI, Status: StatusEmpty}}
	}
	results = r.reconcileAfter(ctx, job, results)
	if !anyFailed(results) {
		if job.PerDelivery {
			if err := r.rememberLocation(ctx, job, rel, landed); err != nil {
				log.Warn("delivery record not written; the next run will parse the input again", "err", err)
				return r.record(job, results)
			}
		}
		if err := r.rememberInput(ctx, job, rel, results, col); err != nil {
			log.Warn("input record not written; the next run will parse the input again", "err", err)
		}
	}
	return r.record(job, results)
}

func anyFailed(rs []Result) bool {
	for _, r := range rs {
		if r.Status == StatusFailed {
			return true
		}
	}
	return false
}

package pipeline

import (
	"go.opentelemetry.io/otel/trace"

	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/tradepipe/tradepipe/internal/retry"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/time/rate"

	"github.com/tradepipe/tradepipe/internal/civil"
	"github.com/tradepipe/tradepipe/sources"
)

// Executor runs jobs with the ledger: it records every (job, month) run,
// retries failed partitions with backoff, keeps one run of a job at a time,
// triggers downstream jobs when an upstream partition changed, and runs
// backfills. The scheduler and the operator API drive it.
type Executor struct {
	runner *Runner
	ledger *Ledger
	jobs   map[string]*Job
	order  []string
	owner  string
	now    Clock
	logger *slog.Logger
	// sleep waits between retries; tests make it instant.
	sleep func(ctx context.Context, d time.Duration) error

	mu       sync.Mutex
	jobLocks map[string]chan struct{} // one run of a job at a time
	queued   map[string]bool
	limiters map[string]*rate.Limiter // per source, for backfills
	cancels  map[string]context.CancelFunc

	runs      *prometheus.CounterVec
	skipped   *prometheus.CounterVec
	durations *prometheus.HistogramVec
	lastOK    *prometheus.GaugeVec
}

// NewExecutor returns an executor over runner's lake for jobs (in order).
func NewExecutor(runner *Runner, jobs []*Job, now Clock, logger *slog.Logger, reg prometheus.Registerer) (*Executor, error) {
	if now == nil {
		now = time.Now
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	host, _ := os.Hostname()
	e := &Executor{
		runner:   runner,
		ledger:   NewLedger(runner.pub.Lake, runner.opts.Redactor),
		jobs:     map[string]*Job{},
		owner:    fmt.Sprintf("%s:%d", host, os.Getpid()),
		now:      now,
		logger:   logger,
		sleep:    retry.Sleep,
		jobLocks: map[string]chan struct{}{},
		queued:   map[string]bool{},
		limiters: map[string]*rate.Limiter{},
		cancels:  map[string]context.CancelFunc{},
		runs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tradepipe_runs_total", Help: "Job runs started, by job and trigger.",
		}, []string{"job", "trigger"}),
		skipped: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tradepipe_ticks_skipped_total", Help: "Schedule ticks skipped because the job was still running.",
		}, []string{"job"}),
		durations: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "tradepipe_run_duration_seconds", Help: "Duration of job runs.",
			Buckets: prometheus.ExponentialBuckets(0.1, 3, 10),
		}, []string{"job"}),
		lastOK: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "tradepipe_last_success_timestamp_seconds", Help: "When each job last finished without a failed partition.",
		}, []string{"job"}),
	}
	for _, j := range jobs {
		e.jobs[j.Name] = j
		e.order = append(e.order, j.Name)
		e.jobLocks[j.Name] = make(chan struct{}, 1)
		if _, ok := e.limiters[j.Source]; !ok {
			r := j.Policy.RateLimit
			if r <= 0 {
				r = 2
			}
			e.limiters[j.Source] = rate.NewLimiter(rate.Limit(r), 1)
		}
	}
	if reg != nil {
		for _, c := range []prometheus.Collector{e.runs, e.skipped, e.durations, e.lastOK} {
			if err := reg.Register(c); err != nil {
				return nil, err
			}
		}
	}
	return e, nil
}

// Ledger returns the executor's ledger.
func (e *Executor) Ledger() *Ledger { return e.ledger }

// Job returns the named job, or nil.
func (e *Executor) Job(name string) *Job { return e.jobs[name] }

// Jobs returns the jobs in config order.
func (e *Executor) Jobs() []*Job {
	out := make([]*Job, 0, len(e.order))
	for _, n := range e.order {
		out = append(out, e.jobs[n])
	}
	return out
}

// Running reports whether a run of job is in progress in this process.
func (e *Executor) Running(job string) bool {
	return len(e.jobLocks[job]) == 1
}

// TryRun runs job now unless it is already running; it reports whether it
// ran. With queue set, a busy job gets one more run after the current
// one instead (several ticks while busy still queue one run).
func (e *Executor) TryRun(ctx context.Context, job, trigger string, queue bool) (*Summary, bool) {
	lock := e.jobLocks[job]
	select {
	case lock <- struct{}{}:
	default:
		if queue {
			e.mu.Lock()
			e.queued[job] = true
			e.mu.Unlock()
			e.logger.Info("tick queued: job still running", "job", job, "trigger", trigger)
		} else {
			e.skipped.WithLabelValues(job).Inc()
			e.logger.Info("tick skipped: job still running", "job", job, "trigger", trigger)
		}
		return nil, false
	}
	s := e.runLocked(ctx, job, trigger)
	for {
		e.mu.Lock()
		again := e.queued[job]
		e.queued[job] = false
		e.mu.Unlock()
		if !again || ctx.Err() != nil {
			break
		}
		s.Add(e.runLocked(ctx, job, trigger).Results...)
	}
	<-lock
	e.runDownstream(ctx, job, s)
	return s, true
}

// Run runs job now, waiting for a run in progress to finish first: a
// manual run never overlaps a scheduled one, and both record into the
// same (job, month) ledger entries. Jobs downstream of job run after it
// when it changed a partition.
func (e *Executor) Run(ctx context.Context, job, trigger string) (*Summary, error) {
	s, err := e.RunOnce(ctx, job, trigger)
	if err != nil {
		return nil, err
	}
	e.runDownstream(ctx, job, s)
	return s, nil
}

// RunOnce runs job now, waiting for a run in progress to finish, and does
// not trigger downstream jobs: `tradepipe run --once` runs every job in
// order itself.
func (e *Executor) RunOnce(ctx context.Context, job, trigger string) (*Summary, error) {
	lock, ok := e.jobLocks[job]
	if !ok {
		return nil, fmt.Errorf("no job %q", job)
	}
	select {
	case lock <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-lock }()
	return e.runLocked(ctx, job, trigger), nil
}

// Ingest pushes local files through job's source now (`tradepipe ingest`):
// like any run it waits for the job's run in progress, takes the partition
// leases, records every month it touched in the ledger (trigger "ingest")
// and counts in metrics. Jobs downstream run after it when it changed a
// partition. ctx bounds the run.
func (e *Executor) Ingest(ctx context.Context, name string, paths []string) (*Summary, error) {
	job, ok := e.jobs[name]
	if !ok {
		return nil, fmt.Errorf("no job %q", name)
	}
	if job.Derive != nil {
		return nil, fmt.Errorf("job %s is derived from the lake and takes no files", name)
	}
	lock := e.jobLocks[name]
	select {
	case lock <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	start := e.now()
	e.runs.WithLabelValues(name, TriggerIngest).Inc()
	s := e.scrubbed(e.runner.Ingest(ctx, job, paths))
	e.recordByMonth(ctx, job, TriggerIngest, 1, s)
	e.durations.WithLabelValues(name).Observe(e.now().Sub(start).Seconds())
	if !s.Failed() {
		e.lastOK.WithLabelValues(name).Set(float64(e.now().Unix()))
	}
	<-lock
	e.runDownstream(ctx, name, s)
	return s, nil
}

// runDownstream runs, once each, the jobs that list job in after: when
// any of job's partitions changed.
func (e *Executor) runDownstream(ctx context.Context, job string, s *Summary) {
	if s == nil || s.Count(StatusWritten) == 0 || ctx.Err() != nil {
		return
	}
	for _, n := range e.order {
		if slices.Contains(e.jobs[n].Policy.After, job) {
			e.logger.Info("upstream changed: running downstream job", "job", n, "upstream", job)
			_, _ = e.Run(ctx, n, TriggerUpstream)
		}
	}
}

func (e *Executor) runLocked(ctx context.Context, name, trigger string) (s *Summary) {
	ctx, span := e.runner.opts.Tracer.Start(ctx, "run", trace.WithAttributes(attrJob.String(name), attrTrigger.String(trigger)))
	defer func() { endRun(span, s) }()
	job := e.jobs[name]
	start := e.now()
	e.runs.WithLabelValues(name, trigger).Inc()
	s = &Summary{}
	switch {
	case job.Derive != nil:
		// A derived dataset has no month of its own: the ledger keeps it
		// under month 0000-00, and its run lease is that month's.
		lctx, unlock, err := e.runner.opts.Locker.Lock(ctx, RunLease(job.Name, civil.Month{}))
		if err != nil {
			s.Add(Result{Job: name, Status: StatusFailed, Err: fmt.Errorf("run lease: %w", err)})
			break
		}
		s.Add(e.scrub(e.runner.RunDerived(lctx, job))...)
		unlock()
		e.record(ctx, job, civil.Month{}, trigger, 1, s.Results)
	case job.Inbox != nil:
		s = e.runInbox(ctx, job, trigger)
	default:
		for _, m := range job.WindowMonths(e.now()) {
			s.Add(e.RunMonth(ctx, job, m, trigger)...)
		}
	}
	e.durations.WithLabelValues(name).Observe(e.now().Sub(start).Seconds())
	if !s.Failed() {
		e.lastOK.WithLabelValues(name).Set(float64(e.now().Unix()))
	}
	return s
}

// runInbox processes a job's inbox, retrying failed inputs, and records
// each month it touched in the ledger.
func (e *Executor) runInbox(ctx context.Context, job *Job, trigger string) *Summary {
	var s *Summary
	attempts := 0
	for attempt := 1; ; attempt++ {
		attempts = attempt
		s = e.scrubbed(e.runner.RunOnce(ctx, job))
		if !retryable(s.Results) || attempt >= job.Policy.maxAttempts() || ctx.Err() != nil {
			break
		}
		if e.sleep(ctx, e.retryDelay(job, attempt)) != nil {
			break
		}
	}
	e.recordByMonth(ctx, job, trigger, attempts, s)
	return s
}

// recordByMonth records each month a run of job touched.
func (e *Executor) recordByMonth(ctx context.Context, job *Job, trigger string, attempts int, s *Summary) {
	byMonth := map[civil.Month][]Result{}
	for _, r := range s.Results {
		if !r.Month.IsZero() {
			byMonth[r.Month] = append(byMonth[r.Month], r)
		}
	}
	for m, rs := range byMonth {
		e.record(ctx, job, m, trigger, attempts, rs)
	}
}

// RunMonth runs one (job, month) of a live job: a run identity. It holds
// the month's run lease (so a month left "running" by a dead holder is
// known to be free as soon as its lease is), marks the ledger entry
// running, retries failures with backoff up to the job's max attempts, and
// records the outcome.
func (e *Executor) RunMonth(ctx context.Context, job *Job, m civil.Month, trigger string) []Result {
	ctx, unlock, err := e.runner.opts.Locker.Lock(ctx, RunLease(job.Name, m))
	if err != nil {
		return []Result{{Job: job.Name, Month: m, Status: StatusFailed, Err: fmt.Errorf("run lease: %w", err)}}
	}
	defer unlock()
	start := e.now().UTC()
	_, err = e.ledger.UpdateEntry(ctx, job.Name, m, func(en *Entry) {
		en.Status, en.Trigger, en.Owner = LedgerRunning, trigger, e.owner
		en.StartedAt, en.Heartbeat, en.FinishedAt, en.Error = start, start, time.Time{}, ""
		en.Attempts = 0
	})
	if err != nil {
		return []Result{{Job: job.Name, Month: m, Status: StatusFailed, Err: fmt.Errorf("ledger: %w", err)}}
	}
	var rs []Result
	for attempt := 1; ; attempt++ {
		rs = e.scrub(e.runner.RunMonth(ctx, job, m))
		if !retryable(rs) || attempt >= job.Policy.maxAttempts() || ctx.Err() != nil {
			e.finish(ctx, job.Name, m, trigger, attempt, rs)
			return rs
		}
		msg, beat := firstError(rs), e.now().UTC()
		_, _ = e.ledger.UpdateEntry(ctx, job.Name, m, func(en *Entry) {
			en.Attempts, en.Heartbeat, en.Error = attempt, beat, msg
		})
		wait := e.retryDelay(job, attempt)
		e.logger.Warn("partition failed; retrying", "job", job.Name, "month", m.String(), "attempt", attempt, "wait", wait, "err", msg)
		if err := e.sleep(ctx, wait); err != nil {
			e.finish(ctx, job.Name, m, trigger, attempt, rs)
			return rs
		}
	}
}

// RunLease is the lease name a run of (job, m) holds, beside the partition
// leases of its commits.
func RunLease(job string, m civil.Month) string { return "runs/" + job + "/" + m.String() }

func (e *Executor) record(ctx context.Context, job *Job, m civil.Month, trigger string, attempts int, rs []Result) {
	e.finish(ctx, job.Name, m, trigger, attempts, rs)
}

// finish records the outcome of a (job, month) by compare-and-swap on
// the latest record, so the outcomes of two processes are both counted. A
// run stopped by its context is "interrupted", so the next start resumes
// it.
func (e *Executor) finish(ctx context.Context, job string, m civil.Month, trigger string, attempts int, rs []Result) {
	var o Entry
	o.Attempts = attempts
	o.FinishedAt = e.now().UTC()
	written, unchanged, failed, empty := 0, 0, 0, 0
	for _, r := range rs {
		switch r.Status {
		case StatusWritten:
			written++
			o.Rows += r.Rows
			o.Quarantined += r.Quarantined
		case StatusUnchanged:
			unchanged++
		case StatusFailed:
			failed++
		case StatusEmpty:
			empty++
		default:
			unchanged++ // superseded and similar: nothing to redo
		}
		if r.Partition != "" {
			o.Partitions = append(o.Partitions, r.Partition)
		}
		if r.InputSHA256 != "" {
			o.InputSHA256 = r.InputSHA256
		}
	}
	switch {
	case failed > 0 && ctx.Err() != nil:
		o.Status = LedgerInterrupted
		o.Error = firstError(rs)
	case failed > 0:
		o.Status = LedgerFailed
		o.Error = firstError(rs)
	case written > 0:
		o.Status = LedgerSucceeded
	case unchanged > 0:
		o.Status = LedgerUnchanged
	default:
		o.Status = LedgerEmpty
	}
	// The ledger must learn the outcome even when ctx was cancelled.
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	_, err := e.ledger.UpdateEntry(wctx, job, m, func(en *Entry) {
		if en.Status != LedgerRunning || en.StartedAt.IsZero() {
			en.StartedAt = o.FinishedAt
		}
		en.Trigger = trigger
		en.Status, en.Error, en.Attempts, en.FinishedAt = o.Status, o.Error, o.Attempts, o.FinishedAt
		en.Owner, en.Heartbeat = "", time.Time{}
		en.Rows, en.Quarantined, en.Partitions = o.Rows, o.Quarantined, o.Partitions
		if o.InputSHA256 != "" {
			en.InputSHA256 = o.InputSHA256
		}
		if en.Done() {
			en.LastSuccess = o.FinishedAt
		}
		en.Runs++
	})
	if err != nil {
		e.logger.Error("ledger write", "job", job, "month", m.String(), "err", err)
	}
}

func (e *Executor) retryDelay(job *Job, attempt int) time.Duration {
	base := job.Policy.RetryBackoff
	if base <= 0 {
		base = 30 * time.Second
	}
	return RetryDelay(attempt, base, 32*base, rand.Float64())
}

func (p Policy) maxAttempts() int {
	if p.MaxAttempts <= 0 {
		return 3
	}
	return p.MaxAttempts
}

// retryable reports whether some result failed in a way a retry may fix.
func retryable(rs []Result) bool {
	for _, r := range rs {
		if r.Status == StatusFailed && !errors.Is(r.Err, sources.ErrPermanent) {
			return true
		}
	}
	return false
}

func firstError(rs []Result) string {
	for _, r := range rs {
		if r.Err != nil {
			return r.Err.Error()
		}
	}
	return ""
}

// abandoned reports whether a ledger entry left "running" has no live
// run: its run lease is free (released, expired, or its holder is known
// dead), so it can be resumed now. Without a HoldProber the heartbeat must
// be staleAfter old.
func (e *Executor) abandoned(ctx context.Context, job string, en *Entry, now time.Time) bool {
	if hp, ok := e.runner.opts.Locker.(HoldProber); ok {
		held, err := hp.Held(ctx, RunLease(job, en.Month))
		if err == nil {
			return !held
		}
		e.logger.Warn("run lease unreadable; waiting for the heartbeat", "job", job, "month", en.Month.String(), "err", err)
	}
	return now.Sub(en.Heartbeat) > staleAfter
}

// scrub removes the process's secrets from the results' errors: every
// result the runner hands the executor passes here, so neither the ledger
// nor a summary ever stores a key an upstream error echoed.
func (e *Executor) scrub(rs []Result) []Result {
	if r := e.runner.opts.Redactor; r != nil {
		for i := range rs {
			rs[i].Err = r.Error(rs[i].Err)
		}
	}
	return rs
}

func (e *Executor) scrubbed(s *Summary) *Summary {
	s.Results = e.scrub(s.Results)
	return s
}

package pipeline

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/tradepipe/tradepipe/internal/civil"
	"github.com/tradepipe/tradepipe/internal/schema"
	"github.com/tradepipe/tradepipe/sinks/lake"
	"github.com/tradepipe/tradepipe/sinks/publish"
	"github.com/tradepipe/tradepipe/sources"
)

// Options configure a Runner.
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
}

// Locker grants exclusive write access to a partition, across processes
// when the implementation can.
type Locker interface {
	// Lock blocks until the caller holds partition (a lake path) or ctx is
	// done, and returns the function that releases it. While held, the
	// implementation keeps the hold alive (renewing a lease); if it loses
	// the hold, the returned context is cancelled so the work stops before
	// publishing. Errors: ctx's error, or the store's.
	Lock(ctx context.Context, partition string) (held context.Context, unlock func(), err error)
}

// Runner runs jobs' inputs into the lake. It is safe for concurrent use;
// publishes to one partition are serialised within the process.
type Runner struct {
	opts    Options
	logger  *slog.Logger
	pub     *publish.Publisher
	metrics *metrics
}

// New returns a Runner. logger may be nil (discard); reg may be nil (no
// metrics are registered).
func New(opts Options, logger *slog.Logger, reg prometheus.Registerer) (*Runner, error) {
	if opts.Lake == nil {
		return nil, errors.New("pipeline: no lake")
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
		pub:     &publish.Publisher{Lake: opts.Lake, Now: opts.Now, Hook: opts.PublishHook},
		metrics: m,
	}, nil
}

// RunOnce runs job for its current window: every input in its inbox, or
// every month of its window from the live endpoint. ctx bounds the run; on
// cancellation the partition being published is left at its previous
// version and the summary says which failed.
func (r *Runner) RunOnce(ctx context.Context, job *Job) *Summary {
	if job.Inbox != nil {
		return r.runInbox(ctx, job)
	}
	s := &Summary{}
	for _, m := range job.WindowMonths(r.opts.Now()) {
		s.Add(r.RunMonth(ctx, job, m)...)
	}
	return s
}

// RunMonth fetches month m from job's live endpoint and publishes it.
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

// Ingest pushes local files through job's source now.
func (r *Runner) Ingest(ctx context.Context, job *Job, paths []string) *Summary {
	s := &Summary{}
	for _, p := range paths {
		rel, err := localRelease(job.Source, p)
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
		_ = os.Remove(rel.Path)
		for _, res := range results {
			if res.Partition == "" && res.Status == StatusFailed && errors.Is(res.Err, sources.ErrPermanent) {
				r.moveToFailed(ctx, job, o.Key, res.Err)
			}
		}
		s.Add(results...)
	}
	return s
}

// ProcessRelease archives rel, parses it and publishes every partition it
// touches. It returns one result per partition, or a single failed result
// when the input as a whole could not be read.
func (r *Runner) ProcessRelease(ctx context.Context, job *Job, rel *sources.Release) []Result {
	log := r.logger.With("job", job.Name, "input", rel.URI, "sha256", rel.SHA256[:12])
	fail := func(err error) []Result {
		log.ErrorContext(ctx, "input failed", "err", err)
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
	col := newCollector(r.opts.SpoolDir, r.opts.Now().UTC())
	defer col.abort() // removes spool files, published or not
	if err := sources.SafeParse(ctx, job.Parser, rel, col); err != nil {
		return fail(err)
	}
	inputs := []publish.Input{{URI: rel.URI, SHA256: rel.SHA256, ReleaseID: rel.ReleaseID, RawKey: rawKey}}
	group := job.groupName(rel)
	var results []Result
	seenQ := map[string]bool{}
	for _, d := range col.dataParts() {
		res := r.publishPartition(ctx, job, rel, col, d, group, inputs)
		if q := col.quarantineFor(d.p, d.p.Dataset, job.Source); q != nil {
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
		if err := r.publishQuarantine(ctx, job, q, DeliveryName(rel), inputs, rel); err != nil {
			res.Status, res.Err = StatusFailed, err
		}
		results = append(results, res)
	}
	if len(results) == 0 {
		results = []Result{{Job: job.Name, Month: rel.Month, Input: rel.URI, Status: StatusEmpty}}
	}
	results = r.reconcileAfter(ctx, job, results)
	if !anyFailed(results) {
		if err := r.rememberInput(ctx, job, rel, results, col); err != nil {
			log.Warn("input record not written; the next run will parse the input again", "err", err)
		}
	}
	return r.record(job, results)
}

func (r *Runner) publishPartition(ctx context.Context, job *Job, rel *sources.Release, col *collector, d *dataPart, group string, inputs []publish.Input) (res Result) {
	ctx, span := r.opts.Tracer.Start(ctx, "partition", trace.WithAttributes(attrJob.String(job.Name), attrPartition.String(d.p.Path)))
	defer func() { endPartition(span, res) }()
	res = Result{Job: job.Name, Partition: d.p.Path, Month: d.p.Month, Input: rel.URI, InputSHA256: rel.SHA256}
	if d.w != nil {
		res.Rows = d.w.Rows()
	}
	res.Quarantined = d.quarantined
	ctx, unlock, err := r.opts.Locker.Lock(ctx, d.p.Path)
	if err != nil {
		res.Status, res.Err = StatusFailed, fmt.Errorf("lock %s: %w", d.p.Path, err)
		return res
	}
	defer unlock()
	old, err := publish.Load(ctx, r.opts.Lake, d.p.Path)
	if err != nil {
		res.Status, res.Err = StatusFailed, err
		return res
	}
	if g := old.Group(group); g != nil && publish.SameInputs(g.Inputs, inputs) {
		if err := r.pub.Settle(ctx, old); err != nil {
			res.Status, res.Err = StatusFailed, err
			return res
		}
		res.Status = StatusUnchanged
		return res
	}
	if st, err := r.checkVintage(ctx, job, rel, d, old, old.Group(group), inputs); st != "" {
		res.Status, res.Err = st, err
		return res
	}
	// Quarantine first: once the data manifest names this input, the run
	// counts as done, so everything else it writes must already be there.
	if q := col.quarantineFor(d.p, d.p.Dataset, job.Source); q != nil {
		if err := r.publishQuarantine(ctx, job, q, group, inputs, rel); err != nil {
			res.Status, res.Err = StatusFailed, err
			return res
		}
	} else if err := r.clearQuarantine(ctx, job, d.p, group, inputs, rel); err != nil {
		res.Status, res.Err = StatusFailed, err
		return res
	}
	var local []publish.LocalFile
	f, err := closeSpool(d)
	if f != nil {
		defer os.Remove(f.Path)
		f.Name = group + ".parquet"
		local = append(local, *f)
	}
	if err == nil {
		err = r.publishHistory(ctx, job, rel, d, f, inputs, old.Group(group))
	}
	if err != nil {
		res.Status, res.Err = StatusFailed, err
		return res
	}
	cctx, commit := r.opts.Tracer.Start(ctx, "commit", trace.WithAttributes(attrPartition.String(d.p.Path)))
	_, err = r.pub.Publish(cctx, publish.Commit{
		Partition: d.p,
		Group: publish.Group{
			Name: group, Job: job.Name, ReleaseID: rel.ReleaseID, Inputs: inputs,
			ContentSHA256: contentOf(job, d), QuarantinedRows: d.quarantined,
			Counters: col.counters, Warnings: col.warnings,
		},
		Local: local,
	})
	endSpan(commit, err)
	if err != nil {
		res.Status, res.Err = StatusFailed, err
		return res
	}
	res.Status = StatusWritten
	return res
}

// quarantineGroup names a job's file in a quarantine partition; quarantine
// partitions are per dataset and source, so several jobs may share one.
func quarantineGroup(job *Job, group string) string { return job.Name + "-" + group }

func (r *Runner) publishQuarantine(ctx context.Context, job *Job, q *quarantinePart, group string, inputs []publish.Input, rel *sources.Release) error {
	ctx, unlock, err := r.opts.Locker.Lock(ctx, q.p.Path)
	if err != nil {
		return fmt.Errorf("lock %s: %w", q.p.Path, err)
	}
	defer unlock()
	f, err := q.w.Close()
	if err != nil {
		return err
	}
	defer os.Remove(f.Path)
	name := quarantineGroup(job, group)
	_, err = r.pub.Publish(ctx, publish.Commit{
		Partition: q.p,
		Group:     publish.Group{Name: name, Job: job.Name, ReleaseID: rel.ReleaseID, Inputs: inputs, QuarantinedRows: f.Rows},
		Local:     []publish.LocalFile{{Name: name + ".parquet", Path: f.Path, Rows: f.Rows, Bytes: f.Bytes, SHA256: f.SHA256}},
	})
	return err
}

// clearQuarantine removes this job's rejected rows of an earlier version
// of partition p when the new version has none.
func (r *Runner) clearQuarantine(ctx context.Context, job *Job, p schema.Partition, group string, inputs []publish.Input, rel *sources.Release) error {
	qp := schema.QuarantinePartition(p.Dataset, job.Source, p.Month)
	ctx, unlock, err := r.opts.Locker.Lock(ctx, qp.Path)
	if err != nil {
		return fmt.Errorf("lock %s: %w", qp.Path, err)
	}
	defer unlock()
	old, err := publish.Load(ctx, r.opts.Lake, qp.Path)
	if err != nil {
		return err
	}
	name := quarantineGroup(job, group)
	if g := old.Group(name); g == nil || len(g.Files) == 0 {
		return nil
	}
	_, err = r.pub.Publish(ctx, publish.Commit{
		Partition: qp,
		Group:     publish.Group{Name: name, Job: job.Name, ReleaseID: rel.ReleaseID, Inputs: inputs},
	})
	return err
}

// rawFolder is the raw/ folder of an input: its month, else its delivery
// name.
func rawFolder(rel *sources.Release) string {
	if !rel.Month.IsZero() {
		return rel.Month.String()
	}
	return DeliveryName(rel)
}

// archive keeps an immutable copy of the input under raw/; a copy already
// there (same content) is not written again.
func (r *Runner) archive(ctx context.Context, rel *sources.Release) (string, error) {
	ext := rel.Ext
	if ext == "" {
		ext = "bin"
	}
	key := fmt.Sprintf("raw/%s/%s/%s.%s", rel.Source, rawFolder(rel), rel.SHA256, ext)
	if _, err := r.opts.Lake.Stat(ctx, key); err == nil {
		return key, nil
	} else if !errors.Is(err, lake.ErrNotExist) {
		return "", fmt.Errorf("archive %s: %w", rel.URI, err)
	}
	f, err := os.Open(rel.Path)
	if err != nil {
		return "", fmt.Errorf("archive %s: %w", rel.URI, err)
	}
	defer f.Close()
	if err := r.opts.Lake.Put(ctx, key, f); err != nil {
		return "", fmt.Errorf("archive %s: %w", rel.URI, err)
	}
	return key, nil
}

// inputRecord remembers which partitions an input was published to, so
// the same content is recognised as unchanged without parsing it again.
type inputRecord struct {
	URI        string   `json:"uri"`
	SHA256     string   `json:"sha256"`
	ReleaseID  string   `json:"release_id"`
	Group      string   `json:"group"`
	Partitions []string `json:"partitions"`
	// Content is the content fingerprint of the input's rows per
	// partition (versioned datasets only): a partition still holding that
	// content has the input, even when an earlier input put it there.
	Content     map[string]string `json:"content,omitempty"`
	ProcessedAt time.Time         `json:"processed_at"`
}

func inputKey(job *Job, sha string) string {
	return fmt.Sprintf("_state/inputs/%s/%s.json", job.Name, sha)
}

func (r *Runner) rememberInput(ctx context.Context, job *Job, rel *sources.Release, results []Result, col *collector) error {
	rec := inputRecord{URI: rel.URI, SHA256: rel.SHA256, ReleaseID: rel.ReleaseID, Group: job.groupName(rel), ProcessedAt: r.opts.Now().UTC()}
	for _, res := range results {
		if res.Partition != "" && !strings.HasPrefix(res.Partition, schema.DatasetQuarantine+"/") {
			rec.Partitions = append(rec.Partitions, res.Partition)
		}
	}
	rec.Content = contents(job, col)
	b, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		return err
	}
	return r.opts.Lake.Put(ctx, inputKey(job, rel.SHA256), bytes.NewReader(b))
}

// alreadyPublished returns unchanged results when every partition this
// content was published to still has it as its input.
func (r *Runner) alreadyPublished(ctx context.Context, job *Job, rel *sources.Release) ([]Result, bool) {
	b, err := lake.ReadAll(ctx, r.opts.Lake, inputKey(job, rel.SHA256))
	if err != nil {
		return nil, false
	}
	var rec inputRecord
	if json.Unmarshal(b, &rec) != nil || len(rec.Partitions) == 0 {
		return nil, false
	}
	// The group is the one the content was first published under: the same
	// bytes delivered under another name are the same delivery.
	group := rec.Group
	var out []Result
	for _, p := range rec.Partitions {
		m, err := publish.Load(ctx, r.opts.Lake, p)
		if err != nil || m == nil {
			return nil, false
		}
		res, ok := r.publishedOutcome(ctx, &rec, rel.SHA256, m, m.Group(group))
		if !ok || r.pub.Settle(ctx, m) != nil {
			return nil, false
		}
		month, _ := civil.ParseMonth(m.Period)
		res.Job, res.Partition, res.Month, res.Input, res.InputSHA256 = job.Name, p, month, rel.URI, rel.SHA256
		out = append(out, res)
	}
	return out, true
}

// spoolInbox copies an inbox object to a local file, hashing it on the way.
func (r *Runner) spoolInbox(ctx context.Context, job *Job, o lake.Object) (*sources.Release, error) {
	rc, err := job.Inbox.Get(ctx, o.Key)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	f, err := os.CreateTemp(r.opts.SpoolDir, "input-*")
	if err != nil {
		return nil, err
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(f, h), rc)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(f.Name())
		return nil, fmt.Errorf("read inbox %s: %w", o.Key, err)
	}
	sum := hex.EncodeToString(h.Sum(nil))
	at := o.ModTime
	if at.IsZero() {
		at = r.opts.Now()
	}
	return &sources.Release{
		Source:    job.Source,
		URI:       strings.TrimRight(job.Inbox.URL(), "/") + "/" + o.Key,
		Name:      path.Base(o.Key),
		Path:      f.Name(),
		Size:      n,
		SHA256:    sum,
		Ext:       strings.ToLower(strings.TrimPrefix(path.Ext(o.Key), ".")),
		ReleaseID: sources.ReleaseID(at, sum),
		FetchedAt: at.UTC(),
	}, nil
}

// localRelease describes a local file pushed with `tradepipe ingest`.
func localRelease(source, p string) (*sources.Release, error) {
	abs, err := filepath.Abs(p)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(abs)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", p, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if fi.IsDir() {
		return nil, fmt.Errorf("%s is a directory", p)
	}
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", p, err)
	}
	sum := hex.EncodeToString(h.Sum(nil))
	return &sources.Release{
		Source:    source,
		URI:       "file://" + abs,
		Name:      filepath.Base(abs),
		Path:      abs,
		Size:      n,
		SHA256:    sum,
		Ext:       strings.ToLower(strings.TrimPrefix(filepath.Ext(abs), ".")),
		ReleaseID: sources.ReleaseID(fi.ModTime(), sum),
		FetchedAt: fi.ModTime().UTC(),
	}, nil
}

// moveToFailed moves an inbox input that cannot be read to failed/, with
// the reason beside it, so it stops failing every run and an operator sees
// why.
func (r *Runner) moveToFailed(ctx context.Context, job *Job, key string, cause error) {
	log := r.logger.With("job", job.Name, "key", key)
	rc, err := job.Inbox.Get(ctx, key)
	if err != nil {
		log.Error("move to failed/", "err", err)
		return
	}
	defer rc.Close()
	if err := job.Inbox.Put(ctx, "failed/"+key, rc); err != nil {
		log.Error("move to failed/", "err", err)
		return
	}
	reason := fmt.Sprintf("%s\n%s\n", r.opts.Now().UTC().Format(time.RFC3339), cause)
	if err := job.Inbox.Put(ctx, "failed/"+key+".reason.txt", strings.NewReader(reason)); err != nil {
		log.Error("write failure reason", "err", err)
		return
	}
	if err := job.Inbox.Delete(ctx, key); err != nil {
		log.Error("remove failed input", "err", err)
		return
	}
	log.Warn("input moved to failed/", "reason", cause)
}

func anyFailed(rs []Result) bool {
	for _, r := range rs {
		if r.Status == StatusFailed {
			return true
		}
	}
	return false
}

// processLocks serialises writers of a partition within one process.
type processLocks struct {
	mu    sync.Mutex
	locks map[string]chan struct{}
}

// Lock implements Locker.
func (l *processLocks) Lock(ctx context.Context, p string) (context.Context, func(), error) {
	l.mu.Lock()
	if l.locks == nil {
		l.locks = map[string]chan struct{}{}
	}
	ch, ok := l.locks[p]
	if !ok {
		ch = make(chan struct{}, 1)
		l.locks[p] = ch
	}
	l.mu.Unlock()
	select {
	case ch <- struct{}{}:
		return ctx, func() { <-ch }, nil
	case <-ctx.Done():
		return nil, nil, ctx.Err()
	}
}

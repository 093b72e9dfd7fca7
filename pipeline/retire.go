package pipeline

// Retiring a job: every file it holds in the lake's current state goes,
// in one transaction, so a renamed job or a changed partner set does not
// leave its former files to be read beside the new ones.

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/tradepipe/tradepipe/internal/civil"
	"github.com/tradepipe/tradepipe/internal/schema"
	"github.com/tradepipe/tradepipe/sinks/publish"
)

// Retired is one partition a retirement takes a job's files out of.
type Retired struct {
	Partition string
	Groups    []string // the job's groups there, sorted
	Files     int
	Rows      int64
	// QuarantinedRows are the rejected rows the groups counted (in a
	// quarantine partition, the rows of its files).
	QuarantinedRows int64
}

// Retire takes every file of the job called name out of the lake's
// current state: its groups in every data, quarantine and derived
// partition are committed without files, all in one transaction, with
// its table snapshots, under the partitions' leases. Readers that follow
// commits and the Hive-style views see the job's rows until the commit
// and none after. History partitions keep the job's vintages, which
// record what was published when; the raw inputs and the job's records
// under _state stay, so a job of that name added back fetches and
// publishes its months again (its input records no longer match a
// group). name need not be a configured job; the caller refuses one that
// is (its next run would write its files again).
//
// dryRun lists what would go and changes nothing. ctx bounds the whole
// retirement; an error means nothing of it is visible (the transaction
// is aborted, or its outcome record was not written), and running it
// again finishes it.
func (r *Runner) Retire(ctx context.Context, name string, dryRun bool) ([]Retired, error) {
	if err := r.Recover(ctx); err != nil {
		return nil, err
	}
	dirs, err := publish.Partitions(ctx, r.opts.Lake, "")
	if err != nil {
		return nil, fmt.Errorf("retire %s: %w", name, err)
	}
	// A first pass without leases finds the partitions; the second,
	// under them, decides, as a release might have landed in between.
	var found []Retired
	var paths []string
	for _, dir := range dirs {
		m, err := publish.Load(ctx, r.opts.Lake, dir)
		if err != nil {
			return nil, fmt.Errorf("retire %s: %w", name, err)
		}
		if ret, ok := jobFiles(m, name); ok {
			found = append(found, ret)
			paths = append(paths, dir)
		}
	}
	if dryRun || len(paths) == 0 {
		return found, nil
	}
	leases, err := lockAll(ctx, r.opts.Locker, paths)
	if err != nil {
		return nil, fmt.Errorf("retire %s: %w", name, err)
	}
	rt := &releaseTxn{tx: r.pub.Begin(name, "", nil), leases: leases, tracer: r.opts.Tracer, tables: r.opts.Tables, logger: r.logger}
	tctx := leases.ctx // cancelled if a lease is lost
	var out []Retired
	var results []Result
	for _, dir := range paths {
		ret, res := r.retirePartition(tctx, rt, name, dir)
		if res.Status == "" {
			continue // gone since the first pass
		}
		results = append(results, res)
		if res.Status == StatusWritten {
			out = append(out, ret)
		}
	}
	results = rt.finish(tctx, results)
	if err := firstFailure(results); err != nil {
		return nil, fmt.Errorf("retire %s: %w", name, err)
	}
	r.logger.Info("job retired", "job", name, "partitions", len(out), "txn", rt.tx.ID())
	return out, nil
}

// retirePartition stages partition dir without the files of job name
// (a retirement's, or a derived partition no longer computed); a zero
// status when the job has no files there any more. The caller holds the
// lease.
func (r *Runner) retirePartition(ctx context.Context, rt *releaseTxn, name, dir string) (Retired, Result) {
	res := Result{Job: name, Partition: dir, Status: StatusFailed}
	m, err := rt.tx.Load(ctx, dir)
	if err != nil {
		res.Err = err
		return Retired{}, res
	}
	ret, ok := jobFiles(m, name)
	if !ok {
		return Retired{}, Result{}
	}
	p := schema.Partition{Dataset: m.Dataset, Path: dir}
	if m.Period != "" {
		if p.Month, err = civil.ParseMonth(m.Period); err != nil {
			res.Err = fmt.Errorf("partition %s: period %q: %w", dir, m.Period, err)
			return Retired{}, res
		}
	}
	res.Month = p.Month
	for _, g := range ret.Groups {
		if _, err := rt.tx.Publish(ctx, publish.Commit{Partition: p, Group: publish.Group{Name: g, Job: name}}); err != nil {
			res.Err = fmt.Errorf("retire %s/%s: %w", dir, g, err)
			return Retired{}, res
		}
	}
	res.Status = StatusWritten // a new version, without the job's files
	return ret, res
}

// jobFiles is what job name holds in partition m: its groups with files,
// outside the history datasets.
func jobFiles(m *publish.Manifest, name string) (Retired, bool) {
	if m == nil || strings.HasSuffix(m.Dataset, HistorySuffix) {
		return Retired{}, false
	}
	ret := Retired{Partition: m.Partition}
	for _, g := range m.Groups {
		if g.Job != name || len(g.Files) == 0 {
			continue
		}
		ret.Groups = append(ret.Groups, g.Name)
		ret.Files += len(g.Files)
		ret.Rows += g.Rows
		ret.QuarantinedRows += g.QuarantinedRows
	}
	slices.Sort(ret.Groups)
	return ret, len(ret.Groups) > 0
}

// ErrJobConfigured is Executor.Retire's refusal of a job the executor
// runs: its next run would write its files again.
var ErrJobConfigured = errors.New("the job is in the config")

// Retire retires the job called name (Runner.Retire), which must not be
// one of the executor's jobs (ErrJobConfigured), then runs each derived job once, so that
// what is computed from the lake (compliance) no longer counts the
// retired rows. ctx bounds the whole. The error is the retirement's; a
// derived job that fails is in its summary, and the retirement stands.
func (e *Executor) Retire(ctx context.Context, name string, dryRun bool) ([]Retired, []*Summary, error) {
	if _, ok := e.jobs[name]; ok {
		return nil, nil, fmt.Errorf("retire %s: %w: its next run would write its files again; remove it from the config first", name, ErrJobConfigured)
	}
	out, err := e.runner.Retire(ctx, name, dryRun)
	if err != nil || dryRun || len(out) == 0 {
		return out, nil, err
	}
	var derived []*Summary
	for _, n := range e.order {
		if e.jobs[n].Derive == nil {
			continue
		}
		e.logger.Info("job retired: running derived job", "job", n, "retired", name)
		s, err := e.RunOnce(ctx, n, TriggerRetire)
		if err != nil {
			return out, derived, nil // ctx ended; the retirement stands
		}
		derived = append(derived, s)
	}
	return out, derived, nil
}

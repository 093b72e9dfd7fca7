package pipeline

// Derived jobs: datasets computed from what the lake has committed (the
// Phase One compliance metrics). The job computes; the engine commits,
// under the same leases, ledger and metrics as an ingest.

import (
	"context"
	"os"
	"slices"

	"github.com/tradepipe/tradepipe/internal/lineage"
	"github.com/tradepipe/tradepipe/internal/schema"
	"github.com/tradepipe/tradepipe/sinks/publish"
	"go.opentelemetry.io/otel/trace"
)

// Deriver computes a derived dataset.
type Deriver interface {
	// Derive reads the lake's committed state and writes each partition it
	// computes as one local Parquet file under spool (a directory the
	// engine removes afterwards). It commits nothing itself. ctx bounds the
	// computation; an error fails the run and nothing of it is committed.
	Derive(ctx context.Context, spool string) ([]Derived, error)
}

// DeriverFunc adapts a function to Deriver.
type DeriverFunc func(ctx context.Context, spool string) ([]Derived, error)

// Derive implements Deriver.
func (f DeriverFunc) Derive(ctx context.Context, spool string) ([]Derived, error) {
	return f(ctx, spool)
}

// Derived is one computed partition: its file replaces the partition's
// single group, part-00000.
type Derived struct {
	Partition schema.Partition
	File      publish.LocalFile // Name is ignored: part-00000.parquet
	Inputs    []publish.Input   // what it was computed from
	Warnings  []string
}

// derivedGroup is the group a derived partition's file is.
const derivedGroup = "part-00000"

// RunDerived runs a derived job: recovery first, then the computation,
// then one transaction for the run: every computed partition is staged
// under its lease (a partition whose new file has the same bytes as the
// committed one is unchanged) and one outcome record makes them current
// together, as for an ingested release. A run's partitions are the whole
// of what the job computes in their datasets: a partition the job wrote
// before and computes no more (a basis or year whose inputs went, e.g.
// after `tradepipe retire`) loses its file in the same transaction.
func (r *Runner) RunDerived(ctx context.Context, job *Job) []Result {
	fail := func(err error) []Result {
		r.logger.Error("derived job failed", "job", job.Name, "err", err)
		return r.record(job, []Result{{Job: job.Name, Status: StatusFailed, Err: err}})
	}
	if err := r.Recover(ctx); err != nil {
		return fail(err)
	}
	dir, err := os.MkdirTemp(r.opts.SpoolDir, "derive-*")
	if err != nil {
		return fail(err)
	}
	defer os.RemoveAll(dir)
	parts, err := job.Derive.Derive(ctx, dir)
	if err != nil {
		return fail(err)
	}
	if len(parts) == 0 {
		return r.record(job, nil)
	}
	paths := make([]string, len(parts))
	var inputs []publish.Input
	for i, d := range parts {
		paths[i] = d.Partition.Path
		inputs = append(inputs, d.Inputs...)
	}
	gone, err := r.notDerived(ctx, job, parts)
	if err != nil {
		return fail(err)
	}
	paths = append(paths, gone...)
	leases, err := lockAll(ctx, r.opts.Locker, paths)
	if err != nil {
		return fail(err)
	}
	rt := &releaseTxn{tx: r.pub.Begin(job.Name, "", inputs), leases: leases, tracer: r.opts.Tracer, tables: r.opts.Tables, logger: r.logger}
	r.emitLineage(ctx, lineage.Start, job, rt.tx, "", inputs, nil, nil)
	tctx := leases.ctx // cancelled if a lease is lost
	var out []Result
	for _, d := range parts {
		out = append(out, r.derivedPartition(tctx, rt.tx, job, d))
	}
	for _, dir := range gone {
		if _, res := r.retirePartition(tctx, rt, job.Name, dir); res.Status != "" {
			out = append(out, res)
		}
	}
	out = rt.finish(tctx, out)
	t, cause := lineageOutcome(out)
	r.emitLineage(ctx, t, job, rt.tx, "", inputs, snapshotsOf(out), cause)
	return r.record(job, out)
}

// notDerived are the partitions of the datasets of parts that hold files
// of job and are not among parts, read without their leases
// (retirePartition reads them again under them).
func (r *Runner) notDerived(ctx context.Context, job *Job, parts []Derived) ([]string, error) {
	computed := map[string]bool{}
	var datasets []string
	for _, d := range parts {
		computed[d.Partition.Path] = true
		if !slices.Contains(datasets, d.Partition.Dataset) {
			datasets = append(datasets, d.Partition.Dataset)
		}
	}
	var out []string
	for _, ds := range datasets {
		dirs, err := publish.Partitions(ctx, r.opts.Lake, ds+"/")
		if err != nil {
			return nil, err
		}
		for _, dir := range dirs {
			if computed[dir] {
				continue
			}
			m, err := publish.Load(ctx, r.opts.Lake, dir)
			if err != nil {
				return nil, err
			}
			if _, ok := jobFiles(m, job.Name); ok {
				out = append(out, dir)
			}
		}
	}
	return out, nil
}

// derivedPartition stages one computed partition, traced as an ingested
// partition is ("partition", with its "stage" child).
func (r *Runner) derivedPartition(ctx context.Context, tx *publish.Txn, job *Job, d Derived) (res Result) {
	ctx, span := r.opts.Tracer.Start(ctx, "partition", trace.WithAttributes(attrJob.String(job.Name), attrPartition.String(d.Partition.Path)))
	defer func() { endPartition(span, res) }()
	res = Result{Job: job.Name, Partition: d.Partition.Path, Month: d.Partition.Month, Rows: d.File.Rows}
	res.Status, res.Err = r.stageDerived(ctx, tx, job, d)
	r.logger.Info("partition", "job", job.Name, "partition", d.Partition.Path, "status", res.Status, "rows", res.Rows)
	return res
}

// stageDerived stages d's new file in tx, unless the committed state of
// its partition already has these bytes. The caller holds the lease.
func (r *Runner) stageDerived(ctx context.Context, tx *publish.Txn, job *Job, d Derived) (Status, error) {
	old, err := tx.Load(ctx, d.Partition.Path)
	if err != nil {
		return StatusFailed, err
	}
	if g := old.Group(derivedGroup); g != nil && len(g.Files) == 1 && g.Files[0].SHA256 == d.File.SHA256 {
		if err := tx.Settle(ctx, old); err != nil {
			return StatusFailed, err
		}
		return StatusUnchanged, nil
	}
	f := d.File
	f.Name = derivedGroup + ".parquet"
	ctx, stage := r.opts.Tracer.Start(ctx, "stage", trace.WithAttributes(attrPartition.String(d.Partition.Path)))
	_, err = tx.Publish(ctx, publish.Commit{
		Partition: d.Partition,
		Group:     publish.Group{Name: derivedGroup, Job: job.Name, Inputs: d.Inputs, Warnings: d.Warnings},
		Local:     []publish.LocalFile{f},
	})
	endSpan(stage, err)
	if err != nil {
		return StatusFailed, err
	}
	return StatusWritten, nil
}

package pipeline

// One release as one transaction: every partition it writes (data,
// quarantine, history, withdrawn months) is staged under its lease, and
// one outcome record makes all of them current at once.

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/tradepipe/tradepipe/internal/schema"
	"github.com/tradepipe/tradepipe/sinks/publish"
	"github.com/tradepipe/tradepipe/sources"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
)

// releaseTxn is one release's transaction and the leases it holds until
// the transaction's views are refreshed.
type releaseTxn struct {
	tx     *publish.Txn
	leases *leaseSet
	// unleasedQuarantine are the quarantine partitions beginRelease
	// found, under their data partition's lease, that the release need
	// not write (needsQuarantine).
	unleasedQuarantine map[string]bool
	tracer             trace.Tracer
	tables             Tables // nil: no table-format snapshots
	logger             *slog.Logger
}

// beginRelease takes, in sorted order, the leases of every partition the
// release col holds may write (its data partitions, their quarantine and
// history, the undated quarantine, and the partitions the previous version
// at the same location wrote, which a correction may withdraw), and starts
// its transaction. A data partition's quarantine is left out when the
// release quarantined nothing there and, read once the data partition's
// lease is held, there is nothing of the job's to clear (needsQuarantine):
// then the release does not write it. Every writer of the job's
// quarantine there holds that lease too (a rejected row's target is one
// of its data partitions), so the read sees every such commit before it.
// When there is something to clear, the leases are given back and taken
// again with every quarantine, in order.
func (r *Runner) beginRelease(ctx context.Context, job *Job, rel *sources.Release, col *collector, inputs []publish.Input, group string) (*releaseTxn, error) {
	// The second pass skips no quarantine, so it always returns.
	for skip := true; ; skip = false {
		var paths []string
		var skipped []schema.Partition
		for _, d := range col.dataParts() {
			paths = append(paths, d.p.Path)
			if !skip || col.quarantineFor(d.p) != nil {
				paths = append(paths, schema.QuarantineOf(d.p).Path)
			} else {
				skipped = append(skipped, d.p)
			}
			if versioned(job, d.p) {
				paths = append(paths, HistoryPartition(d.p).Path)
			}
		}
		for p := range col.quarantine {
			paths = append(paths, p)
		}
		prev, err := r.previousLocation(ctx, job, rel)
		if err != nil {
			return nil, err
		}
		if prev != nil {
			for _, dir := range prev.Partitions {
				paths = append(paths, dir, schema.QuarantineOf(schema.Partition{Path: dir}).Path)
			}
		}
		leases, err := lockAll(ctx, r.opts.Locker, paths)
		if err != nil {
			return nil, err
		}
		unleased := map[string]bool{}
		changed := false
		for _, p := range skipped {
			qp := schema.QuarantineOf(p).Path
			if leases.held[qp] {
				continue // leased for another reason (a withdrawn month)
			}
			need, err := r.needsQuarantine(ctx, job, col, p, group)
			if err != nil {
				leases.release()
				return nil, err
			}
			if need {
				changed = true
				break
			}
			unleased[qp] = true
		}
		if changed {
			leases.release()
			continue
		}
		return &releaseTxn{tx: r.pub.Begin(job.Name, rel.ReleaseID, inputs), leases: leases, unleasedQuarantine: unleased,
			tracer: r.opts.Tracer, tables: r.opts.Tables, logger: r.logger}, nil
	}
}

// needsQuarantine reports whether the release col holds writes the
// quarantine partition of data partition p: it quarantined rows there, or
// the partition's committed state has files of the job that the release
// drops (quarantineToClear). Most releases quarantine nothing in a
// partition that never had a quarantined row; this read of its committed
// state under p's lease, without the quarantine's, spares them the lease,
// its two writes and the record load. It sees what every earlier writer
// of the job's quarantine there committed, and a later one waits for p's
// lease, so it comes after this release; a staged record with no outcome
// is invisible, and the partition's next lease holder aborts it.
func (r *Runner) needsQuarantine(ctx context.Context, job *Job, col *collector, p schema.Partition, group string) (bool, error) {
	if col.quarantineFor(p) != nil {
		return true, nil
	}
	qp := schema.QuarantineOf(p).Path
	cur, err := publish.Load(ctx, r.opts.Lake, qp)
	if err != nil {
		return false, fmt.Errorf("quarantine of %s: %w", p.Path, err)
	}
	return len(quarantineToClear(job, cur, quarantineGroup(job, group))) > 0, nil
}

// finish commits the transaction when no result failed and aborts it
// otherwise, then gives the leases back. When the release is not
// committed, every result that staged a write fails with the reason:
// nothing of it is visible.
func (rt *releaseTxn) finish(ctx context.Context, results []Result) []Result {
	defer rt.leases.release()
	ctx, span := rt.tracer.Start(ctx, "commit", trace.WithAttributes(attrTxn.String(rt.tx.ID()), attribute.Int("tradepipe.partitions", len(results))))
	var err error
	defer func() { endSpan(span, err) }()
	if first := firstFailure(results); first != nil {
		err = fmt.Errorf("release not committed: %w", first)
		if aerr := rt.tx.Abort(ctx); aerr != nil {
			err = fmt.Errorf("%w (abort: %v)", err, aerr)
		}
	} else if cerr := rt.tx.Commit(ctx); cerr != nil {
		err = fmt.Errorf("commit release (txn %s): %w", rt.tx.ID(), cerr)
	}
	if err == nil {
		return rt.snapshot(ctx, results)
	}
	for i := range results {
		if results[i].Status == StatusWritten {
			results[i].Status, results[i].Err = StatusFailed, err
		}
	}
	return results
}

// snapshot writes the committed release's table snapshots, still under
// its leases, and hands them to the written results. A failure leaves the
// release committed: it is logged, and the next Recover catches up.
func (rt *releaseTxn) snapshot(ctx context.Context, results []Result) []Result {
	if rt.tables == nil || !rt.tx.Staged() {
		return results
	}
	snaps, err := rt.tables.CommitTxn(ctx, rt.tx.ID())
	if err != nil {
		if rt.logger != nil {
			rt.logger.ErrorContext(ctx, "table snapshots not written; the next run catches up", "txn", rt.tx.ID(), "err", err)
		}
		return results
	}
	for i := range results {
		if results[i].Status == StatusWritten {
			results[i].Txn, results[i].Snapshots = rt.tx.ID(), snaps
		}
	}
	return results
}

func firstFailure(rs []Result) error {
	for _, r := range rs {
		if r.Status == StatusFailed {
			if r.Err != nil {
				return r.Err
			}
			return fmt.Errorf("partition %s failed", r.Partition)
		}
	}
	return nil
}

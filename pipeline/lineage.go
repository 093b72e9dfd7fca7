package pipeline

import (
	"context"
	"time"

	"github.com/tradepipe/tradepipe/internal/lineage"
	"github.com/tradepipe/tradepipe/internal/schema"
	"github.com/tradepipe/tradepipe/sinks/publish"
)

// lineageTimeout bounds one event's send: lineage never holds up a run
// for long, and never fails it.
const lineageTimeout = 10 * time.Second

// emitLineage sends the OpenLineage event of type t for a release's
// transaction tx with inputs: START once the transaction begins, then
// COMPLETE with the tables and partitions it committed, or FAIL with why
// it was not (cause). tx is nil for a release that failed before its
// transaction began (archive, parse): a FAIL of its own run. Without
// Options.Lineage it does nothing.
func (r *Runner) emitLineage(ctx context.Context, t lineage.EventType, job *Job, tx *publish.Txn, releaseID string, inputs []publish.Input, snaps []TableSnapshot, cause error) {
	if r.opts.Lineage == nil {
		return
	}
	rel := lineage.Release{Job: job.Name, ReleaseID: releaseID, Err: r.opts.Redactor.Error(cause)}
	if tx != nil {
		rel.TxnID = tx.ID()
	}
	for _, in := range inputs {
		rel.Inputs = append(rel.Inputs, lineage.Input{URI: in.URI, SHA256: in.SHA256, ReleaseID: in.ReleaseID})
	}
	if t == lineage.Complete && tx != nil {
		var parts []lineage.Partition
		for _, p := range tx.StagedPartitions() {
			parts = append(parts, lineage.Partition{Path: p.Partition, Seq: p.Seq})
		}
		rel.Outputs = lineage.Tables(parts)
		withSnapshots(rel.Outputs, snaps)
	}
	// Sent even when the run's ctx is done: the commit happened.
	lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), lineageTimeout)
	defer cancel()
	if err := r.opts.Lineage.Emit(lctx, t, r.opts.Now().UTC(), rel); err != nil {
		r.logger.WarnContext(ctx, "lineage event not sent", "job", job.Name, "txn", rel.TxnID, "event", string(t), "err", err)
	}
}

// withSnapshots gives each output the Iceberg snapshot its table's commit
// made (Options.Tables), matched by the table's location.
func withSnapshots(outs []lineage.Output, snaps []TableSnapshot) {
	for _, sn := range snaps {
		t, err := schema.TableNamed(sn.Table)
		if err != nil {
			continue
		}
		for i := range outs {
			if outs[i].Table == t.Location && outs[i].SnapshotID == nil {
				id := sn.SnapshotID
				outs[i].SnapshotID, outs[i].Metadata = &id, sn.Metadata
			}
		}
	}
}

// snapshotsOf collects the table snapshots the written results carry.
func snapshotsOf(results []Result) []TableSnapshot {
	var out []TableSnapshot
	seen := map[string]bool{}
	for _, r := range results {
		for _, sn := range r.Snapshots {
			if !seen[sn.Table] {
				seen[sn.Table] = true
				out = append(out, sn)
			}
		}
	}
	return out
}

// lineageOutcome is the event that ends a release whose results are
// final: FAIL with the first failure, else COMPLETE.
func lineageOutcome(results []Result) (lineage.EventType, error) {
	if err := firstFailure(results); err != nil {
		return lineage.Fail, err
	}
	return lineage.Complete, nil
}

package pipeline

import (
	"context"
	"time"

	"github.com/tradepipe/tradepipe/internal/lineage"
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
func (r *Runner) emitLineage(ctx context.Context, t lineage.EventType, job *Job, tx *publish.Txn, releaseID string, inputs []publish.Input, cause error) {
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
	}
	// Sent even when the run's ctx is done: the commit happened.
	lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), lineageTimeout)
	defer cancel()
	if err := r.opts.Lineage.Emit(lctx, t, r.opts.Now().UTC(), rel); err != nil {
		r.logger.WarnContext(ctx, "lineage event not sent", "job", job.Name, "txn", rel.TxnID, "event", string(t), "err", err)
	}
}

// lineageOutcome is the event that ends a release whose results are
// final: FAIL with the first failure, else COMPLETE.
func lineageOutcome(results []Result) (lineage.EventType, error) {
	if err := firstFailure(results); err != nil {
		return lineage.Fail, err
	}
	return lineage.Complete, nil
}

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
// it was not (cause). Without Options.Lineage it does nothing.
func (r *Runner) emitLineage(ctx context.Context, t lineage.EventType, job *Job, tx *publish.Txn, releaseID string, inputs []publish.Input, cause error) {
	if r.opts.Lineage == nil {
		return
	}
	rel := lineage.Release{Job: job.Name, TxnID: tx.ID(), ReleaseID: releaseID, Err: cause}
	for _, in := range inputs {
		rel.Inputs = append(rel.Inputs, lineage.Input{URI: in.URI, SHA256: in.SHA256, ReleaseID: in.ReleaseID})
	}
	if t == lineage.Complete {
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
		r.logger.WarnContext(ctx, "lineage event not sent", "job", job.Name, "txn", tx.ID(), "event", string(t), "err", err)
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

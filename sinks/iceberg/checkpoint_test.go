package iceberg

import (
	"context"
	"testing"
	"time"
)

// Catchup with a checkpoint: a transaction committed in the lake whose
// snapshot a crash cut off (between the lake's commit and the Iceberg
// commit) is applied by the next Catchup, and once the table is up to
// date and the checkpoint past its records, Catchup reads no transaction
// record at all (counted through the lake), however many there are.
func TestCatchupCheckpoint(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t, nil)
	for i := range 6 {
		h.release(map[int]int{1 + i: 2}, time.Hour)
	}
	// A release committed in the lake, its snapshot never written: the
	// crash between the two commits.
	lost := h.commit(map[int]int{1: 4})
	h.clock = h.clock.Add(time.Hour)

	h.lake.txnGets = nil
	snaps, err := h.w.Catchup(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(snaps) != 1 || snaps[0].Txn != lost {
		t.Fatalf("catch-up wrote %+v, want the snapshot of %s", snaps, lost)
	}
	h.record(snaps[0].SnapshotID)
	if len(h.lake.txnGets) != 1 || h.lake.txnGets[lost] == 0 {
		t.Errorf("the first catch-up read the records of %v, want only %s's, the one no snapshot names", h.lake.txnGets, lost)
	}
	md, _, err := h.w.Current(ctx, "trade_flows")
	if err != nil {
		t.Fatal(err)
	}
	if n := len(md.Snapshots()); n != 7 || md.CurrentSnapshot().Summary.Properties[PropTxn] != lost {
		t.Fatalf("%d snapshots, current names %q; want 7, the lost release's", n, md.CurrentSnapshot().Summary.Properties[PropTxn])
	}
	cp, err := h.w.readCheckpoint(ctx)
	if err != nil || cp.Since.IsZero() {
		t.Fatalf("no checkpoint after catch-up: %+v %v", cp, err)
	}

	// An aborted transaction: a record no snapshot will ever name.
	tx := h.pub.Begin("census-exports", "aborted", nil)
	h.n++
	if _, err := tx.Publish(ctx, h.commitOf(9, 1)); err != nil {
		t.Fatal(err)
	}
	if err := tx.Abort(ctx); err != nil {
		t.Fatal(err)
	}
	// While the checkpoint is not past it, it is read again; once a
	// later record moved the checkpoint past it, never.
	h.lake.txnGets = nil
	if _, err := h.w.Catchup(ctx); err != nil {
		t.Fatal(err)
	}
	if len(h.lake.txnGets) != 1 || h.lake.txnGets[tx.ID()] != 1 {
		t.Errorf("catch-up read the records of %v, want the aborted %s once", h.lake.txnGets, tx.ID())
	}
	h.clock = h.clock.Add(time.Hour)
	h.release(map[int]int{10: 1}, time.Hour) // the next release stamps later
	if _, err := h.w.Catchup(ctx); err != nil {
		t.Fatal(err)
	}
	h.lake.txnGets = nil
	if _, err := h.w.Catchup(ctx); err != nil {
		t.Fatal(err)
	}
	if len(h.lake.txnGets) != 0 {
		t.Errorf("an up-to-date table's catch-up read the records of %v, want none", h.lake.txnGets)
	}

	// A transaction that began before a catch-up (its id sorts before
	// the checkpoint's records) and committed after it, its snapshot cut
	// off: it is stamped when committed, so the next catch-up applies it.
	late := h.pub.Begin("census-exports", "late", nil)
	h.n++
	if _, err := late.Publish(ctx, h.commitOf(11, 3)); err != nil {
		t.Fatal(err)
	}
	h.clock = h.clock.Add(time.Hour)
	h.release(map[int]int{12: 1}, time.Hour)
	if _, err := h.w.Catchup(ctx); err != nil {
		t.Fatal(err)
	}
	if err := late.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	h.cur[11] = 3
	snaps, err = h.w.Catchup(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(snaps) != 1 || snaps[0].Txn != late.ID() {
		t.Fatalf("catch-up after a late commit wrote %+v, want the snapshot of %s", snaps, late.ID())
	}
	h.record(snaps[0].SnapshotID)
	h.readable("after catch-up")

	// Without a checkpoint every record no snapshot names is read on
	// every call: the cost the checkpoint removes.
	h.w.Checkpoint = ""
	h.lake.txnGets = nil
	if _, err := h.w.Catchup(ctx); err != nil {
		t.Fatal(err)
	}
	if h.lake.txnGets[tx.ID()] != 1 {
		t.Errorf("without a checkpoint catch-up read the records of %v, want the aborted one", h.lake.txnGets)
	}
}

package publish

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/tradepipe/tradepipe/internal/civil"
	"github.com/tradepipe/tradepipe/internal/schema"
)

var part2 = schema.TradeFlowPartition("census", "export", civil.Month{Year: 2020, Month: 5})

// Staged records are invisible to Load and Partitions until the outcome
// record says committed; then both partitions are current at once.
func TestTxnCommitMakesAllPartitionsCurrentAtOnce(t *testing.T) {
	ctx := context.Background()
	l := newLake(t)
	p := &Publisher{Lake: l, Now: func() time.Time { return time.Unix(0, 0) }}
	if _, err := p.Publish(ctx, commit(t, "part-00000", "v1", local(t, "part-00000.parquet", "one"))); err != nil {
		t.Fatal(err)
	}
	tx := p.Begin("job", "r2", nil)
	c2 := commit(t, "part-00000", "v2", local(t, "part-00000.parquet", "two"))
	if _, err := tx.Publish(ctx, c2); err != nil {
		t.Fatal(err)
	}
	c3 := commit(t, "part-00000", "v2", local(t, "part-00000.parquet", "five"))
	c3.Partition = part2
	if _, err := tx.Publish(ctx, c3); err != nil {
		t.Fatal(err)
	}
	if m, _ := Load(ctx, l, part.Path); m == nil || m.Seq != 1 || m.Groups[0].Inputs[0].SHA256 != "v1" {
		t.Fatalf("staged record visible: %+v", m)
	}
	if dirs, err := Partitions(ctx, l, "trade_flows/"); err != nil || len(dirs) != 1 {
		t.Fatalf("Partitions before the commit: %v, %v", dirs, err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	for _, dir := range []string{part.Path, part2.Path} {
		m, err := Load(ctx, l, dir)
		if err != nil || m == nil || m.Txn != tx.ID() || m.Groups[0].Inputs[0].SHA256 != "v2" {
			t.Fatalf("%s after the commit: %+v, %v", dir, m, err)
		}
	}
	if st, err := TxnState(ctx, l, tx.ID()); err != nil || st != TxnCommitted {
		t.Fatalf("outcome %q, %v", st, err)
	}
}

// A writer that finds a staged record with no outcome (it holds the lease,
// so the stager lost it) aborts the transaction and stacks its own record
// on the last committed one; the stager's Commit then fails with
// ErrConflict and nothing of it becomes visible.
func TestTxnAbortedByNextLeaseHolder(t *testing.T) {
	ctx := context.Background()
	l := newLake(t)
	p := &Publisher{Lake: l, Now: func() time.Time { return time.Unix(0, 0) }}
	if _, err := p.Publish(ctx, commit(t, "part-00000", "v1", local(t, "part-00000.parquet", "one"))); err != nil {
		t.Fatal(err)
	}
	tx := p.Begin("job", "r2", nil)
	if _, err := tx.Publish(ctx, commit(t, "part-00000", "v2", local(t, "part-00000.parquet", "two"))); err != nil {
		t.Fatal(err)
	}
	m, err := p.Publish(ctx, commit(t, "part-00000", "v3", local(t, "part-00000.parquet", "three")))
	if err != nil {
		t.Fatal(err)
	}
	if m.Seq != 2 || m.Parent != 1 {
		t.Fatalf("next writer's record seq %d parent %d, want 2 on 1 (the aborted record dropped)", m.Seq, m.Parent)
	}
	if err := tx.Commit(ctx); !errors.Is(err, ErrConflict) {
		t.Fatalf("stager's commit after the abort: %v, want ErrConflict", err)
	}
	if st, _ := TxnState(ctx, l, tx.ID()); st != TxnAborted {
		t.Fatalf("outcome %q, want aborted", st)
	}
	if cur, _ := Load(ctx, l, part.Path); cur == nil || cur.Groups[0].Inputs[0].SHA256 != "v3" {
		t.Fatalf("current: %+v", cur)
	}
	if got := keys(t, l); len(got) != 3 { // part-00000.parquet, _manifest.json, _SUCCESS
		t.Fatalf("view: %v", got)
	}
}

// A stager that committed before the next lease holder looked wins: the
// holder sees the committed record, not an abort.
func TestTxnCommittedBeforeTheNextHolderLooks(t *testing.T) {
	ctx := context.Background()
	l := newLake(t)
	p := &Publisher{Lake: l, Now: func() time.Time { return time.Unix(0, 0) }}
	tx := p.Begin("job", "r1", nil)
	if _, err := tx.Publish(ctx, commit(t, "part-00000", "v1", local(t, "part-00000.parquet", "one"))); err != nil {
		t.Fatal(err)
	}
	if err := p.decide(ctx, TxnRecord{ID: tx.ID(), State: TxnCommitted}); err != nil {
		t.Fatal(err)
	}
	if err := p.Recover(ctx, part.Path); err != nil {
		t.Fatal(err)
	}
	if m, _ := Load(ctx, l, part.Path); m == nil || m.Seq != 1 || m.Txn != tx.ID() {
		t.Fatalf("after Recover: %+v", m)
	}
	if got := keys(t, l); len(got) != 3 {
		t.Fatalf("view after Recover: %v", got)
	}
}

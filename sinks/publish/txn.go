package publish

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/tradepipe/tradepipe/sinks/lake"
)

// TxnRoot holds one outcome record per transaction, TxnKey(id): the
// commit point of a release.
const TxnRoot = TablesRoot + "/_txn/"

// Outcomes of a transaction.
const (
	TxnCommitted = "committed"
	TxnAborted   = "aborted"
)

// TxnKey is the key of transaction id's outcome record.
func TxnKey(id string) string { return TxnRoot + id + ".json" }

// TxnRecord is a transaction's outcome. The committed record lists every
// partition the transaction staged and the seq of its staged record: one
// snapshot of the lake per release.
type TxnRecord struct {
	SchemaVersion int            `json:"schema_version"`
	ID            string         `json:"id"`
	State         string         `json:"state"`
	Job           string         `json:"job,omitempty"`
	ReleaseID     string         `json:"release_id,omitempty"`
	Inputs        []Input        `json:"inputs,omitempty"`
	Partitions    []TxnPartition `json:"partitions,omitempty"`
	At            time.Time      `json:"at"`
}

// TxnPartition is one partition a transaction staged.
type TxnPartition struct {
	Partition string `json:"partition"`
	Seq       int64  `json:"seq"`
}

// TxnState reads the outcome of transaction id: TxnCommitted, TxnAborted,
// or "" while it has none (staged, its writer running or gone). ctx bounds
// the read; errors are the lake's or a record that does not decode.
func TxnState(ctx context.Context, l lake.Lake, id string) (string, error) {
	b, err := lake.ReadAll(ctx, l, TxnKey(id))
	if errors.Is(err, lake.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read transaction %s: %w", id, err)
	}
	var rec TxnRecord
	if err := json.Unmarshal(b, &rec); err != nil {
		return "", fmt.Errorf("decode transaction %s: %w", id, err)
	}
	if rec.State != TxnCommitted && rec.State != TxnAborted {
		return "", fmt.Errorf("transaction %s: unknown state %q", id, rec.State)
	}
	return rec.State, nil
}

// Txn is one release's transaction: every partition it publishes is staged
// (a log record carrying the txn id, invisible to readers), and Commit
// makes all of them current with one conditional write. Not safe for
// concurrent use; the caller holds the lease of every partition it
// stages from Publish until Commit (or Abort) returns.
type Txn struct {
	p      *Publisher
	rec    TxnRecord
	staged map[string]*Manifest // latest staged record per partition
	order  []string
	// data maps the sha256 of each data file the transaction put (or
	// found) to its key: a release stages the same bytes in its data
	// partition and its history, and the second is a copy in the lake
	// (a hard link on a directory, CopyObject on S3), not a second upload.
	data map[string]string
}

// Begin starts a transaction for one release. Nothing is written until
// the first Publish.
func (p *Publisher) Begin(job, releaseID string, inputs []Input) *Txn {
	var nonce [8]byte
	_, _ = rand.Read(nonce[:])
	id := p.now().Format("20060102T150405Z") + "-" + hex.EncodeToString(nonce[:])
	return &Txn{p: p, rec: TxnRecord{SchemaVersion: 1, ID: id, Job: job, ReleaseID: releaseID, Inputs: inputs}, staged: map[string]*Manifest{}, data: map[string]string{}}
}

// ID is the transaction's id, as staged records and the outcome carry it.
func (t *Txn) ID() string { return t.rec.ID }

// StagedPartitions returns each partition the transaction staged and the
// seq of its staged record, sorted by partition: after Commit, what the
// release committed (the outcome record lists the same).
func (t *Txn) StagedPartitions() []TxnPartition {
	out := make([]TxnPartition, 0, len(t.order))
	for _, dir := range t.order {
		out = append(out, TxnPartition{Partition: dir, Seq: t.staged[dir].Seq})
	}
	slices.SortFunc(out, func(a, b TxnPartition) int { return compareStr(a.Partition, b.Partition) })
	return out
}

// stagedFor returns the record t staged for dir; false for a nil t.
func (t *Txn) stagedFor(dir string) (*Manifest, bool) {
	if t == nil {
		return nil, false
	}
	m, ok := t.staged[dir]
	return m, ok
}

// dataKey returns the key of a data file with checksum sha that t put or
// found; false for a nil t.
func (t *Txn) dataKey(sha string) (string, bool) {
	if t == nil {
		return "", false
	}
	k, ok := t.data[sha]
	return k, ok
}

// putData remembers that the data file with checksum sha is at key; a nil
// t remembers nothing.
func (t *Txn) putData(sha, key string) {
	if t != nil {
		t.data[sha] = key
	}
}

// Staged reports whether Publish staged anything.
func (t *Txn) Staged() bool { return len(t.order) > 0 }

// Load returns partition dir's state as this transaction sees it: its own
// staged record if it staged one, else the latest committed record. A
// record of another transaction that has no outcome is aborted on the way
// (the caller holds the lease, so its stager lost it). ctx bounds the lake
// calls.
func (t *Txn) Load(ctx context.Context, dir string) (*Manifest, error) {
	if m, ok := t.staged[dir]; ok {
		return m, nil
	}
	m, _, err := t.p.head(ctx, dir)
	return m, err
}

// Publish stages c: its data files, the partition's pending marker and a
// log record carrying the txn id, stacked on the partition's committed
// state (or on this transaction's earlier record of it). Nothing is
// visible until Commit. It returns the staged state, or the current one
// unchanged when c changes nothing.
func (t *Txn) Publish(ctx context.Context, c Commit) (*Manifest, error) {
	return t.p.publish(ctx, c, t)
}

// Settle is Publisher.Settle for a state this transaction did not stage;
// its own staged states are settled by Commit.
func (t *Txn) Settle(ctx context.Context, m *Manifest) error {
	if m == nil || m.Txn == t.rec.ID {
		return nil
	}
	return t.p.Settle(ctx, m)
}

// Commit writes the transaction's outcome record with PutIfAbsent: the one
// write that makes every staged partition current at once. Then it
// refreshes each partition's view. A transaction that staged nothing
// writes nothing. ErrConflict means another writer aborted the
// transaction first (a lease was lost): nothing of it is visible. An error
// after the outcome is written leaves the release committed; Recover
// finishes the views. ctx bounds the lake calls.
func (t *Txn) Commit(ctx context.Context) error {
	if !t.Staged() {
		return nil
	}
	rec := t.rec
	rec.State, rec.At = TxnCommitted, t.p.now()
	for _, dir := range t.order {
		rec.Partitions = append(rec.Partitions, TxnPartition{Partition: dir, Seq: t.staged[dir].Seq})
	}
	slices.SortFunc(rec.Partitions, func(a, b TxnPartition) int { return compareStr(a.Partition, b.Partition) })
	key := TxnKey(rec.ID)
	if err := t.p.hook(StepTxn, key); err != nil {
		return err
	}
	if err := t.p.decide(ctx, rec); err != nil {
		return err
	}
	for _, dir := range t.order {
		if err := t.p.settle(ctx, t.staged[dir], true); err != nil {
			return err
		}
	}
	return nil
}

// Abort writes the aborted outcome, when anything was staged, so the next
// writer of each partition need not decide. The staged records and files
// are collected by the next Settle or Recover of each partition. ctx
// bounds the write.
func (t *Txn) Abort(ctx context.Context) error {
	if !t.Staged() {
		return nil
	}
	rec := t.rec
	rec.State, rec.At = TxnAborted, t.p.now()
	err := t.p.decide(ctx, rec)
	if errors.Is(err, ErrConflict) {
		return nil // decided already: by an aborter, never committed by us
	}
	return err
}

// decide writes rec as its transaction's outcome; ErrConflict when an
// outcome other than rec's is there.
func (p *Publisher) decide(ctx context.Context, rec TxnRecord) error {
	b, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		return fmt.Errorf("encode transaction %s: %w", rec.ID, err)
	}
	_, err = p.Lake.PutIfAbsent(ctx, TxnKey(rec.ID), bytes.NewReader(b))
	if errors.Is(err, lake.ErrPrecondition) {
		st, rerr := TxnState(ctx, p.Lake, rec.ID)
		if rerr != nil {
			return rerr
		}
		if st == rec.State {
			return nil
		}
		return fmt.Errorf("transaction %s is %s: %w", rec.ID, st, ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("write transaction %s: %w", rec.ID, err)
	}
	return nil
}

// head returns partition dir's latest committed record and the highest seq
// in its log, for a writer holding the partition's lease. A record whose
// transaction has no outcome is aborted here, and aborted records are
// deleted so the log's numbering stays dense: the lease holder is the only
// writer, so the stager is gone or lost its lease.
func (p *Publisher) head(ctx context.Context, dir string) (*Manifest, int64, error) {
	return resolve(ctx, p.Lake, dir, func(m *Manifest, st string) (string, error) {
		if st == "" {
			err := p.decide(ctx, TxnRecord{SchemaVersion: 1, ID: m.Txn, State: TxnAborted, At: p.now()})
			if errors.Is(err, ErrConflict) {
				return TxnCommitted, nil // the stager committed first
			}
			if err != nil {
				return "", err
			}
			st = TxnAborted
		}
		if st == TxnAborted {
			if err := p.Lake.Delete(ctx, LogKey(dir, m.Seq)); err != nil {
				return "", fmt.Errorf("drop aborted record %d of %s: %w", m.Seq, dir, err)
			}
		}
		return st, nil
	})
}

// resolve walks dir's log from the newest record and returns the first
// committed one (records without txn, and records of committed
// transactions) and the highest seq still in the log after decide has seen
// every newer record. decide maps a record and its transaction's state to
// the state to act on.
func resolve(ctx context.Context, l lake.Lake, dir string, decide func(*Manifest, string) (string, error)) (*Manifest, int64, error) {
	seqs, err := logSeqs(ctx, l, dir)
	if err != nil {
		return nil, 0, fmt.Errorf("load commit log of %s: %w", dir, err)
	}
	var top int64
	for i := len(seqs) - 1; i >= 0; i-- {
		m, err := loadCommit(ctx, l, dir, seqs[i])
		if errors.Is(err, lake.ErrNotExist) {
			continue // an aborted record dropped meanwhile
		}
		if err != nil {
			return nil, 0, err
		}
		if m.Txn == "" {
			return m, max(top, m.Seq), nil
		}
		st, err := TxnState(ctx, l, m.Txn)
		if err != nil {
			return nil, 0, fmt.Errorf("load commit %d of %s: %w", m.Seq, dir, err)
		}
		if decide != nil {
			if st, err = decide(m, st); err != nil {
				return nil, 0, err
			}
		}
		if st == TxnCommitted {
			return m, max(top, m.Seq), nil
		}
		if st == "" && top == 0 {
			top = m.Seq // undecided and kept: numbering goes past it
		}
	}
	return nil, top, nil
}

func compareStr(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

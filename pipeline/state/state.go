package state

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"strings"

	"github.com/tradepipe/tradepipe/internal/civil"
	"github.com/tradepipe/tradepipe/sinks/lake"
)

// Version is the layout version; it is the name of the directory under
// _state/ every key of this layout lives in.
const Version = 1

// Root is the prefix of every key of this layout.
const Root = "_state/v1/"

// Key functions: the one place _state keys are spelled.

// LedgerPrefix is where job's ledger records live.
func LedgerPrefix(job string) string { return Root + "ledger/" + job + "/" }

// LedgerKey is the record of one (job, month).
func LedgerKey(job string, m civil.Month) string { return LedgerPrefix(job) + m.String() + ".json" }

// WatermarkKey is job's schedule watermark.
func WatermarkKey(job string) string { return Root + "watermarks/" + job + ".json" }

// BackfillPrefix is where backfills live.
const BackfillPrefix = Root + "backfills/"

// BackfillKey is backfill id's record.
func BackfillKey(id string) string { return BackfillPrefix + id + ".json" }

// LeasePrefix is where package sinks/lease keeps leases.
const LeasePrefix = Root + "leases/"

// FetchKey holds the validators of job's last published fetch of m.
func FetchKey(job string, m civil.Month) string {
	return Root + "fetch/" + job + "/" + m.String() + ".json"
}

// ReconcilePrefix is where reconciliation records live.
const ReconcilePrefix = Root + "reconcile/"

// ReconcileKey is the reconciliation record of source, flow and m.
func ReconcileKey(source, flow string, m civil.Month) string {
	return ReconcilePrefix + source + "/" + flow + "/" + m.String() + ".json"
}

// InputKey is the content index record of an input of job.
func InputKey(job, sha string) string { return Root + "inputs/" + job + "/" + sha + ".json" }

// InputPrefix is where job's content index lives.
func InputPrefix(job string) string { return Root + "inputs/" + job + "/" }

// LocationKey is the location index record of a source location (given as
// its hex sha256) of job.
func LocationKey(job, uriHash string) string {
	return Root + "inputs/" + job + "/by-location/" + uriHash + ".json"
}

// IcebergCheckpointKey is where sinks/iceberg's Catchup keeps its
// checkpoint (Writer.Checkpoint).
const IcebergCheckpointKey = Root + "iceberg/catchup.json"

// ErrNotExist is lake.ErrNotExist: Get's error for a missing record.
var ErrNotExist = lake.ErrNotExist

// Store reads and writes _state records in a lake.
type Store struct {
	lake lake.Conditional
}

// New returns a store over l.
func New(l lake.Conditional) *Store { return &Store{lake: l} }

// Lake returns the store's lake.
func (s *Store) Lake() lake.Conditional { return s.lake }

// Get decodes the record at key into v and returns its ETag. The error
// wraps ErrNotExist when there is none. ctx bounds the read.
func (s *Store) Get(ctx context.Context, key string, v any) (string, error) {
	b, etag, err := s.lake.GetVersion(ctx, key)
	if err != nil {
		return "", err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return "", fmt.Errorf("decode %s: %w", key, err)
	}
	return etag, nil
}

// Put replaces the record at key with v, last writer wins: only for keys
// with one writer by construction. ctx bounds the write.
func (s *Store) Put(ctx context.Context, key string, v any) error {
	b, err := encode(v)
	if err != nil {
		return fmt.Errorf("encode %s: %w", key, err)
	}
	return s.lake.Put(ctx, key, bytes.NewReader(b))
}

// Delete removes the record at key; a missing record is not an error.
func (s *Store) Delete(ctx context.Context, key string) error { return s.lake.Delete(ctx, key) }

// maxAttempts bounds Update's compare-and-swap loop; each retry follows a
// write by another process, so running out means a livelock, not load.
const maxAttempts = 64

// ErrContended is returned (wrapped) when Update lost the race maxAttempts
// times in a row.
var ErrContended = errors.New("state record contended")

// Update applies fn to the latest version of the record at key and writes
// the result only if no one else wrote in between, retrying on a race: no
// update is ever lost. fn receives a pointer to the decoded record (the
// zero value and exists=false when there is none), may be called several
// times, and must base its change only on what it receives. fn returning
// an error stops Update with that error and writes nothing. It returns the
// record written. ctx bounds the whole loop.
func Update[T any](ctx context.Context, s *Store, key string, fn func(cur *T, exists bool) error) (*T, error) {
	for range maxAttempts {
		var cur T
		etag, err := s.Get(ctx, key, &cur)
		exists := err == nil
		if err != nil && !errors.Is(err, ErrNotExist) {
			return nil, err
		}
		if !exists {
			cur = *new(T)
		}
		if err := fn(&cur, exists); err != nil {
			return nil, err
		}
		b, err := encode(&cur)
		if err != nil {
			return nil, fmt.Errorf("encode %s: %w", key, err)
		}
		if exists {
			_, err = s.lake.PutIfMatch(ctx, key, etag, bytes.NewReader(b))
		} else {
			_, err = s.lake.PutIfAbsent(ctx, key, bytes.NewReader(b))
		}
		if errors.Is(err, lake.ErrPrecondition) {
			continue // someone wrote between our read and write: redo on theirs
		}
		if err != nil {
			return nil, fmt.Errorf("update %s: %w", key, err)
		}
		return &cur, nil
	}
	return nil, fmt.Errorf("update %s: %w", key, ErrContended)
}

// List yields the keys of the records under prefix (a Root-based prefix
// from this package), in key order. ctx bounds the listing.
func (s *Store) List(ctx context.Context, prefix string) iter.Seq2[string, error] {
	return func(yield func(string, error) bool) {
		for o, err := range s.lake.List(ctx, prefix) {
			if err != nil {
				yield("", err)
				return
			}
			if !strings.HasSuffix(o.Key, ".json") {
				continue
			}
			if !yield(o.Key, nil) {
				return
			}
		}
	}
}

func encode(v any) ([]byte, error) { return json.MarshalIndent(v, "", "  ") }

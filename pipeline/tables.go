package pipeline

// The table-format hook: after a release's outcome record is written, the
// transaction becomes table snapshots (Iceberg, sinks/iceberg), derived
// from the commit log and keyed by the transaction id.

import (
	"context"

	"github.com/tradepipe/tradepipe/sinks/publish"
)

// TableSnapshot is what one committed transaction made current in one
// table-format table.
type TableSnapshot = publish.TableSnapshot

// Tables turns committed transactions into table-format snapshots.
type Tables interface {
	// CommitTxn writes the snapshots of committed transaction id and
	// returns them (none for a transaction that changed no table). It is
	// idempotent: a snapshot already written for id is returned, not
	// written again. The engine calls it right after the outcome record,
	// still holding the release's leases. ctx bounds the lake calls. An
	// error leaves the release committed (the commit log is the truth);
	// Catchup writes what is missing.
	CommitTxn(ctx context.Context, id string) ([]TableSnapshot, error)
	// Catchup writes the snapshots of every committed transaction that
	// has none yet, in commit-id order: what a crash between a commit and
	// its snapshots left behind. Recover calls it. ctx bounds the lake
	// calls.
	Catchup(ctx context.Context) ([]TableSnapshot, error)
}

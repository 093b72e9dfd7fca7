package iceberg

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/tradepipe/tradepipe/sinks/lake"
)

// checkpointSlack is how far before the newest transaction record it
// listed Catchup sets its checkpoint. A record committed while Catchup
// listed (after the lister passed its key) is stamped at most the
// listing's duration before the newest record listed; a record committed
// after the listing is stamped later still. Both are read next time.
const checkpointSlack = 10 * time.Minute

// clockSkew is how far a writer's clock (snapshot times) may run behind
// the lake's (the transaction records' ModTime) for expiry to stay safe:
// a snapshot is expired only when its time is this far before the
// checkpoint, so its transaction's record is before the checkpoint too.
const clockSkew = 10 * time.Minute

// checkpoint is what Catchup keeps at Writer.Checkpoint: every
// transaction record the lake stamped before Since has been applied to
// the tables (or needed nothing), so Catchup reads none of them again.
// Since is a time of the lake's clock (an object's ModTime), never of
// the writer's, so hosts with skewed clocks agree on it.
type checkpoint struct {
	SchemaVersion int       `json:"schema_version"`
	Since         time.Time `json:"since"`
}

func (w *Writer) readCheckpoint(ctx context.Context) (checkpoint, error) {
	if w.Checkpoint == "" {
		return checkpoint{}, nil
	}
	b, err := lake.ReadAll(ctx, w.Lake, w.Checkpoint)
	if errors.Is(err, lake.ErrNotExist) {
		return checkpoint{}, nil
	}
	if err != nil {
		return checkpoint{}, fmt.Errorf("read iceberg checkpoint %s: %w", w.Checkpoint, err)
	}
	var cp checkpoint
	if err := json.Unmarshal(b, &cp); err != nil {
		// A checkpoint that does not decode only costs reads: start over.
		return checkpoint{}, nil
	}
	return cp, nil
}

// writeCheckpoint moves the checkpoint to checkpointSlack before latest,
// the newest record Catchup listed and applied, when that is later than
// cp's. Two Catchups may race: the later Put wins, and an older Since
// only costs reads.
func (w *Writer) writeCheckpoint(ctx context.Context, cp checkpoint, latest time.Time) error {
	if w.Checkpoint == "" || latest.IsZero() {
		return nil
	}
	since := latest.Add(-checkpointSlack).UTC()
	if !since.After(cp.Since) {
		return nil
	}
	b, err := json.Marshal(checkpoint{SchemaVersion: 1, Since: since})
	if err != nil {
		return err
	}
	if err := w.Lake.Put(ctx, w.Checkpoint, bytes.NewReader(b)); err != nil {
		return fmt.Errorf("write iceberg checkpoint %s: %w", w.Checkpoint, err)
	}
	return nil
}

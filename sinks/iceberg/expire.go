package iceberg

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	ice "github.com/apache/iceberg-go"
	icetable "github.com/apache/iceberg-go/table"

	"github.com/tradepipe/tradepipe/sinks/lake"
)

// Expire is the retention of a table's snapshots and metadata versions,
// kept in every table's properties under Iceberg's own names so that an
// engine maintaining the table applies the same rule.
type Expire struct {
	// MaxSnapshotAge: a snapshot superseded longer ago than this is
	// expired (history.expire.max-snapshot-age-ms). It must be at least
	// the commit protocol's retention of replaced files
	// (publish.DefaultRetention, 24h): until then a reader may be reading
	// the snapshot's files, after it the protocol may delete them.
	MaxSnapshotAge time.Duration
	// MinSnapshotsToKeep newest snapshots are kept whatever their age
	// (history.expire.min-snapshots-to-keep); at least 1, the current.
	MinSnapshotsToKeep int
	// PreviousVersionsMax bounds the metadata-log
	// (write.metadata.previous-versions-max).
	PreviousVersionsMax int
	// DeleteAfterCommit deletes the metadata versions that fell off the
	// metadata-log (write.metadata.delete-after-commit.enabled).
	DeleteAfterCommit bool
}

// Table properties the retention is kept in (Iceberg's names).
const (
	PropMaxSnapshotAgeMs    = icetable.MaxSnapshotAgeMsKey
	PropMinSnapshotsToKeep  = icetable.MinSnapshotsToKeepKey
	PropPreviousVersionsMax = icetable.MetadataPreviousVersionsMaxKey
	PropDeleteAfterCommit   = icetable.MetadataDeleteAfterCommitEnabledKey
)

// properties are e's table properties.
func (e *Expire) properties() ice.Properties {
	return ice.Properties{
		PropMaxSnapshotAgeMs:    strconv.FormatInt(e.MaxSnapshotAge.Milliseconds(), 10),
		PropMinSnapshotsToKeep:  strconv.Itoa(max(1, e.MinSnapshotsToKeep)),
		PropPreviousVersionsMax: strconv.Itoa(max(1, e.PreviousVersionsMax)),
		PropDeleteAfterCommit:   strconv.FormatBool(e.DeleteAfterCommit),
	}
}

// changedProperties returns the properties of e that md does not have
// yet (all of them for a new table's metadata).
func (e *Expire) changedProperties(md icetable.Metadata) ice.Properties {
	out := ice.Properties{}
	have := md.Properties()
	for k, v := range e.properties() {
		if have[k] != v {
			out[k] = v
		}
	}
	return out
}

// expired returns the ids of the snapshots of snaps (the table's
// snapshots with the one being committed, which is the newest) that the
// rule expires at nowMs:
//
//   - a snapshot is superseded when the next snapshot (by sequence
//     number) was committed; one superseded more than MaxSnapshotAge ago
//     is expired,
//   - except the MinSnapshotsToKeep newest, any snapshot a ref other
//     than main points at, and any snapshot committed at or after
//     coveredMs: its transaction record may be after Catchup's
//     checkpoint, and Catchup would take the transaction of a snapshot
//     gone from the table for one never applied.
//
// Snapshot times are commit times (the writer's clock, not behind the
// lake commit they follow), so a snapshot is never expired before the
// commit protocol may delete a file it replaced, while a snapshot whose
// files all still exist (later releases only added partitions) expires
// by age all the same: the durable as-of is the *_history tables.
func (e *Expire) expired(snaps []icetable.Snapshot, refs map[int64]bool, nowMs, coveredMs int64) []int64 {
	s := slices.Clone(snaps)
	slices.SortFunc(s, func(a, b icetable.Snapshot) int {
		return cmp.Or(cmp.Compare(a.SequenceNumber, b.SequenceNumber), cmp.Compare(a.TimestampMs, b.TimestampMs))
	})
	keep := max(1, e.MinSnapshotsToKeep)
	maxAge := e.MaxSnapshotAge.Milliseconds()
	var out []int64
	for i := 0; i < len(s)-keep; i++ {
		if refs[s[i].SnapshotID] || s[i].TimestampMs >= coveredMs {
			continue
		}
		if nowMs-s[i+1].TimestampMs > maxAge {
			out = append(out, s[i].SnapshotID)
		}
	}
	return out
}

// cleanup runs after metadata version v of table was committed: it
// deletes the manifest lists and manifests of the snapshots the commit
// expired (gone, the snapshots that were in the previous version and
// are not in v) and, with DeleteAfterCommit, the metadata versions
// older than the ones v's metadata-log keeps. Each snapshot has its own
// manifest list and manifests (a commit writes new ones), so nothing
// still referenced is deleted. A failure leaves files no metadata names,
// which sweep removes on a later commit; the table stays readable.
func (w *Writer) cleanup(ctx context.Context, table string, gone []icetable.Snapshot, prev, next icetable.Metadata, v int) error {
	for _, s := range gone {
		k, err := w.key(s.ManifestList)
		if err != nil {
			return err
		}
		b, err := lake.ReadAll(ctx, w.Lake, k)
		if errors.Is(err, lake.ErrNotExist) {
			continue
		}
		if err != nil {
			return err
		}
		mfs, err := ice.ReadManifestList(bytes.NewReader(b))
		if err != nil {
			return fmt.Errorf("read manifest list %s: %w", k, err)
		}
		for _, mf := range mfs {
			mk, err := w.key(mf.FilePath())
			if err != nil {
				return err
			}
			if err := w.Lake.Delete(ctx, mk); err != nil {
				return err
			}
		}
		if err := w.Lake.Delete(ctx, k); err != nil {
			return err
		}
	}
	return w.sweep(ctx, table, prev, next, v)
}

// sweepEvery is how often, in lake time, sweep lists a table's metadata
// when one writer commits it again and again (a backfill, an inbox of
// many releases). Leftovers are deleted only once older than
// MaxSnapshotAge (24h at least), so an hour's delay changes little.
const sweepEvery = time.Hour

// sweep deletes what no committed metadata names: metadata versions
// before the oldest the metadata-log of version v keeps (with
// DeleteAfterCommit), and manifest lists and manifests that no snapshot
// of v names and that the lake stamped more than MaxSnapshotAge before
// v itself: the leftovers of a crash after a commit, or of an attempt
// that lost the race for a version. The age, by the lake's own clock,
// keeps the files of another writer's commit in flight. Within
// sweepEvery of this writer's last listing of the table it lists
// nothing and deletes only the versions that fell off the metadata-log
// since prev (the version v was built on), which is all a listing would
// find unless a crash or a lost race left something.
func (w *Writer) sweep(ctx context.Context, table string, prev, md icetable.Metadata, v int) error {
	e := w.Expire
	oldest := oldestLogged(md, v)
	cur, err := w.Lake.Stat(ctx, MetadataKey(table, v))
	if err != nil {
		return err
	}
	w.mu.Lock()
	last, ok := w.swept[table]
	w.mu.Unlock()
	if ok && prev != nil && cur.ModTime.Sub(last) < sweepEvery && !cur.ModTime.Before(last) {
		if !e.DeleteAfterCommit {
			return nil
		}
		for n := oldestLogged(prev, v-1); n < oldest; n++ {
			if err := w.Lake.Delete(ctx, MetadataKey(table, n)); err != nil {
				return err
			}
		}
		return nil
	}
	cutoff := cur.ModTime.Add(-e.MaxSnapshotAge)
	named := map[string]bool{}
	for _, s := range md.Snapshots() {
		k, err := w.key(s.ManifestList)
		if err != nil {
			return err
		}
		named[k] = true
		// Our manifest lists are snap-<id>-1-<nonce>.avro and their
		// manifests <nonce>-m<i>.avro (write): the nonce names both.
		if _, nonce, ok := strings.Cut(strings.TrimPrefix(path.Base(k), fmt.Sprintf("snap-%d-", s.SnapshotID)), "-"); ok {
			named["nonce:"+strings.TrimSuffix(nonce, ".avro")] = true
		}
	}
	var drop []string
	for o, err := range w.Lake.List(ctx, metadataDir(table)+"/") {
		if err != nil {
			return fmt.Errorf("list metadata of %s: %w", table, err)
		}
		name := path.Base(o.Key)
		switch {
		case strings.HasSuffix(name, ".metadata.json"):
			if n := versionOf(name); e.DeleteAfterCommit && n > 0 && n < oldest {
				drop = append(drop, o.Key)
			}
		case strings.HasSuffix(name, ".avro"):
			if named[o.Key] || !o.ModTime.Before(cutoff) {
				continue
			}
			if nonce, ok := strings.CutSuffix(name, "-m0.avro"); ok && named["nonce:"+nonce] {
				continue
			}
			drop = append(drop, o.Key)
		}
	}
	for _, k := range drop {
		if err := w.Lake.Delete(ctx, k); err != nil {
			return err
		}
	}
	w.mu.Lock()
	if w.swept == nil {
		w.swept = map[string]time.Time{}
	}
	w.swept[table] = cur.ModTime
	w.mu.Unlock()
	return nil
}

// oldestLogged is the oldest metadata version md's metadata-log names,
// md being version v; v when the log is empty.
func oldestLogged(md icetable.Metadata, v int) int {
	oldest := v
	for entry := range md.PreviousFiles() {
		if n := versionOf(entry.MetadataFile); n > 0 && n < oldest {
			oldest = n
		}
	}
	return oldest
}

// versionOf is N of a v<N>.metadata.json name or URL; 0 for any other.
func versionOf(name string) int {
	n, ok := strings.CutSuffix(strings.TrimPrefix(path.Base(name), "v"), ".metadata.json")
	if !ok || !strings.HasPrefix(path.Base(name), "v") {
		return 0
	}
	x, err := strconv.Atoi(n)
	if err != nil {
		return 0
	}
	return x
}

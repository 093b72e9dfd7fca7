package iceberg

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	ice "github.com/apache/iceberg-go"
	icetable "github.com/apache/iceberg-go/table"
	"github.com/google/uuid"

	"github.com/tradepipe/tradepipe/sinks/lake"
	"github.com/tradepipe/tradepipe/sinks/publish"
)

// Root is the lake directory holding every table's Iceberg metadata:
// Root/<table>/metadata/v<N>.metadata.json and the Avro manifests.
const Root = "_iceberg"

// Summary properties a snapshot carries besides Iceberg's own.
const (
	PropTxn     = "tradepipe.txn"
	PropRelease = "tradepipe.release_id"
	PropJob     = "tradepipe.job"
)

// maxAttempts bounds the retries of a metadata commit that lost the race
// for v<N+1> to another writer.
const maxAttempts = 8

// ErrConflict is returned (wrapped) when a table's metadata kept changing
// under the writer for maxAttempts tries.
var ErrConflict = errors.New("iceberg metadata changed concurrently")

// Writer derives Iceberg tables from the lake's commit log. Every
// snapshot is one committed transaction of sinks/publish; everything it
// writes is derived from the log, so writing a snapshot again, or after
// a crash, converges on the same table state.
type Writer struct {
	// Lake must write conditionally: a table's new metadata version is
	// committed with PutIfAbsent.
	Lake lake.Conditional
	// Base is the URL the metadata names files by, the lake's root as
	// engines reach it; empty means Lake.URL(). A lake that engines read
	// under another name (an HTTP server in the tests, a mount) sets it.
	Base string
	// Now is the clock for snapshot and metadata times; nil means time.Now.
	Now func() time.Time
	// Tables are the tables kept; nil means Defs().
	Tables []Def
	// Checkpoint is the lake key of Catchup's checkpoint (the engine's
	// _state layout names it); empty keeps none: Catchup then reads every
	// transaction record no snapshot names, and no snapshot is expired,
	// since an expired snapshot's transaction would look unapplied.
	Checkpoint string
	// Expire is the snapshot and metadata retention; nil keeps every
	// snapshot and every metadata version.
	Expire *Expire

	// mu guards the fields below: CommitTxn may run for several
	// releases at once (backfill --parallel).
	mu sync.Mutex
	// last is, per table, the metadata version this writer committed
	// last, so that its next commit in the process neither reads nor
	// parses the metadata and the manifests again.
	last map[string]*committed
	// allDefs is Defs(), made once: every commit looks its tables up.
	allDefs []Def
	// swept is, per table, the lake time (the metadata version's
	// ModTime) of the last full sweep (sweep).
	swept map[string]time.Time
	// codecs are the tables' manifest codecs (nil: iceberg-go writes
	// that table's manifests).
	codecs map[codecKey]*manifestCodec
}

type codecKey struct {
	table            string
	schemaID, specID int
}

// committed is a metadata version a Writer wrote: what Current and
// entries would read back from the lake.
type committed struct {
	md      icetable.Metadata
	v       int
	entries []ice.ManifestEntry // the live entries of md's current snapshot
	obj     lake.Object         // MetadataKey(v) as the lake stated it after the write
}

// Snapshot says what one commit made current in one table.
type Snapshot = publish.TableSnapshot

func (w *Writer) base() string {
	if w.Base != "" {
		return strings.TrimSuffix(w.Base, "/")
	}
	return strings.TrimSuffix(w.Lake.URL(), "/")
}

func (w *Writer) now() time.Time {
	if w.Now != nil {
		return w.Now()
	}
	return time.Now()
}

func (w *Writer) defs() ([]Def, error) {
	if w.Tables != nil {
		return w.Tables, nil
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.allDefs == nil {
		d, err := Defs()
		if err != nil {
			return nil, err
		}
		w.allDefs = d
	}
	return w.allDefs, nil
}

// TableLocation is the table's Iceberg location (its metadata lives under
// it; the data files stay where the commit protocol put them).
func (w *Writer) TableLocation(table string) string { return w.base() + "/" + Root + "/" + table }

func metadataDir(table string) string { return Root + "/" + table + "/metadata" }

// MetadataKey is the lake key of version v of table's metadata.
func MetadataKey(table string, v int) string {
	return fmt.Sprintf("%s/v%d.metadata.json", metadataDir(table), v)
}

func hintKey(table string) string { return metadataDir(table) + "/version-hint.text" }

// key turns a URL the metadata names into a lake key.
func (w *Writer) key(u string) (string, error) {
	k, ok := strings.CutPrefix(u, w.base()+"/")
	if !ok {
		return "", fmt.Errorf("file %s is not under the lake's base %s", u, w.base())
	}
	return k, nil
}

// Current reads table's latest metadata and its version; (nil, 0, nil)
// when the table has none yet. The version-hint is only a hint: the
// versions after it are probed, so a hint a crash left behind is
// overtaken. ctx bounds the reads.
func (w *Writer) Current(ctx context.Context, table string) (icetable.Metadata, int, error) {
	v := 0
	if b, err := lake.ReadAll(ctx, w.Lake, hintKey(table)); err == nil {
		v, _ = strconv.Atoi(strings.TrimSpace(string(b)))
	} else if !errors.Is(err, lake.ErrNotExist) {
		return nil, 0, err
	}
	for range 2 {
		if v <= 0 {
			var err error
			if v, err = w.highestListed(ctx, table); err != nil {
				return nil, 0, err
			}
		}
		for {
			_, err := w.Lake.Stat(ctx, MetadataKey(table, v+1))
			if errors.Is(err, lake.ErrNotExist) {
				break
			}
			if err != nil {
				return nil, 0, err
			}
			v++
		}
		if v == 0 {
			return nil, 0, nil
		}
		b, err := lake.ReadAll(ctx, w.Lake, MetadataKey(table, v))
		if errors.Is(err, lake.ErrNotExist) {
			// A hint so stale that its version was deleted after
			// commit (Expire.DeleteAfterCommit): list instead.
			v = 0
			continue
		}
		if err != nil {
			return nil, 0, err
		}
		md, err := icetable.ParseMetadataBytes(b)
		if err != nil {
			return nil, 0, fmt.Errorf("parse %s: %w", MetadataKey(table, v), err)
		}
		return md, v, nil
	}
	return nil, 0, fmt.Errorf("metadata of %s: version %d vanished while read", table, v)
}

// highestListed is the highest metadata version of table in the lake (0
// for none).
func (w *Writer) highestListed(ctx context.Context, table string) (int, error) {
	v := 0
	for o, err := range w.Lake.List(ctx, metadataDir(table)+"/") {
		if err != nil {
			return 0, fmt.Errorf("list metadata of %s: %w", table, err)
		}
		v = max(v, versionOf(o.Key))
	}
	return v, nil
}

// readTxn reads a transaction's outcome record.
func readTxn(ctx context.Context, l lake.Lake, id string) (*publish.TxnRecord, error) {
	b, err := lake.ReadAll(ctx, l, publish.TxnKey(id))
	if err != nil {
		return nil, fmt.Errorf("read transaction %s: %w", id, err)
	}
	var rec publish.TxnRecord
	if err := json.Unmarshal(b, &rec); err != nil {
		return nil, fmt.Errorf("decode transaction %s: %w", id, err)
	}
	return &rec, nil
}

// CommitTxn writes one snapshot per table that committed transaction id
// changed: the table's files become, for each partition the transaction
// staged, that partition's files at the transaction's record, replacing
// the ones before (an overwrite that deletes and adds data files, no data
// copied). It is idempotent, keyed by id (a snapshot's tradepipe.txn): a
// table that already has the snapshot is left alone, so Recover and a
// re-run may call it again after a crash. A partition a later committed
// record has superseded is left to that record's transaction, which is
// what keeps snapshots release-atomic when catch-up runs late. A
// transaction that is not committed (aborted, or no outcome) writes
// nothing. The caller holds the leases of the transaction's partitions
// (or they are settled), so their heads do not move meanwhile. ctx bounds
// the lake calls; ErrConflict means other writers kept winning.
func (w *Writer) CommitTxn(ctx context.Context, id string) ([]Snapshot, error) {
	rec, err := readTxn(ctx, w.Lake, id)
	if err != nil {
		return nil, err
	}
	if rec.State != publish.TxnCommitted {
		return nil, nil
	}
	defs, err := w.defs()
	if err != nil {
		return nil, err
	}
	var out []Snapshot
	for _, d := range defs {
		var parts []publish.TxnPartition
		for _, p := range rec.Partitions {
			if d.Owns(p.Partition) {
				parts = append(parts, p)
			}
		}
		if len(parts) == 0 {
			continue
		}
		s, err := w.commitTable(ctx, d, rec, parts)
		if s != nil {
			out = append(out, *s)
		}
		if err != nil {
			return out, fmt.Errorf("iceberg table %s, txn %s: %w", d.Table.Name, id, err)
		}
	}
	return out, nil
}

// Catchup commits, in id (time) order, every committed transaction that
// no table's snapshot names yet: the ones a crash between a
// transaction's commit and its snapshot left behind. With a Checkpoint
// it reads only the transaction records the lake stamped (ModTime) at or
// after the checkpoint's time, and moves the checkpoint on once all of
// them are applied; without one it reads every record no snapshot names
// (aborted ones, ones that changed no table) on each call. ctx bounds
// the lake calls.
func (w *Writer) Catchup(ctx context.Context) ([]Snapshot, error) {
	defs, err := w.defs()
	if err != nil {
		return nil, err
	}
	cp, err := w.readCheckpoint(ctx)
	if err != nil {
		return nil, err
	}
	known := map[string]bool{}
	for _, d := range defs {
		md, _, err := w.Current(ctx, d.Table.Name)
		if err != nil {
			return nil, err
		}
		if md == nil {
			continue
		}
		for _, s := range md.Snapshots() {
			if s.Summary != nil && s.Summary.Properties[PropTxn] != "" {
				known[s.Summary.Properties[PropTxn]] = true
			}
		}
	}
	prefix := publish.TxnRoot
	var (
		ids    []string
		latest time.Time
	)
	for o, err := range w.Lake.List(ctx, prefix) {
		if err != nil {
			return nil, fmt.Errorf("list transactions: %w", err)
		}
		id, ok := strings.CutSuffix(strings.TrimPrefix(o.Key, prefix), ".json")
		if !ok || strings.Contains(id, "/") {
			continue
		}
		if o.ModTime.After(latest) {
			latest = o.ModTime
		}
		if !known[id] && !o.ModTime.Before(cp.Since) {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	var out []Snapshot
	for _, id := range ids {
		s, err := w.CommitTxn(ctx, id)
		out = append(out, s...)
		if err != nil {
			return out, err
		}
	}
	if err := w.writeCheckpoint(ctx, cp, latest); err != nil {
		return out, err
	}
	return out, nil
}

// fileState is one data file of the table's state.
type fileState struct {
	dir  string // partition directory
	url  string
	rows int64
	size int64
}

// partitionFiles lists the data files of a committed record.
func (w *Writer) partitionFiles(m *publish.Manifest) []fileState {
	var out []fileState
	for _, g := range m.Groups {
		for _, f := range g.Files {
			out = append(out, fileState{dir: m.Partition, url: w.base() + "/" + f.Key, rows: f.Rows, size: f.Bytes})
		}
	}
	return out
}

// dirOf is the partition directory of a data file URL
// (<base>/_tables/<dir>/data/<file>).
func (w *Writer) dirOf(u string) string {
	k, err := w.key(u)
	if err != nil {
		return ""
	}
	k = strings.TrimPrefix(k, publish.TablesRoot+"/")
	dir, _, _ := strings.Cut(k, "/data/")
	return dir
}

func (w *Writer) commitTable(ctx context.Context, d Def, rec *publish.TxnRecord, parts []publish.TxnPartition) (*Snapshot, error) {
	name := d.Table.Name
	for attempt := 0; attempt < maxAttempts; attempt++ {
		// The first attempt may start from what this writer committed
		// last, if it is still the table's latest version; a later one
		// lost a race and reads the lake.
		var c *committed
		if attempt == 0 {
			var err error
			if c, err = w.cached(ctx, name); err != nil {
				return nil, err
			}
		}
		var (
			md  icetable.Metadata
			v   int
			err error
		)
		if c != nil {
			md, v = c.md, c.v
		} else if md, v, err = w.Current(ctx, name); err != nil {
			return nil, err
		}
		if md != nil {
			for _, s := range md.Snapshots() {
				if s.Summary != nil && s.Summary.Properties[PropTxn] == rec.ID {
					return &Snapshot{Table: name, SnapshotID: s.SnapshotID, Sequence: s.SequenceNumber,
						Metadata: w.base() + "/" + MetadataKey(name, v), Txn: rec.ID}, nil
				}
			}
		}
		// The partitions this snapshot replaces, and their new files.
		changed := map[string][]fileState{}
		for _, p := range parts {
			head, err := publish.Load(ctx, w.Lake, p.Partition)
			if err != nil {
				return nil, err
			}
			if head == nil || (head.Seq != p.Seq && head.Txn != "") {
				continue // superseded: the later transaction's snapshot carries it
			}
			// head is the transaction's record, or a record committed by
			// its own write on top (a reconcile annotation), which no
			// snapshot of its own would carry.
			changed[p.Partition] = w.partitionFiles(head)
		}
		var prev []ice.ManifestEntry
		if c != nil {
			prev = c.entries
		} else if md != nil {
			if prev, err = w.entries(ctx, md); err != nil {
				return nil, err
			}
		} else {
			// A new table starts from every committed partition, so a
			// lake that existed before its Iceberg tables is whole in the
			// first snapshot.
			dirs, err := publish.Partitions(ctx, w.Lake, d.Table.Location+"/")
			if err != nil {
				return nil, err
			}
			for _, dir := range dirs {
				if _, ok := changed[dir]; ok || !d.Owns(dir) {
					continue
				}
				head, err := publish.Load(ctx, w.Lake, dir)
				if err != nil {
					return nil, err
				}
				if head != nil {
					changed[dir] = w.partitionFiles(head)
				}
			}
		}
		s, err := w.write(ctx, d, md, v, rec, prev, changed)
		if errors.Is(err, lake.ErrPrecondition) {
			w.forget(name)
			continue // another writer committed v+1 first: derive again
		}
		return s, err
	}
	return nil, fmt.Errorf("%w: %d attempts", ErrConflict, maxAttempts)
}

// cached returns the version of table this writer committed last if it
// is still the latest: it is in the lake as written and no version
// after it exists. Nil means read the lake. A version committed by
// another writer between this check and the commit loses the commit's
// PutIfAbsent, which sends the next attempt to the lake.
func (w *Writer) cached(ctx context.Context, table string) (*committed, error) {
	w.mu.Lock()
	c := w.last[table]
	w.mu.Unlock()
	if c == nil {
		return nil, nil
	}
	if _, err := w.Lake.Stat(ctx, MetadataKey(table, c.v+1)); !errors.Is(err, lake.ErrNotExist) {
		if err != nil {
			return nil, err
		}
		w.forget(table)
		return nil, nil
	}
	o, err := w.Lake.Stat(ctx, MetadataKey(table, c.v))
	if errors.Is(err, lake.ErrNotExist) || (err == nil && !sameObject(o, c.obj)) {
		// Deleted or replaced under the writer (a table whose
		// metadata was removed and made again): read it anew.
		w.forget(table)
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return c, nil
}

// sameObject reports whether two stats of one key name the same bytes,
// as far as the lake tells: the ETag where it has one, else the size and
// the time.
func sameObject(a, b lake.Object) bool {
	if a.ETag != "" && b.ETag != "" {
		return a.ETag == b.ETag
	}
	return a.Size == b.Size && a.ModTime.Equal(b.ModTime)
}

// remember keeps c as table's latest version for the next commit.
func (w *Writer) remember(table string, c *committed) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.last == nil {
		w.last = map[string]*committed{}
	}
	if old := w.last[table]; old == nil || old.v < c.v {
		w.last[table] = c
	}
}

func (w *Writer) forget(table string) {
	w.mu.Lock()
	delete(w.last, table)
	w.mu.Unlock()
}

// entries reads the live entries (added and existing) of md's current
// snapshot.
func (w *Writer) entries(ctx context.Context, md icetable.Metadata) ([]ice.ManifestEntry, error) {
	return w.entriesOf(ctx, md.CurrentSnapshot())
}

// entriesOf reads the live entries of snap; none for nil.
func (w *Writer) entriesOf(ctx context.Context, snap *icetable.Snapshot) ([]ice.ManifestEntry, error) {
	if snap == nil {
		return nil, nil
	}
	k, err := w.key(snap.ManifestList)
	if err != nil {
		return nil, err
	}
	b, err := lake.ReadAll(ctx, w.Lake, k)
	if err != nil {
		return nil, err
	}
	mfs, err := ice.ReadManifestList(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("read manifest list %s: %w", k, err)
	}
	var out []ice.ManifestEntry
	for _, mf := range mfs {
		k, err := w.key(mf.FilePath())
		if err != nil {
			return nil, err
		}
		b, err := lake.ReadAll(ctx, w.Lake, k)
		if err != nil {
			return nil, err
		}
		es, err := ice.ReadManifest(mf, bytes.NewReader(b), true)
		if err != nil {
			return nil, fmt.Errorf("read manifest %s: %w", k, err)
		}
		out = append(out, es...)
	}
	return out, nil
}

// snapshotID is derived from the transaction and table, so every attempt
// (and every process) deriving the same snapshot names it alike.
func snapshotID(txn, table string) int64 {
	h := sha256.Sum256([]byte(txn + "\x00" + table))
	return int64(binary.BigEndian.Uint64(h[:8]) >> 1)
}

func (w *Writer) write(ctx context.Context, d Def, md icetable.Metadata, v int, rec *publish.TxnRecord,
	prev []ice.ManifestEntry, changed map[string][]fileState,
) (*Snapshot, error) {
	name := d.Table.Name
	now := w.now()
	snapID := snapshotID(rec.ID, name)
	var (
		seq       int64 = 1
		parent    *int64
		totalRows int64
	)
	if md != nil {
		seq = md.LastSequenceNumber() + 1
		if cur := md.CurrentSnapshot(); cur != nil {
			parent = ptr(cur.SnapshotID)
		}
	}

	var (
		entries                  []ice.ManifestEntry
		added, deleted, kept     int
		addedRows, deletedRows   int64
		addedBytes, deletedBytes int64
		keep                     = map[string]bool{}
		newByURL                 = map[string]fileState{}
	)
	for _, files := range changed {
		for _, f := range files {
			newByURL[f.url] = f
		}
	}
	for _, e := range prev {
		df := e.DataFile()
		dir := w.dirOf(df.FilePath())
		if _, isChanged := changed[dir]; isChanged {
			if _, stays := newByURL[df.FilePath()]; !stays {
				deleted++
				deletedRows += df.Count()
				deletedBytes += df.FileSizeBytes()
				entries = append(entries, ice.NewManifestEntry(ice.EntryStatusDELETED, &snapID,
					ptr(e.SequenceNum()), e.FileSequenceNum(), df))
				continue
			}
		}
		keep[df.FilePath()] = true
		kept++
		totalRows += df.Count()
		entries = append(entries, ice.NewManifestEntry(ice.EntryStatusEXISTING, ptr(e.SnapshotID()),
			ptr(e.SequenceNum()), e.FileSequenceNum(), df))
	}
	urls := make([]string, 0, len(newByURL))
	for u := range newByURL {
		if !keep[u] {
			urls = append(urls, u)
		}
	}
	slices.Sort(urls)
	for _, u := range urls {
		f := newByURL[u]
		pv, err := d.PartitionValues(f.dir)
		if err != nil {
			return nil, err
		}
		b, err := ice.NewDataFileBuilder(d.Spec, ice.EntryContentData, u, ice.ParquetFile, pv, nil, nil, f.rows, f.size)
		if err != nil {
			return nil, fmt.Errorf("data file %s: %w", u, err)
		}
		added++
		addedRows += f.rows
		addedBytes += f.size
		totalRows += f.rows
		entries = append(entries, ice.NewManifestEntry(ice.EntryStatusADDED, &snapID, &seq, &seq, b.Build()))
	}
	if added == 0 && deleted == 0 && md == nil {
		return nil, nil // no files and no table: nothing to create
	}
	// A transaction that changed no file of an existing table (its files
	// were there already, e.g. from the first snapshot's bootstrap) still
	// gets its snapshot, with the same files: one snapshot per committed
	// transaction keeps Catchup from reading it again on every run.

	if md == nil {
		var err error
		if md, err = w.create(d); err != nil {
			return nil, err
		}
	}
	// Iceberg wants snapshot times to grow; a clock behind the table's
	// (another host's, a test's) must not stop the commit.
	ts := now.UnixMilli()
	if last := md.LastUpdatedMillis(); ts < last {
		ts = last
	}
	sc := md.CurrentSchema()
	spec := md.PartitionSpec()

	// The manifest and the manifest list need only be durable before the
	// metadata version that names them: on a lake that can batch its
	// syncs they are written unsynced and synced together before the
	// commit.
	var (
		al     lake.Lake = w.Lake
		unsync []string
	)
	syncer, batch := w.Lake.(lake.Syncer)
	if batch {
		al = syncer.Unsynced()
	}
	nonce := uuid.New().String()
	var manifests []ice.ManifestFile
	if len(entries) > 0 {
		mkey := fmt.Sprintf("%s/%s-m0.avro", metadataDir(name), nonce)
		mf, err := w.putManifest(ctx, al, name, mkey, spec, sc, snapID, entries)
		if err != nil {
			return nil, err
		}
		manifests = append(manifests, mf)
		unsync = append(unsync, mkey)
	}
	lkey := fmt.Sprintf("%s/snap-%d-1-%s.avro", metadataDir(name), snapID, nonce)
	var lbuf bytes.Buffer
	if err := ice.WriteManifestList(2, &lbuf, snapID, parent, &seq, 0, manifests); err != nil {
		return nil, fmt.Errorf("write manifest list: %w", err)
	}
	list, err := uncompressAvro(lbuf.Bytes())
	if err != nil {
		return nil, fmt.Errorf("manifest list: %w", err)
	}
	if err := al.Put(ctx, lkey, bytes.NewReader(list)); err != nil {
		return nil, err
	}
	unsync = append(unsync, lkey)

	op := icetable.OpAppend
	if deleted > 0 {
		op = icetable.OpOverwrite
	}
	props := ice.Properties{
		PropTxn:                   rec.ID,
		"added-data-files":        strconv.Itoa(added),
		"deleted-data-files":      strconv.Itoa(deleted),
		"added-records":           strconv.FormatInt(addedRows, 10),
		"deleted-records":         strconv.FormatInt(deletedRows, 10),
		"added-files-size":        strconv.FormatInt(addedBytes, 10),
		"removed-files-size":      strconv.FormatInt(deletedBytes, 10),
		"total-data-files":        strconv.Itoa(kept + added),
		"total-records":           strconv.FormatInt(totalRows, 10),
		"changed-partition-count": strconv.Itoa(len(changed)),
	}
	if rec.ReleaseID != "" {
		props[PropRelease] = rec.ReleaseID
	}
	if rec.Job != "" {
		props[PropJob] = rec.Job
	}
	snap := icetable.Snapshot{
		SnapshotID:       snapID,
		ParentSnapshotID: parent,
		SequenceNumber:   seq,
		TimestampMs:      ts,
		ManifestList:     w.base() + "/" + lkey,
		Summary:          &icetable.Summary{Operation: op, Properties: props},
		SchemaID:         ptr(sc.ID),
	}
	cur := ""
	if v > 0 {
		cur = w.base() + "/" + MetadataKey(name, v)
	}
	b, err := icetable.MetadataBuilderFromBase(md, cur)
	if err != nil {
		return nil, err
	}
	if err := b.AddSnapshot(&snap); err != nil {
		return nil, fmt.Errorf("add snapshot: %w", err)
	}
	if err := b.SetSnapshotRef(icetable.MainBranch, snapID, icetable.BranchRef); err != nil {
		return nil, fmt.Errorf("set main: %w", err)
	}
	var gone []icetable.Snapshot
	if w.expiring() {
		if err := b.SetProperties(w.Expire.changedProperties(md)); err != nil {
			return nil, fmt.Errorf("set retention properties: %w", err)
		}
		refs := map[int64]bool{}
		for name, r := range md.Refs() {
			if name != icetable.MainBranch {
				refs[r.SnapshotID] = true
			}
		}
		cp, err := w.readCheckpoint(ctx)
		if err != nil {
			return nil, err
		}
		covered := int64(0) // no checkpoint yet: nothing is covered
		if !cp.Since.IsZero() {
			covered = cp.Since.Add(-clockSkew).UnixMilli()
		}
		ids := w.Expire.expired(append(md.Snapshots(), snap), refs, ts, covered)
		for _, id := range ids {
			gone = append(gone, *md.SnapshotByID(id))
		}
		if len(ids) > 0 {
			if err := b.RemoveSnapshots(ids, false); err != nil {
				return nil, fmt.Errorf("expire snapshots: %w", err)
			}
		}
	}
	next, err := b.Build()
	if err != nil {
		return nil, fmt.Errorf("build metadata: %w", err)
	}
	js, err := json.Marshal(next)
	if err != nil {
		return nil, fmt.Errorf("encode metadata: %w", err)
	}
	if batch {
		if err := syncer.Sync(ctx, unsync...); err != nil {
			return nil, err
		}
	}
	// The commit: only one writer creates v+1.
	if _, err := w.Lake.PutIfAbsent(ctx, MetadataKey(name, v+1), bytes.NewReader(js)); err != nil {
		return nil, err
	}
	if o, err := w.Lake.Stat(ctx, MetadataKey(name, v+1)); err == nil {
		live := make([]ice.ManifestEntry, 0, kept+added)
		for _, e := range entries {
			if e.Status() != ice.EntryStatusDELETED {
				live = append(live, e)
			}
		}
		w.remember(name, &committed{md: next, v: v + 1, entries: live, obj: o})
	}
	// A convenience for readers that look for it (icebird, Hadoop-style
	// readers); a stale hint is overtaken by Current's probing.
	hintErr := w.Lake.Put(ctx, hintKey(name), strings.NewReader(strconv.Itoa(v+1)))
	out := &Snapshot{Table: name, SnapshotID: snapID, Sequence: seq,
		Metadata: w.base() + "/" + MetadataKey(name, v+1), Txn: rec.ID}
	if w.expiring() && hintErr == nil {
		// After the commit and the hint: what it expired is no longer
		// named by the table, nor by the version readers that follow
		// the hint read; what a failure here leaves, a later commit
		// sweeps. A hint left behind keeps the files for such readers
		// until a later commit moves it.
		if err := w.cleanup(ctx, name, gone, md, next, v+1); err != nil {
			return out, fmt.Errorf("snapshot %d committed in v%d; clean up after it: %w", snapID, v+1, err)
		}
	}
	return out, nil
}

// expiring reports whether commits expire snapshots: it takes a
// retention and the Catchup checkpoint, without which Catchup would take
// an expired snapshot's transaction for one never applied.
func (w *Writer) expiring() bool { return w.Expire != nil && w.Checkpoint != "" }

// create makes a table's first metadata (no snapshot): format v2, the
// name mapping, the table's sort order as a property for people.
func (w *Writer) create(d Def) (icetable.Metadata, error) {
	props := ice.Properties{
		icetable.PropertyFormatVersion:    "2",
		"schema.name-mapping.default":     d.MappingJSON(),
		"write.format.default":            "parquet",
		"write.parquet.compression-codec": "zstd",
		"tradepipe.table":                 d.Table.Name,
		"tradepipe.location":              d.Table.Location,
		"comment":                         d.Table.Doc,
	}
	if len(d.Table.SortBy) > 0 {
		props["tradepipe.sorted_by"] = strings.Join(d.Table.SortBy, ",")
	}
	// One UUID per table name and lake: a table re-created after its
	// metadata was lost is the same table to catalogs.
	id := uuid.NewSHA1(uuid.NameSpaceURL, []byte(w.TableLocation(d.Table.Name)))
	md, err := icetable.NewMetadataWithUUID(d.Schema, &d.Spec, icetable.UnsortedSortOrder, w.TableLocation(d.Table.Name), props, id)
	if err != nil {
		return nil, fmt.Errorf("new metadata: %w", err)
	}
	if !md.CurrentSchema().Equals(d.Schema) {
		// The name mapping carries our ids; a builder that renumbered
		// them would make it lie.
		return nil, fmt.Errorf("table %s: iceberg-go renumbered the schema's field ids", d.Table.Name)
	}
	// iceberg-go stamps new metadata with the wall clock; the table's
	// times are the writer's clock (snapshot times, which expiry
	// compares), so the stamp is set to it.
	b, err := json.Marshal(md)
	if err != nil {
		return nil, fmt.Errorf("new metadata: %w", err)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, fmt.Errorf("new metadata: %w", err)
	}
	raw["last-updated-ms"] = json.RawMessage(strconv.FormatInt(w.now().UnixMilli(), 10))
	if b, err = json.Marshal(raw); err != nil {
		return nil, fmt.Errorf("new metadata: %w", err)
	}
	return icetable.ParseMetadataBytes(b)
}

// putManifest writes entries as one manifest at key in l, with the null codec
// (uncompressAvro), and returns its manifest-list entry.
func (w *Writer) putManifest(ctx context.Context, l lake.Lake, table, key string, spec ice.PartitionSpec, sc *ice.Schema, snapID int64, entries []ice.ManifestEntry) (ice.ManifestFile, error) {
	c, err := w.codec(table, spec, sc)
	if err != nil {
		return nil, err
	}
	b, mf, ok := []byte(nil), ice.ManifestFile(nil), false
	if c != nil {
		b, mf, ok = c.encode(w.base()+"/"+key, snapID, entries)
	}
	if !ok {
		if b, mf, err = icebergManifest(w.base()+"/"+key, spec, sc, snapID, entries); err != nil {
			return nil, err
		}
	}
	if err := l.Put(ctx, key, bytes.NewReader(b)); err != nil {
		return nil, err
	}
	return mf, nil
}

// icebergManifest is the manifest at path of entries as iceberg-go's
// writer writes it, rewritten with the null codec.
func icebergManifest(path string, spec ice.PartitionSpec, sc *ice.Schema, snapID int64, entries []ice.ManifestEntry) ([]byte, ice.ManifestFile, error) {
	var buf bytes.Buffer
	mw, err := ice.NewManifestWriter(2, &buf, spec, sc, snapID)
	if err != nil {
		return nil, nil, fmt.Errorf("manifest: %w", err)
	}
	for _, e := range entries {
		switch e.Status() {
		case ice.EntryStatusADDED:
			err = mw.Add(e)
		case ice.EntryStatusEXISTING:
			err = mw.Existing(e)
		default:
			err = mw.Delete(e)
		}
		if err != nil {
			return nil, nil, fmt.Errorf("manifest entry %s: %w", e.DataFile().FilePath(), err)
		}
	}
	if err := mw.Close(); err != nil {
		return nil, nil, fmt.Errorf("manifest: %w", err)
	}
	b, err := uncompressAvro(buf.Bytes())
	if err != nil {
		return nil, nil, fmt.Errorf("manifest: %w", err)
	}
	mf, err := mw.ToManifestFile(path, int64(len(b)))
	if err != nil {
		return nil, nil, fmt.Errorf("manifest: %w", err)
	}
	return b, mf, nil
}

// codec returns table's manifest codec for sc and spec, made on first
// use; nil when iceberg-go writes the table's manifests.
func (w *Writer) codec(table string, spec ice.PartitionSpec, sc *ice.Schema) (*manifestCodec, error) {
	k := codecKey{table, sc.ID, spec.ID()}
	w.mu.Lock()
	c, ok := w.codecs[k]
	w.mu.Unlock()
	if ok {
		return c, nil
	}
	c, err := newManifestCodec(spec, sc)
	if err != nil {
		return nil, err
	}
	w.mu.Lock()
	if w.codecs == nil {
		w.codecs = map[codecKey]*manifestCodec{}
	}
	w.codecs[k] = c
	w.mu.Unlock()
	return c, nil
}

// TableState is a table's current metadata, as engines are pointed at it.
type TableState struct {
	Table string
	// TableLocation is the table's location, MetadataLocation its
	// current metadata file, both under Base.
	TableLocation, MetadataLocation string
	// Snapshots are the snapshots the metadata keeps, oldest (by
	// sequence number) first; the last is the current one.
	Snapshots []icetable.Snapshot
}

// State returns table's current state; ok is false when the table has no
// snapshot yet. ctx bounds the reads.
func (w *Writer) State(ctx context.Context, table string) (st TableState, ok bool, err error) {
	md, v, err := w.Current(ctx, table)
	if err != nil || md == nil || md.CurrentSnapshot() == nil {
		return TableState{}, false, err
	}
	snaps := slices.Clone(md.Snapshots())
	slices.SortFunc(snaps, func(a, b icetable.Snapshot) int { return cmp.Compare(a.SequenceNumber, b.SequenceNumber) })
	return TableState{Table: table, TableLocation: w.TableLocation(table),
		MetadataLocation: w.base() + "/" + MetadataKey(table, v), Snapshots: snaps}, true, nil
}

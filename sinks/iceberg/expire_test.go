package iceberg

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	icetable "github.com/apache/iceberg-go/table"
	"github.com/parquet-go/parquet-go"

	"github.com/tradepipe/tradepipe/internal/civil"
	"github.com/tradepipe/tradepipe/internal/readertest"
	"github.com/tradepipe/tradepipe/internal/schema"
	"github.com/tradepipe/tradepipe/sinks/lake"
	"github.com/tradepipe/tradepipe/sinks/publish"
)

// clockLake is a directory lake whose objects' ModTime is the test's
// clock at their last write (the lake's clock, injected), which counts
// the reads of transaction records and can fail the n-th write or
// delete under _iceberg/ (a kill point).
type clockLake struct {
	*lake.Dir
	now func() time.Time

	mu      sync.Mutex
	txnGets map[string]int // reads of transaction records, by id
	writes  int            // writes and deletes under Root
	killAt  int            // fail that one (1-based); 0: never
}

var errKilled = errors.New("killed")

func (c *clockLake) stamp(key string) error {
	p := filepath.Join(c.Root(), filepath.FromSlash(key))
	t := c.now()
	return os.Chtimes(p, t, t)
}

// kill counts a write or delete of key and says whether it is the one
// to fail.
func (c *clockLake) kill(key string) error {
	if !strings.HasPrefix(key, Root+"/") {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.writes++
	if c.killAt > 0 && c.writes == c.killAt {
		return errKilled
	}
	return nil
}

func (c *clockLake) Put(ctx context.Context, key string, r io.Reader) error {
	if err := c.kill(key); err != nil {
		return err
	}
	if err := c.Dir.Put(ctx, key, r); err != nil {
		return err
	}
	return c.stamp(key)
}

// Unsynced keeps the clock and the kill points on the writes the
// Iceberg commit makes unsynced (manifests, manifest lists).
func (c *clockLake) Unsynced() lake.Conditional {
	return &unsyncedClock{clockLake: c, u: c.Dir.Unsynced()}
}

type unsyncedClock struct {
	*clockLake
	u lake.Conditional
}

func (u *unsyncedClock) Put(ctx context.Context, key string, r io.Reader) error {
	if err := u.kill(key); err != nil {
		return err
	}
	if err := u.u.Put(ctx, key, r); err != nil {
		return err
	}
	return u.stamp(key)
}

func (c *clockLake) PutIfAbsent(ctx context.Context, key string, r io.Reader) (string, error) {
	if err := c.kill(key); err != nil {
		return "", err
	}
	etag, err := c.Dir.PutIfAbsent(ctx, key, r)
	if err != nil {
		return etag, err
	}
	return etag, c.stamp(key)
}

func (c *clockLake) PutIfMatch(ctx context.Context, key, etag string, r io.Reader) (string, error) {
	etag, err := c.Dir.PutIfMatch(ctx, key, etag, r)
	if err != nil {
		return etag, err
	}
	return etag, c.stamp(key)
}

func (c *clockLake) Copy(ctx context.Context, src, dst string) error {
	if err := c.Dir.Copy(ctx, src, dst); err != nil {
		return err
	}
	return c.stamp(dst)
}

func (c *clockLake) Delete(ctx context.Context, key string) error {
	if err := c.kill(key); err != nil {
		return err
	}
	return c.Dir.Delete(ctx, key)
}

func (c *clockLake) countTxn(key string) {
	if id, ok := strings.CutPrefix(key, publish.TxnRoot); ok {
		c.mu.Lock()
		if c.txnGets == nil {
			c.txnGets = map[string]int{}
		}
		c.txnGets[strings.TrimSuffix(id, ".json")]++
		c.mu.Unlock()
	}
}

func (c *clockLake) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	c.countTxn(key)
	return c.Dir.Get(ctx, key)
}

func (c *clockLake) GetVersion(ctx context.Context, key string) ([]byte, string, error) {
	c.countTxn(key)
	return c.Dir.GetVersion(ctx, key)
}

// harness is a lake of trade_flows partitions written by the commit
// protocol, served over HTTP for icebird, with the Iceberg writer kept
// beside it; the clock moves only when the test moves it.
type harness struct {
	t     testing.TB
	root  string
	lake  *clockLake
	pub   *publish.Publisher
	w     *Writer
	clock time.Time
	n     int // releases so far
	// rows[snapshot id] is the row count the snapshot holds.
	rows map[int64]int64
	// cur is each month's row count now.
	cur map[int]int64
}

var start = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

func newHarness(t testing.TB, expire *Expire) *harness {
	t.Helper()
	root := t.TempDir()
	d, err := lake.NewDir(root)
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, root: root, clock: start, rows: map[int64]int64{}, cur: map[int]int64{}}
	now := func() time.Time { return h.clock }
	h.lake = &clockLake{Dir: d, now: now}
	srv := httptest.NewServer(http.FileServer(http.Dir(root)))
	t.Cleanup(srv.Close)
	tf, err := schema.TableNamed("trade_flows")
	if err != nil {
		t.Fatal(err)
	}
	def, err := DefOf(tf)
	if err != nil {
		t.Fatal(err)
	}
	h.pub = &publish.Publisher{Lake: h.lake, Now: now}
	h.w = &Writer{Lake: h.lake, Base: srv.URL, Now: now, Tables: []Def{def},
		Checkpoint: "_state/v1/iceberg/catchup.json", Expire: expire}
	return h
}

// parquetFile writes rows rows of trade_flows for 2020-month, marked
// with release n, and returns it as a LocalFile.
func (h *harness) parquetFile(month, rows, n int) publish.LocalFile {
	h.t.Helper()
	p := filepath.Join(h.t.TempDir(), "part-00000.parquet")
	f, err := os.Create(p)
	if err != nil {
		h.t.Fatal(err)
	}
	w := parquet.NewWriter(f, parquet.SchemaOf(&schema.TradeFlowRecord{}))
	days := int32(time.Date(2020, time.Month(month), 1, 0, 0, 0, 0, time.UTC).Unix() / 86400)
	for i := range rows {
		r := &schema.TradeFlowRecord{Period: days, Reporter: "US", Partner: "CN", Flow: "export",
			HSCode: fmt.Sprintf("%06d", i), HSLevel: 6, ValueUSD: int64(100*n + i), Valuation: "FAS",
			CoversMonths: 1, Source: "census", ReleaseID: fmt.Sprintf("r%d", n),
			SourceURI: "file:///in", SourceSHA256: "00", IngestedAt: h.clock.UnixMicro()}
		if err := w.Write(r); err != nil {
			h.t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		h.t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		h.t.Fatal(err)
	}
	b, err := os.ReadFile(p)
	if err != nil {
		h.t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	return publish.LocalFile{Name: "part-00000.parquet", Path: p, Rows: int64(rows), Bytes: int64(len(b)), SHA256: hex.EncodeToString(sum[:])}
}

// commitOf is the commit of rows rows of 2020-month in release h.n.
func (h *harness) commitOf(month, rows int) publish.Commit {
	part := schema.TradeFlowPartition("census", "export", civil.Month{Year: 2020, Month: time.Month(month)})
	return publish.Commit{Partition: part, Group: publish.Group{Name: "part-00000", Job: "census-exports"},
		Local: []publish.LocalFile{h.parquetFile(month, rows, h.n)}}
}

// commit commits one release of months (month: rows) through the commit
// protocol, without its snapshot; it returns the transaction id.
func (h *harness) commit(months map[int]int) string {
	h.t.Helper()
	ctx := context.Background()
	h.n++
	tx := h.pub.Begin("census-exports", fmt.Sprintf("r%d", h.n), nil)
	for m, rows := range months {
		if _, err := tx.Publish(ctx, h.commitOf(m, rows)); err != nil {
			h.t.Fatal(err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		h.t.Fatal(err)
	}
	for m, rows := range months {
		h.cur[m] = int64(rows)
	}
	return tx.ID()
}

// snapshot writes txn's snapshot and records the rows it holds.
func (h *harness) snapshot(txn string) Snapshot {
	h.t.Helper()
	snaps, err := h.w.CommitTxn(context.Background(), txn)
	if err != nil || len(snaps) != 1 {
		h.t.Fatalf("snapshot of %s: %v %+v", txn, err, snaps)
	}
	h.record(snaps[0].SnapshotID)
	return snaps[0]
}

func (h *harness) record(id int64) {
	var total int64
	for _, r := range h.cur {
		total += r
	}
	h.rows[id] = total
}

// release is a commit and its snapshot, then the clock moves on by step.
func (h *harness) release(months map[int]int, step time.Duration) Snapshot {
	h.t.Helper()
	s := h.snapshot(h.commit(months))
	h.clock = h.clock.Add(step)
	return s
}

// readable checks, with icebird, the current snapshot and every snapshot
// the table keeps that time travel is promised for (superseded less
// than the max age ago, by the clock now): each reads the rows it held
// when committed. A snapshot superseded longer ago is expired by the
// next commit; in between (the lake's commit deletes the files it
// replaced 24h ago, the Iceberg commit follows) its files may be gone.
//
// icebird finds the metadata by version-hint.text, which a crash may
// leave one version behind (the commit is the metadata file, the hint
// follows): the snapshots checked are those of the version it names.
func (h *harness) readable(name string) {
	h.t.Helper()
	ctx := context.Background()
	hint, err := lake.ReadAll(ctx, h.lake, hintKey("trade_flows"))
	if err != nil {
		h.t.Fatal(err)
	}
	v, err := strconv.Atoi(string(hint))
	if err != nil {
		h.t.Fatal(err)
	}
	b, err := lake.ReadAll(ctx, h.lake, MetadataKey("trade_flows", v))
	if err != nil {
		h.t.Fatalf("%s: the hint names v%d: %v", name, v, err)
	}
	md, err := icetable.ParseMetadataBytes(b)
	if err != nil {
		h.t.Fatal(err)
	}
	snaps := md.Snapshots()
	for i, s := range snaps {
		if i+1 < len(snaps) && h.clock.Sub(time.UnixMilli(snaps[i+1].TimestampMs)) > testExpire.MaxSnapshotAge {
			continue
		}
		id := s.SnapshotID
		if md.CurrentSnapshot().SnapshotID == id {
			id = 0 // the current one, as a reader without time travel reads it
		}
		got := readertest.Icebird(h.t, h.w.TableLocation("trade_flows"), id)
		if want := h.rows[s.SnapshotID]; got.Rows != want {
			h.t.Errorf("%s: icebird read %d rows at snapshot %d, want %d", name, got.Rows, s.SnapshotID, want)
		}
	}
}

// files lists the keys under _iceberg/trade_flows/metadata/.
func (h *harness) files() []string {
	h.t.Helper()
	var out []string
	for o, err := range h.lake.List(context.Background(), metadataDir("trade_flows")+"/") {
		if err != nil {
			h.t.Fatal(err)
		}
		out = append(out, strings.TrimPrefix(o.Key, metadataDir("trade_flows")+"/"))
	}
	return out
}

var testExpire = Expire{MaxSnapshotAge: 24 * time.Hour, MinSnapshotsToKeep: 2, PreviousVersionsMax: 3, DeleteAfterCommit: true}

// Releases every 6 hours, each revising month 1 and adding a month:
// snapshots superseded more than 24h ago are expired (the newest two are
// kept whatever their age), their manifests go, the metadata-log and the
// metadata files stay bounded, and icebird reads the current snapshot
// and travels to every snapshot kept, whose files the commit protocol
// (retention 24h, the same clock) has not deleted.
func TestExpireBoundsMetadata(t *testing.T) {
	ex := testExpire
	h := newHarness(t, &ex)
	ctx := context.Background()
	var sizes []int64
	for i := range 24 {
		h.release(map[int]int{1: 1 + i%3, 2 + i%10: 2 + i}, 6*time.Hour)
		if i%4 == 3 {
			// Catchup runs with every job run: it moves the checkpoint
			// expiry waits for.
			if _, err := h.w.Catchup(ctx); err != nil {
				t.Fatal(err)
			}
		}
		_, v, err := h.w.Current(ctx, "trade_flows")
		if err != nil {
			t.Fatal(err)
		}
		o, err := h.lake.Stat(ctx, MetadataKey("trade_flows", v))
		if err != nil {
			t.Fatal(err)
		}
		sizes = append(sizes, o.Size)
	}
	md, v, err := h.w.Current(ctx, "trade_flows")
	if err != nil {
		t.Fatal(err)
	}
	if v != 24 {
		t.Errorf("version %d after 24 releases, want 24", v)
	}
	// Superseded within 24h (4 releases of 6h) or newer, plus the
	// checkpoint's lag (up to 4 releases between Catchups): at most 9.
	if n := len(md.Snapshots()); n < 2 || n > 9 {
		t.Errorf("%d snapshots kept after 24 releases, want 2..9", n)
	}
	if got := md.Properties()[PropMaxSnapshotAgeMs]; got != "86400000" {
		t.Errorf("%s = %q", PropMaxSnapshotAgeMs, got)
	}
	var logs int
	for range md.PreviousFiles() {
		logs++
	}
	if logs != 3 {
		t.Errorf("metadata-log holds %d entries, want previous-versions-max 3", logs)
	}
	var snapLog int
	for e := range md.SnapshotLogs() {
		snapLog++
		if md.SnapshotByID(e.SnapshotID) == nil {
			t.Errorf("snapshot-log names expired snapshot %d", e.SnapshotID)
		}
	}
	if snapLog == 0 || snapLog > len(md.Snapshots()) {
		t.Errorf("snapshot-log has %d entries for %d snapshots", snapLog, len(md.Snapshots()))
	}
	// Files: 4 metadata versions, the hint, and a list and a manifest per
	// snapshot kept: nothing else.
	want := 4 + 1 + 2*len(md.Snapshots())
	if got := h.files(); len(got) != want {
		t.Errorf("metadata dir holds %d files, want %d: %v", len(got), want, got)
	}
	// The metadata file stops growing once expiry runs: the last is no
	// bigger than 1.5 times the one of release 12.
	if last, mid := sizes[len(sizes)-1], sizes[11]; float64(last) > 1.5*float64(mid) {
		t.Errorf("metadata grew from %d bytes (release 12) to %d (release 24): sizes %v", mid, last, sizes)
	}
	h.readable("after 24 releases")

	// Without expiry the same releases keep every snapshot: the test can
	// fail.
	h2 := newHarness(t, nil)
	for i := range 24 {
		h2.release(map[int]int{1: 1 + i%3, 2 + i%10: 2 + i}, 6*time.Hour)
	}
	md2, _, err := h2.w.Current(ctx, "trade_flows")
	if err != nil {
		t.Fatal(err)
	}
	if n := len(md2.Snapshots()); n != 24 {
		t.Errorf("without expiry: %d snapshots, want 24", n)
	}
}

// The rule's edges, on plain snapshots: superseded more than the max age
// ago expires, the newest MinSnapshotsToKeep and snapshots under another
// ref stay, and so does any snapshot not before the checkpoint.
func TestExpiredRule(t *testing.T) {
	hour := int64(time.Hour / time.Millisecond)
	snaps := make([]snapshotT, 6)
	for i := range snaps {
		snaps[i] = snapshotT{id: int64(i + 1), seq: int64(i + 1), ts: int64(i) * 10 * hour}
	}
	now := 50 * hour // snapshot 6 committed now; 5 superseded now, 4 10h ago...
	e := Expire{MaxSnapshotAge: 24 * time.Hour, MinSnapshotsToKeep: 1}
	for _, tc := range []struct {
		name    string
		e       Expire
		refs    map[int64]bool
		covered int64
		want    string
	}{
		{"age", e, nil, now, "[1 2]"}, // superseded at 10h and 20h: >24h ago
		{"min keep", Expire{MaxSnapshotAge: 24 * time.Hour, MinSnapshotsToKeep: 5}, nil, now, "[1]"},
		{"ref", e, map[int64]bool{1: true}, now, "[2]"},
		{"checkpoint", e, nil, 10 * hour, "[1]"}, // snapshot 2 (ts 10h) is not before it
		{"no checkpoint", e, nil, 0, "[]"},
		{"older max age", Expire{MaxSnapshotAge: 45 * time.Hour, MinSnapshotsToKeep: 1}, nil, now, "[]"},
	} {
		got := fmt.Sprint(tc.e.expired(toSnapshots(snaps), tc.refs, now, tc.covered))
		if got != tc.want {
			t.Errorf("%s: expired %s, want %s", tc.name, got, tc.want)
		}
	}
}

// A crash at every write or delete of a commit that expires snapshots
// leaves a table icebird reads at its current snapshot and at every
// snapshot kept; the re-run (the same snapshot again, then the next
// release) converges on the files a clean run leaves, the leftovers
// swept once they are older than the max age by the lake's clock.
func TestExpireCrashLeavesTableReadable(t *testing.T) {
	ctx := context.Background()
	// How many writes the commit of the 9th release makes, in a clean run.
	prepare := func(t *testing.T) (*harness, string) {
		ex := testExpire
		h := newHarness(t, &ex)
		for i := range 8 {
			// Catchup runs before every job's run (Recover).
			if _, err := h.w.Catchup(ctx); err != nil {
				t.Fatal(err)
			}
			h.release(map[int]int{1: 1 + i%3, 2 + i: 2}, 6*time.Hour)
		}
		if _, err := h.w.Catchup(ctx); err != nil {
			t.Fatal(err)
		}
		h.clock = h.clock.Add(20 * time.Minute) // past the checkpoint's skew
		return h, h.commit(map[int]int{1: 5, 12: 3})
	}
	h, txn := prepare(t)
	before := h.lake.writes
	h.snapshot(txn)
	total := h.lake.writes - before
	md, _, err := h.w.Current(ctx, "trade_flows")
	if err != nil {
		t.Fatal(err)
	}
	if len(md.Snapshots()) >= 9 {
		t.Fatalf("the 9th release expired nothing (%d snapshots): the test would test no expiry", len(md.Snapshots()))
	}
	clean := md.Snapshots()
	if total < 6 {
		t.Fatalf("the commit made %d writes, want manifest, list, metadata, hint and deletes", total)
	}
	for k := 1; k <= total; k++ {
		t.Run(fmt.Sprintf("kill%d", k), func(t *testing.T) {
			h, txn := prepare(t)
			h.lake.killAt = h.lake.writes + k
			_, err := h.w.CommitTxn(ctx, txn)
			h.lake.killAt = 0
			// The hint's write is not the commit: its failure is no error.
			if err != nil && !errors.Is(err, errKilled) {
				t.Fatalf("kill at write %d: %v", k, err)
			}
			md, _, err := h.w.Current(ctx, "trade_flows")
			if err != nil {
				t.Fatal(err)
			}
			if md.CurrentSnapshot().Summary.Properties[PropTxn] == txn {
				h.record(md.CurrentSnapshot().SnapshotID)
			}
			// icebird is slow to start: it reads the states after the
			// kill points that differ (before the commit, after it, after
			// the hint, after the deletes); the others are checked by
			// their files.
			reads := k <= 4 || k == total
			if reads {
				h.readable(fmt.Sprintf("killed at write %d", k))
			}
			// The re-run converges: the snapshot is there once.
			s2 := h.snapshot(txn)
			md, _, err = h.w.Current(ctx, "trade_flows")
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, sn := range md.Snapshots() {
				if sn.Summary.Properties[PropTxn] == txn {
					n++
				}
			}
			if n != 1 || md.CurrentSnapshot().SnapshotID != s2.SnapshotID || len(md.Snapshots()) != len(clean) {
				t.Errorf("re-run: %d snapshots of the transaction, current %d (re-run's %d), %d snapshots (a clean run keeps %d)",
					n, md.CurrentSnapshot().SnapshotID, s2.SnapshotID, len(md.Snapshots()), len(clean))
			}
			// Leftovers (a manifest written before the kill, manifests of
			// snapshots the commit expired) are swept by the next commit
			// once the lake's clock puts them past the max age.
			h.clock = h.clock.Add(25 * time.Hour)
			if _, err := h.w.Catchup(ctx); err != nil {
				t.Fatal(err)
			}
			h.release(map[int]int{11: 1}, time.Hour)
			got := h.files()
			md, v, err := h.w.Current(ctx, "trade_flows")
			if err != nil {
				t.Fatal(err)
			}
			if want := min(v, 4) + 1 + 2*len(md.Snapshots()); len(got) != want {
				t.Errorf("after the re-run: %d files, want %d: %v", len(got), want, got)
			}
			if reads {
				h.readable("after the re-run")
			}
		})
	}
}

type snapshotT struct{ id, seq, ts int64 }

func toSnapshots(in []snapshotT) []icetable.Snapshot {
	out := make([]icetable.Snapshot, len(in))
	for i, s := range in {
		out[i] = icetable.Snapshot{SnapshotID: s.id, SequenceNumber: s.seq, TimestampMs: s.ts}
	}
	return out
}

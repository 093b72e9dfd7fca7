package publish

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path"
	"reflect"
	"strings"
	"time"

	"github.com/tradepipe/tradepipe/internal/schema"
	"github.com/tradepipe/tradepipe/sinks/lake"
)

// TablesRoot holds the immutable data files and the commit logs, outside
// every tree a user globs.
const TablesRoot = "_tables"

// pendingRoot holds one marker per partition whose view may lag its log.
const pendingRoot = TablesRoot + "/_pending/"

// DefaultRetention is how long a data file that a newer commit no longer
// references is kept for readers that loaded an earlier commit.
const DefaultRetention = 24 * time.Hour

// ErrConflict is returned (wrapped) when another writer committed to the
// partition between this writer's read of the log and its commit: the
// lease was lost or not held. Nothing of this publish is visible.
var ErrConflict = errors.New("commit conflict")

// LogKey is the key of commit seq of the partition directory dir.
func LogKey(dir string, seq int64) string { return fmt.Sprintf("%s%020d.json", logPrefix(dir), seq) }

func logPrefix(dir string) string { return TablesRoot + "/" + dir + "/_log/" }

// dataKey is the immutable key of a data file: named by its content, so
// the name can never hold other bytes.
func dataKey(dir, name, sha string) string {
	stem := strings.TrimSuffix(name, path.Ext(name))
	return fmt.Sprintf("%s/%s/data/%s-%s%s", TablesRoot, dir, stem, sha[:min(16, len(sha))], path.Ext(name))
}

func pendingKey(dir string) string {
	sum := sha256.Sum256([]byte(dir))
	return pendingRoot + hex.EncodeToString(sum[:16]) + ".json"
}

// LocalFile is a finished local file to publish as a data file of a group.
type LocalFile struct {
	Name   string // base name in the partition directory, e.g. part-00000.parquet
	Path   string // local path
	Rows   int64
	Bytes  int64
	SHA256 string
}

// Commit is one group's new version for one partition.
type Commit struct {
	Partition schema.Partition
	// Group describes the group; its Files and Rows are filled in from
	// Local.
	Group Group
	Local []LocalFile
}

// Step names a point in Publish, for fault-injection tests.
type Step int

// The steps of Publish, in order. A crash before StepCommit leaves
// nothing visible; a crash at or after StepView leaves the commit made and
// the view at the previous commit or partly refreshed (whole groups), which
// the next Settle or Recover finishes.
const (
	StepData     Step = iota // before each immutable data file is put
	StepPending              // before the partition's pending marker is put
	StepCommit               // before the commit record (staged, in a transaction) is put
	StepTxn                  // before a transaction's outcome record is put (Txn.Commit)
	StepView                 // before each view file is copied or removed
	StepManifest             // before the view's _manifest.json is put
	StepSuccess              // before _SUCCESS is put
	StepCleanup              // before unreferenced data files are deleted and the marker removed
)

var stepNames = [...]string{"data", "pending", "commit", "txn", "view", "manifest", "success", "cleanup"}

func (s Step) String() string {
	if int(s) < len(stepNames) {
		return stepNames[s]
	}
	return fmt.Sprintf("step%d", int(s))
}

// Publisher publishes commits to a lake.
type Publisher struct {
	Lake lake.Conditional
	// Now stamps commits; nil means time.Now.
	Now func() time.Time
	// Retention is how long files a newer commit dropped are kept;
	// 0 means DefaultRetention.
	Retention time.Duration
	// Hook, when set, is called before each step; an error aborts Publish
	// there, as a crash would. Tests use it; production leaves it nil.
	Hook func(Step, string) error
}

func (p *Publisher) hook(s Step, key string) error {
	if p.Hook == nil {
		return nil
	}
	return p.Hook(s, key)
}

func (p *Publisher) now() time.Time {
	if p.Now != nil {
		return p.Now().UTC()
	}
	return time.Now().UTC()
}

// Publish makes c's group the current version of its partition and returns
// the new commit. ctx bounds every lake call. The caller holds the
// partition's lease. Publishing the commit the partition already has
// changes nothing but finishing an interrupted view refresh. On error
// before the commit nothing is visible; after it the commit stands and
// Settle (or the next Publish, or Recover) finishes the view. ErrConflict
// means another writer committed first.
func (p *Publisher) Publish(ctx context.Context, c Commit) (*Manifest, error) {
	return p.publish(ctx, c, nil)
}

// publish commits c at once (t nil) or stages it in t.
func (p *Publisher) publish(ctx context.Context, c Commit, t *Txn) (*Manifest, error) {
	dir := c.Partition.Path
	var old *Manifest
	var top int64
	if m, ok := t.stagedFor(dir); ok {
		// Stack on this transaction's own record: head would take it for
		// a dead stager's and abort the transaction.
		old, top = m, m.Seq
	} else {
		var err error
		if old, top, err = p.head(ctx, dir); err != nil {
			return nil, err
		}
	}
	g := c.Group
	g.Files = g.Files[:0:0]
	g.Rows = 0
	for _, lf := range c.Local {
		if strings.HasPrefix(lf.Name, "_") || strings.HasPrefix(lf.Name, ".") || strings.Contains(lf.Name, "/") || lf.SHA256 == "" {
			return nil, fmt.Errorf("publish %s: bad data file %q (name or checksum)", dir, lf.Name)
		}
		g.Files = append(g.Files, FileEntry{Name: lf.Name, Key: dataKey(dir, lf.Name, lf.SHA256), Rows: lf.Rows, Bytes: lf.Bytes, SHA256: lf.SHA256})
		g.Rows += lf.Rows
	}
	if cur := old.Group(g.Name); cur != nil && sameGroup(*cur, g) {
		if t != nil {
			return old, t.Settle(ctx, old)
		}
		return old, p.Settle(ctx, old)
	}
	for i, lf := range c.Local {
		key := g.Files[i].Key
		if err := p.hook(StepData, key); err != nil {
			return nil, err
		}
		if _, err := p.Lake.Stat(ctx, key); err == nil {
			t.putData(lf.SHA256, key)
			continue // content-addressed: already there, same bytes
		} else if !errors.Is(err, lake.ErrNotExist) {
			return nil, fmt.Errorf("publish %s: %w", dir, err)
		}
		if err := p.putData(ctx, t, key, lf); err != nil {
			return nil, fmt.Errorf("publish %s: %w", dir, err)
		}
	}
	now := p.now()
	g.PublishedAt = now
	return p.commit(ctx, old, top, withGroup(old, c.Partition, g, now), t)
}

// sameGroup reports whether two versions of a group are the same apart
// from when they were published.
func sameGroup(a, b Group) bool {
	a.PublishedAt, b.PublishedAt = time.Time{}, time.Time{}
	if len(a.Files) == 0 {
		a.Files = nil
	}
	if len(b.Files) == 0 {
		b.Files = nil
	}
	if len(a.Counters) == 0 {
		a.Counters = nil
	}
	if len(b.Counters) == 0 {
		b.Counters = nil
	}
	if len(a.Warnings) == 0 {
		a.Warnings = nil
	}
	if len(b.Warnings) == 0 {
		b.Warnings = nil
	}
	if len(a.Inputs) == 0 {
		a.Inputs = nil
	}
	if len(b.Inputs) == 0 {
		b.Inputs = nil
	}
	return reflect.DeepEqual(a, b)
}

// commit writes m as record top+1 of the log with old (nil: none) as its
// parent, then refreshes the view; in a transaction t the record is staged
// and the view is left to t.Commit.
func (p *Publisher) commit(ctx context.Context, old *Manifest, top int64, m *Manifest, t *Txn) (*Manifest, error) {
	dir := m.Partition
	m.Seq, m.Parent = top+1, 0
	if old != nil {
		m.Parent = old.Seq
	}
	m.Txn = ""
	if t != nil {
		m.Txn = t.rec.ID
	}
	// A marker already there means an earlier view refresh was cut short:
	// the view's _manifest.json may then not describe every view file, so
	// the refresh below rewrites them all.
	pk := pendingKey(dir)
	_, err := p.Lake.Stat(ctx, pk)
	dirty := err == nil
	if err != nil && !errors.Is(err, lake.ErrNotExist) {
		return nil, fmt.Errorf("publish %s: %w", dir, err)
	}
	if !dirty {
		if err := p.hook(StepPending, pk); err != nil {
			return nil, err
		}
		b, _ := json.Marshal(map[string]string{"partition": dir})
		if err := p.Lake.Put(ctx, pk, bytes.NewReader(b)); err != nil {
			return nil, fmt.Errorf("publish %s: %w", dir, err)
		}
	}
	body, err := m.encode()
	if err != nil {
		return nil, fmt.Errorf("publish %s: encode commit: %w", dir, err)
	}
	key := LogKey(dir, m.Seq)
	if err := p.hook(StepCommit, key); err != nil {
		return nil, err
	}
	if _, err := p.Lake.PutIfAbsent(ctx, key, bytes.NewReader(body)); err != nil {
		if errors.Is(err, lake.ErrPrecondition) {
			return nil, fmt.Errorf("publish %s: commit %d exists: %w", dir, m.Seq, ErrConflict)
		}
		return nil, fmt.Errorf("publish %s: %w", dir, err)
	}
	if t != nil {
		if _, ok := t.staged[dir]; !ok {
			t.order = append(t.order, dir)
		}
		t.staged[dir] = m
		return m, nil
	}
	if err := p.settle(ctx, m, true); err != nil {
		return nil, err
	}
	return m, nil
}

// Settle brings the partition's view up to commit m (its latest) and
// collects files no retained commit references. It is idempotent and cheap
// when the view is current (a stat, a read and a list), so callers run it
// whenever they find a partition already up to date. The caller holds the
// partition's lease. ctx bounds the lake calls.
func (p *Publisher) Settle(ctx context.Context, m *Manifest) error {
	if m == nil {
		return nil
	}
	_, err := p.Lake.Stat(ctx, pendingKey(m.Partition))
	if errors.Is(err, lake.ErrNotExist) {
		// No refresh was cut short; only check the view is at m.
		if v := loadView(ctx, p.Lake, m.Partition); v != nil && v.Seq == m.Seq {
			return nil
		}
		return p.settle(ctx, m, false)
	}
	if err != nil {
		return fmt.Errorf("settle %s: %w", m.Partition, err)
	}
	return p.settle(ctx, m, true)
}

// settle refreshes the view of m's partition to m. full rewrites every
// view file; otherwise files the view manifest already lists with the same
// checksum are left alone.
func (p *Publisher) settle(ctx context.Context, m *Manifest, full bool) error {
	dir := m.Partition
	view := loadView(ctx, p.Lake, dir)
	if full {
		view = nil
	}
	// Files the commit dropped go first: a reader never sees a group's
	// old file beside its new one under another name.
	var stale []string
	for o, err := range p.Lake.List(ctx, dir+"/") {
		if err != nil {
			return fmt.Errorf("settle %s: %w", dir, err)
		}
		rel := strings.TrimPrefix(o.Key, dir+"/")
		if strings.Contains(rel, "/") || strings.HasPrefix(rel, "_") || strings.HasPrefix(rel, ".") || m.file(rel) != nil {
			continue
		}
		stale = append(stale, o.Key)
	}
	for _, k := range stale {
		if err := p.hook(StepView, k); err != nil {
			return err
		}
		if err := p.Lake.Delete(ctx, k); err != nil {
			return fmt.Errorf("settle %s: %w", dir, err)
		}
	}
	// The view's writes need not be durable one by one, only before the
	// marker goes (a crash before that refreshes the view again): on a
	// lake that can batch its syncs, they are made durable together.
	var vl lake.Lake = p.Lake
	syncer, batch := p.Lake.(lake.Syncer)
	if batch {
		vl = syncer.Unsynced()
	}
	var written []string
	for _, g := range m.Groups {
		for _, f := range g.Files {
			if v := view.file(f.Name); v != nil && v.SHA256 == f.SHA256 {
				continue
			}
			dst := path.Join(dir, f.Name)
			if err := p.hook(StepView, dst); err != nil {
				return err
			}
			// Not in written: the copy's bytes are the data file's,
			// durable before its commit record; its name is in the
			// directory of the manifest below, which Sync syncs.
			if err := vl.Copy(ctx, f.Key, dst); err != nil {
				return fmt.Errorf("settle %s: %w", dir, err)
			}
		}
	}
	body, err := m.encode()
	if err != nil {
		return fmt.Errorf("settle %s: encode manifest: %w", dir, err)
	}
	mk := path.Join(dir, ManifestName)
	if err := p.hook(StepManifest, mk); err != nil {
		return err
	}
	if err := vl.Put(ctx, mk, bytes.NewReader(body)); err != nil {
		return fmt.Errorf("settle %s: %w", dir, err)
	}
	written = append(written, mk)
	sk := path.Join(dir, SuccessName)
	if _, err := p.Lake.Stat(ctx, sk); errors.Is(err, lake.ErrNotExist) {
		if err := p.hook(StepSuccess, sk); err != nil {
			return err
		}
		if err := vl.Put(ctx, sk, bytes.NewReader(nil)); err != nil {
			return fmt.Errorf("settle %s: %w", dir, err)
		}
		written = append(written, sk)
	} else if err != nil {
		return fmt.Errorf("settle %s: %w", dir, err)
	}
	if batch {
		if err := syncer.Sync(ctx, written...); err != nil {
			return fmt.Errorf("settle %s: %w", dir, err)
		}
	}
	if err := p.hook(StepCleanup, dir); err != nil {
		return err
	}
	if err := p.collect(ctx, m); err != nil {
		return fmt.Errorf("settle %s: %w", dir, err)
	}
	if err := p.Lake.Delete(ctx, pendingKey(dir)); err != nil {
		return fmt.Errorf("settle %s: %w", dir, err)
	}
	return nil
}

// collect deletes the partition's immutable data files that no retained
// commit references. A commit is retained while it is the latest or was
// replaced less than Retention ago, since a reader that loaded it may
// still be reading its files. Files never committed (a publish that
// crashed before its commit) are deleted at once: under the lease no other
// writer can be about to commit them.
func (p *Publisher) collect(ctx context.Context, head *Manifest) error {
	ret := p.Retention
	if ret <= 0 {
		ret = DefaultRetention
	}
	cutoff := p.now().Add(-ret)
	keep := head.keys()
	succ := head
	for seq := head.Parent; seq > 0; {
		if succ.PublishedAt.Before(cutoff) {
			break // seq was replaced before the cutoff; so were all older
		}
		c, err := loadCommit(ctx, p.Lake, head.Partition, seq)
		if err != nil {
			return err
		}
		for k := range c.keys() {
			keep[k] = true
		}
		succ, seq = c, c.Parent
	}
	prefix := TablesRoot + "/" + head.Partition + "/data/"
	var drop []string
	for o, err := range p.Lake.List(ctx, prefix) {
		if err != nil {
			return err
		}
		if !keep[o.Key] {
			drop = append(drop, o.Key)
		}
	}
	for _, k := range drop {
		if err := p.Lake.Delete(ctx, k); err != nil {
			return err
		}
	}
	return nil
}

// Pending lists the partitions whose view a crash may have left behind
// their log. ctx bounds the listing.
func (p *Publisher) Pending(ctx context.Context) ([]string, error) {
	var out []string
	for o, err := range p.Lake.List(ctx, pendingRoot) {
		if err != nil {
			return nil, fmt.Errorf("list pending views: %w", err)
		}
		b, err := lake.ReadAll(ctx, p.Lake, o.Key)
		if errors.Is(err, lake.ErrNotExist) {
			continue // settled meanwhile
		}
		if err != nil {
			return nil, fmt.Errorf("list pending views: %w", err)
		}
		var rec struct {
			Partition string `json:"partition"`
		}
		if json.Unmarshal(b, &rec) != nil || rec.Partition == "" || pendingKey(rec.Partition) != o.Key {
			return nil, fmt.Errorf("pending marker %s is not the engine's", o.Key)
		}
		out = append(out, rec.Partition)
	}
	return out, nil
}

// Recover settles one partition that Pending listed: the view follows the
// latest commit (a marker left before any commit only goes away). The
// caller holds the partition's lease. ctx bounds the lake calls.
func (p *Publisher) Recover(ctx context.Context, dir string) error {
	m, _, err := p.head(ctx, dir)
	if err != nil {
		return err
	}
	if m == nil {
		return p.Lake.Delete(ctx, pendingKey(dir))
	}
	return p.settle(ctx, m, true)
}

// putData writes data file lf under key: a copy of the same bytes t
// already put under another key where there is one, else an upload of
// the local file. Either is as durable as Put.
func (p *Publisher) putData(ctx context.Context, t *Txn, key string, lf LocalFile) error {
	if src, ok := t.dataKey(lf.SHA256); ok {
		err := p.Lake.Copy(ctx, src, key)
		if err == nil {
			t.putData(lf.SHA256, key)
			return nil
		}
		if !errors.Is(err, lake.ErrNotExist) {
			return err
		}
	}
	if err := putFile(ctx, p.Lake, key, lf.Path); err != nil {
		return err
	}
	t.putData(lf.SHA256, key)
	return nil
}

func putFile(ctx context.Context, l lake.Lake, key, local string) error {
	f, err := os.Open(local)
	if err != nil {
		return err
	}
	defer f.Close()
	return l.Put(ctx, key, f)
}

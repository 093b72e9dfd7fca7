package iceberg

import (
	"context"
	"fmt"
	"testing"
	"time"

	ice "github.com/apache/iceberg-go"
	"github.com/apache/iceberg-go/catalog"
	icetable "github.com/apache/iceberg-go/table"

	"github.com/tradepipe/tradepipe/sinks/lake"
)

// memCatalog is a FAKE catalog at the Catalog interface (cmd/tradepipe
// tests the REST path over HTTP): it keeps each table's metadata and
// applies commits with iceberg-go's own requirement checks and
// UpdateTableMetadata, as a catalog server does.
type memCatalog struct {
	lake   lake.Lake
	w      *Writer
	ns     map[string]bool
	tables map[string]icetable.Metadata
}

func (m *memCatalog) CheckNamespaceExists(_ context.Context, ns icetable.Identifier) (bool, error) {
	return m.ns[ns[0]], nil
}

func (m *memCatalog) CreateNamespace(_ context.Context, ns icetable.Identifier, _ ice.Properties) error {
	m.ns[ns[0]] = true
	return nil
}

func (m *memCatalog) LoadTable(_ context.Context, ident icetable.Identifier) (*icetable.Table, error) {
	md, ok := m.tables[ident[1]]
	if !ok {
		return nil, catalog.ErrNoSuchTable
	}
	return icetable.New(ident, md, "mem://"+ident[1], nil, nil), nil
}

func (m *memCatalog) RegisterTable(ctx context.Context, ident icetable.Identifier, loc string) (*icetable.Table, error) {
	k, err := m.w.key(loc)
	if err != nil {
		return nil, err
	}
	b, err := lake.ReadAll(ctx, m.lake, k)
	if err != nil {
		return nil, err
	}
	md, err := icetable.ParseMetadataBytes(b)
	if err != nil {
		return nil, err
	}
	m.tables[ident[1]] = md
	return icetable.New(ident, md, loc, nil, nil), nil
}

func (m *memCatalog) CommitTable(_ context.Context, ident icetable.Identifier, reqs []icetable.Requirement, updates []icetable.Update) (icetable.Metadata, string, error) {
	md := m.tables[ident[1]]
	for _, r := range reqs {
		if err := r.Validate(md); err != nil {
			return nil, "", fmt.Errorf("commit failed: %w", err)
		}
	}
	next, err := icetable.UpdateTableMetadata(md, updates, "mem://"+ident[1])
	if err != nil {
		return nil, "", err
	}
	m.tables[ident[1]] = next
	return next, "mem://" + ident[1], nil
}

// A catalog registered before the lake expired snapshots is brought up
// to date by one commit that adds the lake's new snapshots and removes
// the ones the lake expired: afterwards the catalog holds exactly the
// lake's snapshots. A snapshot the lake never had is refused.
func TestRegisterRemovesExpired(t *testing.T) {
	ctx := context.Background()
	ex := testExpire
	h := newHarness(t, &ex)
	cat := &memCatalog{lake: h.lake, w: h.w, ns: map[string]bool{}, tables: map[string]icetable.Metadata{}}
	for i := range 3 {
		h.release(map[int]int{1: 1 + i, 2 + i: 2}, time.Hour)
	}
	regs, err := h.w.Register(ctx, cat, "tradepipe")
	if err != nil || len(regs) != 1 || regs[0].Action != "registered" {
		t.Fatalf("first register: %+v %v", regs, err)
	}
	for i := range 8 {
		if _, err := h.w.Catchup(ctx); err != nil {
			t.Fatal(err)
		}
		h.release(map[int]int{1: 5 + i, 5 + i: 1}, 12*time.Hour)
	}
	md, _, err := h.w.Current(ctx, "trade_flows")
	if err != nil {
		t.Fatal(err)
	}
	regs, err = h.w.Register(ctx, cat, "tradepipe")
	if err != nil || len(regs) != 1 || regs[0].Action != "updated" || regs[0].Expired != 3 {
		t.Fatalf("second register: %+v %v, want an update that removes the catalog's 3 expired snapshots", regs, err)
	}
	theirs := cat.tables["trade_flows"]
	if len(theirs.Snapshots()) != len(md.Snapshots()) || theirs.CurrentSnapshot().SnapshotID != md.CurrentSnapshot().SnapshotID {
		t.Errorf("catalog has %d snapshots (current %d), the lake %d (current %d)", len(theirs.Snapshots()),
			theirs.CurrentSnapshot().SnapshotID, len(md.Snapshots()), md.CurrentSnapshot().SnapshotID)
	}
	for _, s := range theirs.Snapshots() {
		if md.SnapshotByID(s.SnapshotID) == nil {
			t.Errorf("catalog keeps snapshot %d the lake expired", s.SnapshotID)
		}
	}

	// A snapshot of the catalog's that is not tradepipe's: refused.
	foreign := *theirs.CurrentSnapshot()
	foreign.SnapshotID, foreign.SequenceNumber, foreign.Summary = 42, theirs.LastSequenceNumber()+1, &icetable.Summary{Operation: icetable.OpAppend}
	foreign.ParentSnapshotID = nil
	next, err := icetable.UpdateTableMetadata(theirs, []icetable.Update{icetable.NewAddSnapshotUpdate(&foreign)}, "mem://x")
	if err != nil {
		t.Fatal(err)
	}
	cat.tables["trade_flows"] = next
	h.release(map[int]int{1: 1}, time.Hour)
	if _, err := h.w.Register(ctx, cat, "tradepipe"); err == nil {
		t.Error("register over a catalog snapshot the lake never had succeeded")
	}
}

package iceberg

import (
	"context"
	"errors"
	"fmt"

	ice "github.com/apache/iceberg-go"
	"github.com/apache/iceberg-go/catalog"
	icetable "github.com/apache/iceberg-go/table"
)

// Catalog is what registering needs of an iceberg-go catalog; REST
// (catalog/rest) and Glue (catalog/glue) catalogs have it.
type Catalog interface {
	// CheckNamespaceExists, CreateNamespace, LoadTable, RegisterTable and
	// CommitTable are iceberg-go's: ctx bounds each call; errors wrap
	// catalog.ErrNoSuchTable, catalog.ErrTableAlreadyExists and the like.
	CheckNamespaceExists(ctx context.Context, ns icetable.Identifier) (bool, error)
	CreateNamespace(ctx context.Context, ns icetable.Identifier, props ice.Properties) error
	LoadTable(ctx context.Context, ident icetable.Identifier) (*icetable.Table, error)
	RegisterTable(ctx context.Context, ident icetable.Identifier, metadataLocation string) (*icetable.Table, error)
	CommitTable(ctx context.Context, ident icetable.Identifier, reqs []icetable.Requirement, updates []icetable.Update) (icetable.Metadata, string, error)
}

// Registered says what Register did with one table.
type Registered struct {
	Table string
	// Action is "registered" (new in the catalog), "updated" (Added
	// snapshots committed on top of the catalog's), or "current".
	Action string
	Added  int
	// Expired counts the catalog's snapshots removed because the lake
	// expired them.
	Expired    int
	SnapshotID int64
	// Metadata is the catalog's metadata location after the call.
	Metadata string
}

// Register publishes every table that has Iceberg metadata to cat under
// namespace (created when missing). A table the catalog does not know is
// registered with its current metadata location. A table it knows is
// brought up to date by one commit of the snapshots it lacks (removing
// the ones the lake expired), asserting
// that its main branch is still at the snapshot it had, so a catalog that
// moved on its own is reported, never overwritten. ctx bounds the calls.
func (w *Writer) Register(ctx context.Context, cat Catalog, namespace string) ([]Registered, error) {
	ns := icetable.Identifier{namespace}
	ok, err := cat.CheckNamespaceExists(ctx, ns)
	if err != nil {
		return nil, fmt.Errorf("namespace %s: %w", namespace, err)
	}
	if !ok {
		if err := cat.CreateNamespace(ctx, ns, ice.Properties{"comment": "tradepipe lake tables"}); err != nil && !errors.Is(err, catalog.ErrNamespaceAlreadyExists) {
			return nil, fmt.Errorf("create namespace %s: %w", namespace, err)
		}
	}
	defs, err := w.defs()
	if err != nil {
		return nil, err
	}
	var out []Registered
	for _, d := range defs {
		name := d.Table.Name
		md, v, err := w.Current(ctx, name)
		if err != nil {
			return out, err
		}
		if md == nil || md.CurrentSnapshot() == nil {
			continue // nothing committed yet
		}
		r, err := w.register(ctx, cat, icetable.Identifier{namespace, name}, md, v)
		if err != nil {
			return out, fmt.Errorf("table %s.%s: %w", namespace, name, err)
		}
		out = append(out, r)
	}
	return out, nil
}

func (w *Writer) register(ctx context.Context, cat Catalog, ident icetable.Identifier, md icetable.Metadata, v int) (Registered, error) {
	name := ident[len(ident)-1]
	cur := md.CurrentSnapshot().SnapshotID
	tbl, err := cat.LoadTable(ctx, ident)
	if errors.Is(err, catalog.ErrNoSuchTable) {
		loc := w.base() + "/" + MetadataKey(name, v)
		t, err := cat.RegisterTable(ctx, ident, loc)
		if err != nil {
			return Registered{}, fmt.Errorf("register %s: %w", loc, err)
		}
		return Registered{Table: name, Action: "registered", SnapshotID: cur, Metadata: t.MetadataLocation()}, nil
	}
	if err != nil {
		return Registered{}, fmt.Errorf("load: %w", err)
	}
	theirs := tbl.Metadata()
	if theirs.TableUUID() != md.TableUUID() {
		return Registered{}, fmt.Errorf("the catalog's table is another table (uuid %s, the lake's is %s)", theirs.TableUUID(), md.TableUUID())
	}
	var at *int64
	if s := theirs.CurrentSnapshot(); s != nil {
		at = &s.SnapshotID
	}
	if at != nil && *at == cur {
		return Registered{Table: name, Action: "current", SnapshotID: cur, Metadata: tbl.MetadataLocation()}, nil
	}
	// The lake's snapshots after the catalog's current one, oldest first.
	var missing []icetable.Snapshot
	for _, s := range md.Snapshots() {
		if theirs.SnapshotByID(s.SnapshotID) == nil {
			missing = append(missing, s)
		}
	}
	// The catalog's snapshots the lake expired since the last register:
	// ours (they name a transaction), so they go there too. A snapshot
	// the lake never had means the catalog's table moved on its own.
	var expired []int64
	for _, s := range theirs.Snapshots() {
		if md.SnapshotByID(s.SnapshotID) != nil {
			continue
		}
		if s.Summary == nil || s.Summary.Properties[PropTxn] == "" {
			return Registered{}, fmt.Errorf("the catalog has snapshot %d, which is not the lake's", s.SnapshotID)
		}
		expired = append(expired, s.SnapshotID)
	}
	updates := make([]icetable.Update, 0, len(missing)+2)
	for i := range missing {
		updates = append(updates, icetable.NewAddSnapshotUpdate(&missing[i]))
	}
	updates = append(updates, icetable.NewSetSnapshotRefUpdate(icetable.MainBranch, cur, icetable.BranchRef, -1, -1, -1))
	if len(expired) > 0 {
		updates = append(updates, icetable.NewRemoveSnapshotsUpdate(expired, false))
	}
	_, loc, err := cat.CommitTable(ctx, ident, []icetable.Requirement{
		icetable.AssertTableUUID(md.TableUUID()),
		icetable.AssertRefSnapshotID(icetable.MainBranch, at),
	}, updates)
	if err != nil {
		return Registered{}, fmt.Errorf("commit %d snapshots: %w", len(missing), err)
	}
	return Registered{Table: name, Action: "updated", Added: len(missing), Expired: len(expired), SnapshotID: cur, Metadata: loc}, nil
}

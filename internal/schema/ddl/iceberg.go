package ddl

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// The engines that read the lake's Iceberg tables (sinks/iceberg): by
// metadata location (DuckDB's iceberg_scan), by registering the table in
// the engine's catalog (Trino's and Spark's register_table), or through
// the Glue Data Catalog `tradepipe tables register` publishes to
// (Athena).
const (
	DuckDBIceberg Engine = "duckdb-iceberg"
	AthenaIceberg Engine = "athena-iceberg"
	TrinoIceberg  Engine = "trino-iceberg"
	SparkIceberg  Engine = "spark-iceberg"
)

// Iceberg reports whether e's statements read the Iceberg tables, and so
// take their metadata location and snapshots (Options.Iceberg).
func (e Engine) Iceberg() bool {
	return e == DuckDBIceberg || e == AthenaIceberg || e == TrinoIceberg || e == SparkIceberg
}

// Known reports whether e is an engine SQL is generated for.
func (e Engine) Known() bool { return slices.Contains(Engines, e) }

// IcebergTable is what the statements of the Iceberg engines take from a
// table's current metadata in the lake.
type IcebergTable struct {
	// TableLocation is the table's Iceberg location
	// (<lake>/_iceberg/<table>), MetadataLocation its current metadata
	// file (<TableLocation>/metadata/v<N>.metadata.json), as engines
	// reach them.
	TableLocation, MetadataLocation string
	// Snapshots are the table's snapshots, oldest first; the last is
	// the current one.
	Snapshots []IcebergSnapshot
}

// IcebergSnapshot is one snapshot of a table.
type IcebergSnapshot struct {
	ID        int64
	Committed time.Time
	ReleaseID string
}

// icebergTable is t's Iceberg state for the statements: o.Iceberg's, or
// placeholders when the lake has none for it (no snapshot yet, or no lake
// read: the README's form).
func (o Options) icebergTable(t table) (IcebergTable, bool) {
	if it, ok := o.Iceberg[t.Name]; ok && len(it.Snapshots) > 0 {
		return it, true
	}
	loc := strings.TrimSuffix(o.Location, "/") + "/_iceberg/" + t.Name
	return IcebergTable{TableLocation: loc, MetadataLocation: loc + "/metadata/v<N>.metadata.json"}, false
}

// versions are the ids the statements name: the current snapshot and the
// oldest kept, for time travel (placeholders when there are none).
func (it IcebergTable) versions() (cur, oldest string, note string) {
	if len(it.Snapshots) == 0 {
		return "<snapshot-id>", "<earlier-snapshot-id>", ""
	}
	c, o := it.Snapshots[len(it.Snapshots)-1], it.Snapshots[0]
	note = fmt.Sprintf("snapshot %d of %d kept (release %s, committed %s)", c.ID, len(it.Snapshots), orDash(c.ReleaseID), c.Committed.UTC().Format(time.RFC3339))
	return fmt.Sprint(c.ID), fmt.Sprint(o.ID), note
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// icebergHeader says, once per table, which state the statements name.
func icebergHeader(w io.Writer, t table, it IcebergTable, real bool) {
	fmt.Fprintf(w, "-- %s: %s\n", t.Name, t.Doc)
	if !real {
		fmt.Fprintf(w, "-- no snapshot read from a lake: the <...> are placeholders for what `tradepipe tables list` prints\n")
		return
	}
	_, _, note := it.versions()
	fmt.Fprintf(w, "-- current: %s\n", note)
	if o := it.Snapshots[0]; len(it.Snapshots) > 1 {
		fmt.Fprintf(w, "-- oldest kept: snapshot %d (release %s, committed %s)\n", o.ID, orDash(o.ReleaseID), o.Committed.UTC().Format(time.RFC3339))
	}
}

// fileName is the last element of a location.
func fileName(loc string) string { return loc[strings.LastIndex(loc, "/")+1:] }

func duckdbIceberg(w io.Writer, t table, o Options) error {
	it, real := o.icebergTable(t)
	icebergHeader(w, t, it, real)
	_, oldest, _ := it.versions()
	// A view pinned to the metadata file: the table as of that commit.
	// Generate the statements again after a release to move it on.
	fmt.Fprintf(w, "CREATE OR REPLACE VIEW %q AS\nSELECT * FROM iceberg_scan(%s);\n", t.Name, sqlString(it.MetadataLocation))
	fmt.Fprintf(w, "-- time travel\nSELECT count(*) FROM iceberg_scan(%s, snapshot_from_id = %s);\n", sqlString(it.MetadataLocation), oldest)
	return nil
}

func trinoIceberg(w io.Writer, t table, o Options) error {
	it, real := o.icebergTable(t)
	icebergHeader(w, t, it, real)
	_, oldest, _ := it.versions()
	cat := cmpOr(o.Catalog, "iceberg")
	fmt.Fprintf(w, "CALL %q.system.register_table(schema_name => %s, table_name => %s,\n  table_location => %s, metadata_file_name => %s);\n",
		cat, sqlString(o.database()), sqlString(t.Name), sqlString(it.TableLocation), sqlString(fileName(it.MetadataLocation)))
	fmt.Fprintf(w, "-- time travel\nSELECT count(*) FROM %q.%q.%q FOR VERSION AS OF %s;\n", cat, o.database(), t.Name, oldest)
	return nil
}

func sparkIceberg(w io.Writer, t table, o Options) error {
	it, real := o.icebergTable(t)
	icebergHeader(w, t, it, real)
	_, oldest, _ := it.versions()
	cat := cmpOr(o.Catalog, "iceberg")
	fmt.Fprintf(w, "CALL `%s`.system.register_table(table => %s,\n  metadata_file => %s);\n",
		cat, hiveString(o.database()+"."+t.Name), hiveString(it.MetadataLocation))
	fmt.Fprintf(w, "-- time travel\nSELECT count(*) FROM `%s`.`%s`.`%s` VERSION AS OF %s;\n", cat, o.database(), t.Name, oldest)
	return nil
}

func athenaIceberg(w io.Writer, t table, o Options) error {
	it, real := o.icebergTable(t)
	icebergHeader(w, t, it, real)
	_, oldest, _ := it.versions()
	fmt.Fprintf(w, "SELECT count(*) FROM %q.%q;\n", o.database(), t.Name)
	fmt.Fprintf(w, "-- time travel\nSELECT count(*) FROM %q.%q FOR VERSION AS OF %s;\n", o.database(), t.Name, oldest)
	return nil
}

// icebergPreamble is printed once before an Iceberg engine's tables.
func icebergPreamble(w io.Writer, e Engine) {
	switch e {
	case DuckDBIceberg:
		fmt.Fprint(w, "-- The views read each table as of the metadata file named (the current one when generated);\n"+
			"-- generate them again after a release. The iceberg extension is downloaded on first use.\n"+
			"INSTALL iceberg;\nLOAD iceberg;\n\n")
	case TrinoIceberg:
		fmt.Fprint(w, "-- Iceberg connector with iceberg.register-table-procedure.enabled=true. The catalog keeps the\n"+
			"-- metadata file registered: after a release, unregister_table and register again, or keep the\n"+
			"-- tables in a REST or Glue catalog with `tradepipe tables register`.\n\n")
	case SparkIceberg:
		fmt.Fprint(w, "-- Iceberg runtime with a catalog named as below (spark.sql.catalog.<name>). A registered table\n"+
			"-- stays at the metadata file named: to follow releases, keep the tables in a REST or Glue\n"+
			"-- catalog with `tradepipe tables register` and point the Spark catalog at it.\n\n")
	case AthenaIceberg:
		fmt.Fprint(w, "-- After `tradepipe tables register` into the Glue Data Catalog (a glue catalog, or Glue's REST\n"+
			"-- endpoint with sigv4); run it after releases to move the tables on.\n\n")
	}
}

package ddl

import (
	"bytes"
	"database/sql"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/tradepipe/tradepipe/internal/duckdbtest"
	"github.com/tradepipe/tradepipe/internal/schema"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the output (go test ./internal/schema/ddl -update rewrites it):\n%s", path, got)
	}
}

func TestGolden(t *testing.T) {
	for _, tc := range []struct {
		file string
		req  Request
	}{
		{"tables.json", Request{Format: "json"}},
		{"athena.sql", Request{Format: "sql", Engine: Athena, Lake: "s3://example-bucket/lake"}},
		{"trino.sql", Request{Format: "sql", Engine: Trino, Lake: "s3://example-bucket/lake"}},
		{"spark.sql", Request{Format: "sql", Engine: Spark, Lake: "s3://example-bucket/lake/"}},
		{"duckdb.sql", Request{Format: "sql", Engine: DuckDB, Lake: "file://./lake"}},
		{"duckdb-iceberg.sql", Request{Format: "sql", Engine: DuckDBIceberg, Lake: "s3://example-bucket/lake"}},
		{"athena-iceberg.sql", Request{Format: "sql", Engine: AthenaIceberg, Lake: "s3://example-bucket/lake"}},
		{"trino-iceberg.sql", Request{Format: "sql", Engine: TrinoIceberg, Lake: "s3://example-bucket/lake"}},
		{"spark-iceberg.sql", Request{Format: "sql", Engine: SparkIceberg, Lake: "s3://example-bucket/lake"}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			var b bytes.Buffer
			if err := Run(&b, tc.req); err != nil {
				t.Fatal(err)
			}
			golden(t, tc.file, b.Bytes())
		})
	}
}

// With a table's Iceberg state (what cmd/tradepipe reads from the lake)
// the statements name its metadata file and snapshots; the tables the
// state lacks keep the placeholders.
func TestIcebergStatementsFromState(t *testing.T) {
	at := time.Date(2026, 11, 2, 8, 30, 0, 0, time.UTC)
	state := map[string]IcebergTable{"trade_flows": {
		TableLocation:    "s3://b/lake/_iceberg/trade_flows",
		MetadataLocation: "s3://b/lake/_iceberg/trade_flows/metadata/v7.metadata.json",
		Snapshots: []IcebergSnapshot{
			{ID: 1111, Committed: at, ReleaseID: "census-2026-10"},
			{ID: 2222, Committed: at.Add(24 * time.Hour), ReleaseID: "census-2026-11"},
		},
	}}
	var b bytes.Buffer
	for _, e := range []Engine{DuckDBIceberg, AthenaIceberg, TrinoIceberg, SparkIceberg} {
		fmt.Fprintf(&b, "-- ===== %s =====\n", e)
		if err := Run(&b, Request{Format: "sql", Engine: e, Lake: "s3://b/lake", Iceberg: state, Table: "trade_flows"}); err != nil {
			t.Fatal(err)
		}
	}
	golden(t, "iceberg-state.sql", b.Bytes())
	out := b.String()
	for _, want := range []string{"v7.metadata.json", "snapshot_from_id = 1111", "FOR VERSION AS OF 1111", "VERSION AS OF 1111",
		"current: snapshot 2222 of 2 kept (release census-2026-11, committed 2026-11-03T08:30:00Z)"} {
		if !strings.Contains(out, want) {
			t.Errorf("statements lack %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "<N>") || strings.Contains(out, "snapshot-id>") {
		t.Errorf("a placeholder is left:\n%s", out)
	}
}

func TestRunErrors(t *testing.T) {
	for _, r := range []Request{
		{Table: "nope"},
		{Format: "yaml"},
		{Format: "sql", Engine: "oracle", Lake: "s3://b/l"},
		{Format: "sql", Lake: "gs://b/l"},
		{Format: "sql"},
	} {
		if err := Run(&bytes.Buffer{}, r); err == nil {
			t.Errorf("Run(%+v) succeeded", r)
		}
	}
}

func TestOneTableEveryEngine(t *testing.T) {
	var b bytes.Buffer
	if err := Run(&b, Request{Table: "shipments", Format: "sql", Lake: "s3://b/l"}); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, e := range Engines {
		if !strings.Contains(out, "-- ===== "+string(e)+" =====") {
			t.Errorf("no %s section", e)
		}
	}
	if strings.Contains(out, "trade_flows") {
		t.Error("other tables printed")
	}
}

// TestDuckDBViews runs the generated DuckDB statements over a lake of real
// files in the Hive layout and checks each view's columns and types
// against the schema, and that partition values come through.
func TestDuckDBViews(t *testing.T) {
	lake := t.TempDir()
	for _, tbl := range schema.Tables() {
		writeSample(t, lake, tbl)
	}
	var b bytes.Buffer
	if err := Run(&b, Request{Format: "sql", Engine: DuckDB, Lake: "file://" + lake}); err != nil {
		t.Fatal(err)
	}
	db := duckdbtest.Open(t)
	if _, err := db.Exec(b.String()); err != nil {
		t.Fatalf("DuckDB refused the generated SQL: %v\n%s", err, b.String())
	}
	want := map[schema.Type]string{
		schema.TypeString: "VARCHAR", schema.TypeInt32: "INTEGER", schema.TypeInt64: "BIGINT",
		schema.TypeFloat64: "DOUBLE", schema.TypeDate: "DATE", schema.TypeDecimal: "DECIMAL(18,2)",
		schema.TypeTimestamp: "TIMESTAMP WITH TIME ZONE", schema.TypeStringList: "VARCHAR[]",
	}
	for _, tbl := range schema.Tables() {
		got := duckdbtest.Types(t, db, fmt.Sprintf("SELECT * FROM %q", tbl.Name))
		cols, err := tbl.Columns()
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cols {
			if got[c.Name] != want[c.Type] {
				t.Errorf("%s.%s: DuckDB type %q, want %q", tbl.Name, c.Name, got[c.Name], want[c.Type])
			}
		}
		for _, k := range tbl.PathKeys {
			if k.IsInt() && got[k.Name] != "INTEGER" {
				t.Errorf("%s.%s: DuckDB type %q, want INTEGER", tbl.Name, k.Name, got[k.Name])
			}
		}
		var n int
		var month sql.NullInt64
		q := fmt.Sprintf("SELECT count(*), max(month) FROM %q", tbl.Name)
		if tbl.Name == schema.DatasetCompliance {
			q = fmt.Sprintf("SELECT count(*), max(year) - 2020 + 4 FROM %q", tbl.Name)
		}
		if err := db.QueryRow(q).Scan(&n, &month); err != nil {
			t.Fatal(err)
		}
		if n != 1 || month.Int64 != 4 {
			t.Errorf("%s: %d rows, month %v; want 1 row of month 4", tbl.Name, n, month)
		}
	}
}

// writeSample writes one zero row of tbl's Record (string path keys set)
// under a partition of 2020-04.
func writeSample(t *testing.T, lake string, tbl schema.Table) {
	t.Helper()
	dir := filepath.Join(lake, tbl.Location)
	for _, k := range tbl.PathKeys {
		switch {
		case k.Name == "year":
			dir = filepath.Join(dir, "year=2020")
		case k.Name == "month":
			dir = filepath.Join(dir, "month=04")
		default:
			dir = filepath.Join(dir, k.Name+"="+k.Values[0])
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(filepath.Join(dir, "part-00000.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	// A plain parquet-go writer: the views must not depend on how
	// sinks/parquetfile lays a file out, only on the schema.
	var row any
	switch tbl.Record.(type) {
	case schema.TradeFlowRecord:
		row = &schema.TradeFlowRecord{Source: "census", Flow: "export"}
	case schema.TradeTotalRecord:
		row = &schema.TradeTotalRecord{Source: "census", Flow: "export"}
	case schema.ShipmentRecord:
		row = &schema.ShipmentRecord{Source: "panjiva"}
	case schema.QuarantineRecord:
		row = &schema.QuarantineRecord{Source: "census"}
	case schema.ComplianceRecord:
		row = &schema.ComplianceRecord{Basis: "cn_imports"}
	default:
		t.Fatalf("no sample row for %T", tbl.Record)
	}
	w := parquet.NewWriter(f, parquet.SchemaOf(row))
	if err := w.Write(row); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestREADMEStatements keeps the README's per-engine sections equal to
// what the generator prints for trade_flows.
func TestREADMEStatements(t *testing.T) {
	readme, err := os.ReadFile("../../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range Engines {
		lake := "s3://my-bucket/lake"
		if e == DuckDB {
			lake = "file://./lake"
		}
		var b bytes.Buffer
		if err := Run(&b, Request{Table: "trade_flows", Format: "sql", Engine: e, Lake: lake}); err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(readme, bytes.TrimSpace(b.Bytes())) {
			t.Errorf("README.md lacks the %s statements for trade_flows as generated:\n%s", e, b.String())
		}
	}
}

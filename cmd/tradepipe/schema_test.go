package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/tradepipe/tradepipe/internal/duckdbtest"
	"github.com/tradepipe/tradepipe/internal/readertest"
)

func TestSchemaJSON(t *testing.T) {
	code, out, errs := runCLI("schema", "shipments")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var d struct {
		Tables []struct {
			Name    string
			Columns []struct{ Name, Type string }
		}
	}
	if err := json.Unmarshal([]byte(out), &d); err != nil {
		t.Fatal(err)
	}
	if len(d.Tables) != 1 || d.Tables[0].Name != "shipments" || len(d.Tables[0].Columns) < 20 {
		t.Fatalf("unexpected JSON: %s", out)
	}
	if code, _, _ := runCLI("schema", "nope"); code != exitUsage {
		t.Errorf("unknown table: exit %d, want %d", code, exitUsage)
	}
	if code, _, _ := runCLI("schema", "--format", "sql", "--engine", "oracle", "--lake", "s3://b/l"); code != exitUsage {
		t.Errorf("unknown engine: exit %d, want %d", code, exitUsage)
	}
}

// TestSchemaDuckDBOverTheLake runs the command's DuckDB statements over a
// lake the CLI wrote and queries the view.
func TestSchemaDuckDBOverTheLake(t *testing.T) {
	cfg, _, _ := testConfig(t)
	if code, _, errs := runCLI("run", "--once", "--config", cfg); code != exitOK {
		t.Fatalf("run: exit %d: %s", code, errs)
	}
	code, out, errs := runCLI("schema", "trade_flows", "--format", "sql", "--engine", "duckdb", "--config", cfg)
	if code != exitOK || !strings.Contains(out, `CREATE OR REPLACE VIEW "trade_flows"`) {
		t.Fatalf("exit %d: %s\n%s", code, out, errs)
	}
	db := duckdbtest.Open(t)
	if _, err := db.Exec(out); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	var rows, months int
	if err := db.QueryRow(`SELECT count(*), count(DISTINCT (year, month)) FROM trade_flows WHERE source = 'census' AND flow = 'export'`).Scan(&rows, &months); err != nil {
		t.Fatal(err)
	}
	if rows != 864 || months != 18 {
		t.Errorf("view: %d rows over %d months, want 864 over 18", rows, months)
	}
}

// TestSchemaIcebergOverTheLake: the Iceberg statements name each table's
// current metadata file (the one `tables list` prints) and a snapshot it
// keeps, and icebird, an Iceberg reader sharing no code with the writer,
// reads that table at that snapshot with the rows DuckDB reads from the
// Hive view. (DuckDB's iceberg extension, Trino, Spark and Athena do not
// run here.)
func TestSchemaIcebergOverTheLake(t *testing.T) {
	dir := t.TempDir()
	cfg, _, lakeDir := testConfig(t)
	srv := httptest.NewServer(http.FileServer(http.Dir(lakeDir)))
	defer srv.Close()
	body, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	cfg = filepath.Join(dir, "tradepipe.yaml")
	if err := os.WriteFile(cfg, append(body, []byte("iceberg:\n  location: "+srv.URL+"\n")...), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, out, errs := runCLI("run", "--once", "--config", cfg); code != exitOK {
		t.Fatalf("run: exit %d\n%s\n%s", code, out, errs)
	}
	code, list, errs := runCLI("tables", "list", "--config", cfg)
	if code != exitOK {
		t.Fatalf("tables list: exit %d: %s", code, errs)
	}
	code, out, errs := runCLI("schema", "trade_flows", "--format", "sql", "--engine", "duckdb-iceberg", "--config", cfg)
	if code != exitOK {
		t.Fatalf("schema: exit %d: %s", code, errs)
	}
	m := regexp.MustCompile(`iceberg_scan\('([^']+)', snapshot_from_id = (\d+)\)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no time-travel statement:\n%s", out)
	}
	metadata, snap := m[1], m[2]
	if !strings.Contains(list, "trade_flows: snapshot ") || !strings.Contains(list, metadata) {
		t.Errorf("the statement's metadata %s is not the one tables list prints:\n%s", metadata, list)
	}
	if strings.Contains(out, "<N>") || !strings.Contains(out, `SELECT * FROM iceberg_scan('`+metadata+`')`) {
		t.Errorf("placeholders or no view:\n%s", out)
	}
	for _, e := range []string{"trino-iceberg", "spark-iceberg", "athena-iceberg"} {
		code, o, errs := runCLI("schema", "trade_flows", "--format", "sql", "--engine", e, "--config", cfg)
		if code != exitOK || !strings.Contains(o, "AS OF "+snap) || strings.Contains(o, "snapshot-id>") {
			t.Errorf("%s: exit %d %s:\n%s", e, code, errs, o)
		}
	}
	cur := regexp.MustCompile(`-- current: snapshot (\d+) of (\d+) kept`).FindStringSubmatch(out)
	if cur == nil || cur[1] == snap || cur[2] != "18" {
		t.Fatalf("want the current snapshot of 18 (one per monthly release), and an older one to travel to:\n%s", out)
	}
	tableURL, _, _ := strings.Cut(metadata, "/metadata/")
	want := readertest.DuckDBMillis(duckdbtest.Open(t)).Read(t, parquetFiles(t, filepath.Join(lakeDir, "trade_flows")))
	readertest.Compare(t, "icebird at the current snapshot", readertest.Icebird(t, tableURL, atoi64(t, cur[1])), want)
	// The oldest snapshot holds the first release: the rows its summary
	// counts, fewer than now.
	b, err := os.ReadFile(filepath.Join(lakeDir, strings.TrimPrefix(metadata, srv.URL+"/")))
	if err != nil {
		t.Fatal(err)
	}
	var md struct {
		Snapshots []struct {
			ID      int64             `json:"snapshot-id"`
			Summary map[string]string `json:"summary"`
		} `json:"snapshots"`
	}
	if err := json.Unmarshal(b, &md); err != nil {
		t.Fatal(err)
	}
	var total string
	for _, s := range md.Snapshots {
		if strconv.FormatInt(s.ID, 10) == snap {
			total = s.Summary["total-records"]
		}
	}
	old := readertest.Icebird(t, tableURL, atoi64(t, snap))
	if strconv.FormatInt(old.Rows, 10) != total || old.Rows == 0 || old.Rows >= want.Rows {
		t.Errorf("icebird at snapshot %s: %d rows, its summary says %s, now %d", snap, old.Rows, total, want.Rows)
	}
}

func atoi64(t *testing.T, s string) int64 {
	t.Helper()
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

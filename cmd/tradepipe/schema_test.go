package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/tradepipe/tradepipe/internal/duckdbtest"
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

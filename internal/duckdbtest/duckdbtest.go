// Package duckdbtest opens an in-process DuckDB for tests, the independent
// reader that proves the lake's Parquet files are what other engines see.
// Extensions are never downloaded: autoinstall and autoload are off, and
// Parquet support is built into the duckdb-go bindings.
package duckdbtest

import (
	"database/sql"
	"testing"

	_ "github.com/duckdb/duckdb-go/v2" // registers the "duckdb" driver
)

// Open returns an in-memory DuckDB closed at the end of the test.
func Open(t testing.TB) *sql.DB {
	t.Helper()
	db, err := sql.Open("duckdb", "?autoinstall_known_extensions=false&autoload_known_extensions=false")
	if err != nil {
		t.Fatalf("open duckdb: %v", err)
	}
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// Column is a column of a DESCRIBE result.
type Column struct{ Name, Type, Null string }

// Describe returns the columns DuckDB sees for a query.
func Describe(t testing.TB, db *sql.DB, query string) []Column {
	t.Helper()
	rows, err := db.Query("DESCRIBE " + query)
	if err != nil {
		t.Fatalf("describe %s: %v", query, err)
	}
	defer rows.Close()
	var out []Column
	for rows.Next() {
		var c Column
		var key, def, extra sql.NullString
		if err := rows.Scan(&c.Name, &c.Type, &c.Null, &key, &def, &extra); err != nil {
			t.Fatalf("describe scan: %v", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("describe %s: %v", query, err)
	}
	return out
}

// Types returns name → DuckDB type of a query's columns.
func Types(t testing.TB, db *sql.DB, query string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, c := range Describe(t, db, query) {
		out[c.Name] = c.Type
	}
	return out
}

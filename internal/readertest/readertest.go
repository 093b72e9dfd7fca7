package readertest

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tradepipe/tradepipe/internal/schema"
)

// Column is what a reader saw of one column over all files.
type Column struct {
	Type    schema.Type `json:"type"`
	NonNull int64       `json:"nonNull"`
	// Sum is exact (a decimal integer) for decimals (unscaled), integers,
	// dates (days since 1970-01-01) and timestamps (microseconds); a
	// float for float64; the UTF-8 byte count for strings and the element
	// count for lists.
	Sum json.Number `json:"sum"`
}

// Summary is what a reader saw of a set of files.
type Summary struct {
	Rows    int64             `json:"rows"`
	Columns map[string]Column `json:"columns"`
}

// Reader reads a set of Parquet files into a Summary; it fails the test
// when the files cannot be read.
type Reader struct {
	Name string
	Read func(t testing.TB, files []string) Summary
}

// Readers returns every independent reader: DuckDB on db, Polars and
// arrow-rs through Node. The Node readers are left out (with t.Log) when
// node or js/node_modules is missing, and fail the test instead under
// CI=true.
func Readers(t testing.TB, db *sql.DB) []Reader {
	t.Helper()
	out := []Reader{DuckDB(db)}
	dir := jsDir()
	node, err := exec.LookPath("node")
	if err == nil {
		_, err = os.Stat(filepath.Join(dir, "node_modules", "nodejs-polars"))
	}
	if err == nil {
		_, err = os.Stat(filepath.Join(dir, "node_modules", "parquet-wasm"))
	}
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("Node readers unavailable under CI (run npm ci in %s): %v", dir, err)
		}
		t.Logf("Node readers skipped (run npm ci in %s): %v", dir, err)
		return out
	}
	for _, name := range []string{"polars", "arrow"} {
		out = append(out, Reader{Name: name, Read: func(t testing.TB, files []string) Summary {
			return readNode(t, node, dir, name, files)
		}})
	}
	return out
}

func jsDir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "js")
}

func readNode(t testing.TB, node, dir, reader string, files []string) Summary {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, append([]string{filepath.Join(dir, "read.mjs"), reader}, files...)...)
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s: %v: %s", reader, err, stderr.String())
	}
	var s Summary
	dec := json.NewDecoder(&stdout)
	dec.UseNumber()
	if err := dec.Decode(&s); err != nil {
		t.Fatalf("%s: decode summary: %v", reader, err)
	}
	return s
}

// duckTypes maps DuckDB's names to the lake's types.
var duckTypes = map[string]schema.Type{
	"VARCHAR": schema.TypeString, "INTEGER": schema.TypeInt32, "BIGINT": schema.TypeInt64,
	"DOUBLE": schema.TypeFloat64, "DATE": schema.TypeDate, "DECIMAL(18,2)": schema.TypeDecimal,
	"TIMESTAMP WITH TIME ZONE": schema.TypeTimestamp, "VARCHAR[]": schema.TypeStringList,
}

// DuckDB is the in-process DuckDB reader on db.
func DuckDB(db *sql.DB) Reader {
	return Reader{Name: "duckdb", Read: func(t testing.TB, files []string) Summary {
		t.Helper()
		quoted := make([]string, len(files))
		for i, f := range files {
			quoted[i] = "'" + strings.ReplaceAll(f, "'", "''") + "'"
		}
		from := fmt.Sprintf("read_parquet([%s], hive_partitioning = false)", strings.Join(quoted, ", "))
		rows, err := db.Query("DESCRIBE SELECT * FROM " + from)
		if err != nil {
			t.Fatalf("duckdb: describe: %v", err)
		}
		type col struct{ name, typ string }
		var cols []col
		for rows.Next() {
			var c col
			var null, key, def, extra sql.NullString
			if err := rows.Scan(&c.name, &c.typ, &null, &key, &def, &extra); err != nil {
				t.Fatalf("duckdb: describe: %v", err)
			}
			cols = append(cols, c)
		}
		rows.Close()
		s := Summary{Columns: map[string]Column{}}
		if err := db.QueryRow("SELECT count(*) FROM " + from).Scan(&s.Rows); err != nil {
			t.Fatalf("duckdb: count: %v", err)
		}
		for _, c := range cols {
			typ, ok := duckTypes[c.typ]
			if !ok {
				typ = schema.Type(c.typ)
			}
			q := `"` + c.name + `"`
			var sum string
			switch typ {
			case schema.TypeString:
				sum = "coalesce(sum(strlen(" + q + ")), 0)::VARCHAR"
			case schema.TypeStringList:
				sum = "coalesce(sum(len(" + q + ")), 0)::VARCHAR"
			case schema.TypeDate:
				sum = "coalesce(sum(date_diff('day', DATE '1970-01-01', " + q + ")), 0)::VARCHAR"
			case schema.TypeTimestamp:
				sum = "coalesce(sum(epoch_us(" + q + ")::HUGEINT), 0)::VARCHAR"
			case schema.TypeDecimal:
				// DECIMAL(38,2) sum, exact; unscaled below.
				sum = "coalesce(sum(" + q + "), 0)::VARCHAR"
			case schema.TypeFloat64:
				sum = "coalesce(sum(" + q + "), 0)::VARCHAR"
			default:
				sum = "coalesce(sum(" + q + "::HUGEINT), 0)::VARCHAR"
			}
			var c2 Column
			var text string
			if err := db.QueryRow("SELECT count("+q+"), "+sum+" FROM "+from).Scan(&c2.NonNull, &text); err != nil {
				t.Fatalf("duckdb: column %s: %v", c.name, err)
			}
			if typ == schema.TypeDecimal {
				text = strings.Replace(text, ".", "", 1)
				text = strings.TrimLeft(text, "0")
				if text == "" || text == "-" {
					text = "0"
				}
			}
			c2.Type, c2.Sum = typ, json.Number(text)
			s.Columns[c.name] = c2
		}
		return s
	}}
}

// Expect is the Summary of rows as written: computed from the Go values
// and the table's declared column types, not from any file.
func Expect[T any](t testing.TB, table schema.Table, rows []T) Summary {
	t.Helper()
	cols, err := table.Columns()
	if err != nil {
		t.Fatal(err)
	}
	rt := reflect.TypeFor[T]()
	s := Summary{Rows: int64(len(rows)), Columns: map[string]Column{}}
	for _, c := range cols {
		idx := -1
		for i := range rt.NumField() {
			name, _, _ := strings.Cut(rt.Field(i).Tag.Get("parquet"), ",")
			if name == c.Name {
				idx = i
			}
		}
		if idx < 0 {
			t.Fatalf("column %s is no field of %s", c.Name, rt)
		}
		var n int64
		exact := new(big.Int)
		var f float64
		for i := range rows {
			v := reflect.ValueOf(&rows[i]).Elem().Field(idx)
			if v.Kind() == reflect.Pointer {
				if v.IsNil() {
					continue
				}
				v = v.Elem()
			}
			n++
			switch v.Kind() {
			case reflect.String:
				exact.Add(exact, big.NewInt(int64(len(v.String()))))
			case reflect.Int32, reflect.Int64:
				exact.Add(exact, big.NewInt(v.Int()))
			case reflect.Float64:
				f += v.Float()
			case reflect.Slice:
				exact.Add(exact, big.NewInt(int64(v.Len())))
			default:
				t.Fatalf("column %s: unexpected Go kind %s", c.Name, v.Kind())
			}
		}
		sum := json.Number(exact.String())
		if c.Type == schema.TypeFloat64 {
			sum = json.Number(fmt.Sprint(f))
		}
		s.Columns[c.Name] = Column{Type: c.Type, NonNull: n, Sum: sum}
	}
	return s
}

// Compare fails the test where got (from reader) differs from want.
// Float sums may differ in the last places, as readers add in other
// orders.
func Compare(t testing.TB, reader string, got, want Summary) {
	t.Helper()
	if got.Rows != want.Rows {
		t.Errorf("%s: %d rows, want %d", reader, got.Rows, want.Rows)
	}
	names := make([]string, 0, len(want.Columns))
	for n := range want.Columns {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		w := want.Columns[n]
		g, ok := got.Columns[n]
		if !ok {
			t.Errorf("%s: no column %s", reader, n)
			continue
		}
		if g.Type != w.Type {
			t.Errorf("%s: column %s has type %s, want %s", reader, n, g.Type, w.Type)
		}
		if g.NonNull != w.NonNull {
			t.Errorf("%s: column %s has %d non-null values, want %d", reader, n, g.NonNull, w.NonNull)
		}
		if !sameSum(w.Type, g.Sum, w.Sum) {
			t.Errorf("%s: column %s sums to %s, want %s", reader, n, g.Sum, w.Sum)
		}
	}
	for n := range got.Columns {
		if _, ok := want.Columns[n]; !ok {
			t.Errorf("%s: unexpected column %s", reader, n)
		}
	}
}

func sameSum(typ schema.Type, a, b json.Number) bool {
	if typ != schema.TypeFloat64 {
		return a == b
	}
	x, err1 := a.Float64()
	y, err2 := b.Float64()
	if err1 != nil || err2 != nil {
		return false
	}
	return math.Abs(x-y) <= 1e-9*math.Max(1, math.Max(math.Abs(x), math.Abs(y)))
}

// Icebird reads the Iceberg table at tableURL (an http:// URL: Node's
// fetch reads no file:// URLs) with npm icebird, at its current snapshot
// or, when snapshot is not 0, at that snapshot (time travel). Types are
// the table's Iceberg schema mapped to the lake's; sums are as for the
// other readers, except that timestamps are read at millisecond
// precision. It skips the test (fails under CI=true) when node or
// js/node_modules/icebird is missing.
func Icebird(t testing.TB, tableURL string, snapshot int64) Summary {
	t.Helper()
	dir := jsDir()
	node, err := exec.LookPath("node")
	if err == nil {
		_, err = os.Stat(filepath.Join(dir, "node_modules", "icebird"))
	}
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("icebird unavailable under CI (run npm ci in %s): %v", dir, err)
		}
		t.Skipf("icebird skipped (run npm ci in %s): %v", dir, err)
	}
	args := []string{tableURL}
	if snapshot != 0 {
		args = append(args, fmt.Sprint(snapshot))
	}
	return readNode(t, node, dir, "icebird", args)
}

package parquetfile

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"

	"github.com/tradepipe/tradepipe/internal/duckdbtest"
	"github.com/tradepipe/tradepipe/internal/schema"
)

func ptr[T any](v T) *T { return &v }

// shipments makes n rows in an order unrelated to the sort order, with
// nulls in the sort column origin_country.
func shipments(n int) []schema.ShipmentRecord {
	out := make([]schema.ShipmentRecord, n)
	countries := []string{"CN", "VN", "DE", "MX"}
	for i := range out {
		var origin *string
		if i%7 != 0 {
			origin = ptr(countries[(i*5)%len(countries)])
		}
		code := fmt.Sprintf("%06d", (i*7919)%100000)
		out[i] = schema.ShipmentRecord{
			ShipmentDate: int32(18262 + (i*13)%31), Period: 18262,
			BillOfLading: ptr(fmt.Sprintf("BOL%08d", i)), OriginCountry: origin,
			HSCode: code, HSCodes: []string{code}, ValueUSD: ptr(int64(i*101 + 7)),
			Source: "panjiva", SourceURI: "file:///inbox/a.xlsx", SourceSHA256: "ab12", Sheet: "Sheet1",
			SourceRow: int64(i + 2), IngestedAt: 1_700_000_000_000_000,
		}
	}
	return out
}

func writeAll[T any](t *testing.T, dir string, rows []T, opts ...Option) File {
	t.Helper()
	w, err := Create[T](dir, opts...)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if err := w.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	f, err := w.Close()
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestLayoutSeenByDuckDB(t *testing.T) {
	dir := t.TempDir()
	const n = 5000
	// Small row groups make several; the rows of each must be sorted.
	// shipments(n) is in no sort order, so a row group written unsorted
	// (or cut at the wrong row) fails this.
	f := writeAll(t, dir, shipments(n), Release("panjiva/2020-01/ab12"), RowGroupRows(1200))
	if f.Rows != n {
		t.Fatalf("File.Rows = %d, want %d", f.Rows, n)
	}
	db := duckdbtest.Open(t)

	t.Run("sorted across the file, nulls first", func(t *testing.T) {
		var unsorted, rowsSeen int
		q := fmt.Sprintf(`SELECT count(*) FILTER (WHERE rn > 1 AND (ph > hs_code OR (ph = hs_code AND (
			      (po IS NOT NULL AND origin_country IS NULL) OR po > origin_country OR
			      (po IS NOT DISTINCT FROM origin_country AND pd > shipment_date))))),
			  count(*)
			FROM (
			SELECT hs_code, origin_country, shipment_date,
			       lag(hs_code) OVER w AS ph, lag(origin_country) OVER w AS po, lag(shipment_date) OVER w AS pd,
			       row_number() OVER w AS rn
			FROM read_parquet('%s', file_row_number = true)
			WINDOW w AS (ORDER BY file_row_number))`, f.Path)
		if err := db.QueryRow(q).Scan(&unsorted, &rowsSeen); err != nil {
			t.Fatal(err)
		}
		if unsorted != 0 {
			t.Errorf("%d rows out of order", unsorted)
		}
		if rowsSeen != n {
			t.Errorf("checked %d rows, want %d", rowsSeen, n)
		}
	})

	t.Run("row groups cover disjoint ranges of hs_code", func(t *testing.T) {
		// What lets a reader skip row groups for an hs_code filter.
		rows, err := db.Query(fmt.Sprintf(`SELECT row_group_id, stats_min_value, stats_max_value
			FROM parquet_metadata('%s') WHERE path_in_schema = 'hs_code' ORDER BY row_group_id`, f.Path))
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		prevMax := ""
		for rows.Next() {
			var id int64
			var lo, hi string
			if err := rows.Scan(&id, &lo, &hi); err != nil {
				t.Fatal(err)
			}
			if lo < prevMax {
				t.Errorf("row group %d starts at hs_code %s, before the previous group's max %s", id, lo, prevMax)
			}
			prevMax = hi
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("sorting_columns declared in every row group", func(t *testing.T) {
		rows, err := db.Query(fmt.Sprintf(`SELECT DISTINCT row_group_id FROM parquet_metadata('%s') ORDER BY 1`, f.Path))
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var ids []int64
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, id)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		for _, id := range ids {
			got := sortingColumnsOf(t, f.Path, int(id))
			if want := []string{"hs_code", "origin_country", "shipment_date"}; !slices.Equal(got, want) {
				t.Errorf("row group %d sorting_columns = %v, want %v", id, got, want)
			}
		}
	})

	t.Run("row groups", func(t *testing.T) {
		var groups int
		if err := db.QueryRow(fmt.Sprintf("SELECT num_row_groups FROM parquet_file_metadata('%s')", f.Path)).Scan(&groups); err != nil {
			t.Fatal(err)
		}
		if want := (n + 1199) / 1200; groups != want {
			t.Errorf("row groups = %d, want %d", groups, want)
		}
	})

	t.Run("encodings engines read", func(t *testing.T) {
		rows, err := db.Query(fmt.Sprintf("SELECT DISTINCT path_in_schema, encodings FROM parquet_metadata('%s')", f.Path))
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		allowed := map[string]bool{"PLAIN": true, "RLE": true, "RLE_DICTIONARY": true}
		dict := map[string]bool{}
		for rows.Next() {
			var path, enc string
			if err := rows.Scan(&path, &enc); err != nil {
				t.Fatal(err)
			}
			for _, e := range strings.Split(enc, ", ") {
				if !allowed[e] {
					t.Errorf("column %s uses %s", path, e)
				}
				if e == "RLE_DICTIONARY" {
					dict[path] = true
				}
			}
		}
		for _, c := range []string{"hs_code", "origin_country", "source_uri", "shipment_date"} {
			if !dict[c] {
				t.Errorf("column %s is not dictionary-encoded", c)
			}
		}
		if dict["bill_of_lading"] || dict["value_usd"] {
			t.Errorf("unique columns are dictionary-encoded: %v", dict)
		}
	})

	t.Run("statistics on every column, bloom filters where declared", func(t *testing.T) {
		rows, err := db.Query(fmt.Sprintf(`SELECT path_in_schema, bool_and(stats_null_count IS NOT NULL),
			bool_and(stats_min_value IS NOT NULL OR stats_null_count = row_group_num_rows), coalesce(bool_or(bloom_filter_length > 0), false)
			FROM parquet_metadata('%s') GROUP BY ALL`, f.Path))
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		bloom := map[string]bool{}
		n := 0
		for rows.Next() {
			var path string
			var nulls, minmax, b bool
			if err := rows.Scan(&path, &nulls, &minmax, &b); err != nil {
				t.Fatal(err)
			}
			n++
			if !nulls || !minmax {
				t.Errorf("column %s lacks statistics (null count %v, min/max %v)", path, nulls, minmax)
			}
			bloom[path] = b
		}
		if n < 20 {
			t.Fatalf("only %d columns in parquet_metadata", n)
		}
		if !bloom["hs_code"] || !bloom["bill_of_lading"] || bloom["shipper"] {
			t.Errorf("bloom filters: %v", bloom)
		}
	})

	t.Run("key-value metadata and created_by", func(t *testing.T) {
		kv := map[string]string{}
		rows, err := db.Query(fmt.Sprintf("SELECT key::VARCHAR, value::VARCHAR FROM parquet_kv_metadata('%s')", f.Path))
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var k, v string
			if err := rows.Scan(&k, &v); err != nil {
				t.Fatal(err)
			}
			kv[k] = v
		}
		want := map[string]string{
			KeyDataset: "shipments", KeyTable: "shipments", KeySchemaVersion: fmt.Sprint(schema.Version),
			KeyReleaseID: "panjiva/2020-01/ab12", KeySortedBy: "hs_code,origin_country,shipment_date",
		}
		for k, v := range want {
			if kv[k] != v {
				t.Errorf("%s = %q, want %q", k, kv[k], v)
			}
		}
		if kv[KeyVersion] == "" || kv[KeyCommit] == "" {
			t.Errorf("version/commit missing: %v", kv)
		}
		var createdBy string
		if err := db.QueryRow(fmt.Sprintf("SELECT created_by FROM parquet_file_metadata('%s')", f.Path)).Scan(&createdBy); err != nil {
			t.Fatal(err)
		}
		// parquet-mr's VersionParser form: "<app> version <v> (build <hash>)".
		if !strings.HasPrefix(createdBy, "tradepipe version ") || !strings.Contains(createdBy, " (build ") || strings.Contains(createdBy, "()") {
			t.Errorf("created_by = %q", createdBy)
		}
	})

	t.Run("values survive the sort", func(t *testing.T) {
		var count, sumValue, sumRow int64
		if err := db.QueryRow(fmt.Sprintf("SELECT count(*), sum(value_usd * 100)::BIGINT, sum(source_row) FROM read_parquet('%s')", f.Path)).Scan(&count, &sumValue, &sumRow); err != nil {
			t.Fatal(err)
		}
		var wantValue, wantRow int64
		for _, r := range shipments(n) {
			wantValue += *r.ValueUSD
			wantRow += r.SourceRow
		}
		if count != n || sumValue != wantValue || sumRow != wantRow {
			t.Errorf("count %d sum(value cents) %d sum(source_row) %d, want %d %d %d", count, sumValue, sumRow, n, wantValue, wantRow)
		}
	})
}

// TestEveryTable writes a row of each table's Record type and reads the
// metadata back: the writer knows every table and names it.
func TestEveryTable(t *testing.T) {
	dir := t.TempDir()
	db := duckdbtest.Open(t)
	for _, tbl := range schema.Tables() {
		t.Run(tbl.Name, func(t *testing.T) {
			var f File
			switch tbl.Record.(type) {
			case schema.TradeFlowRecord:
				f = writeAll(t, dir, []schema.TradeFlowRecord{{HSCode: "01", Partner: "CN"}}, Table(tbl))
			case schema.TradeTotalRecord:
				f = writeAll(t, dir, []schema.TradeTotalRecord{{Partner: "CN"}}, Table(tbl))
			case schema.ShipmentRecord:
				f = writeAll(t, dir, shipments(3), Table(tbl))
			case schema.QuarantineRecord:
				f = writeAll(t, dir, []schema.QuarantineRecord{{ReasonCode: "bad_value", RawCells: []string{"x"}}}, Table(tbl))
			case schema.ComplianceRecord:
				f = writeAll(t, dir, []schema.ComplianceRecord{{Basis: "us_exports"}}, Table(tbl))
			default:
				t.Fatalf("no test rows for %T", tbl.Record)
			}
			var table, dataset string
			err := db.QueryRow(fmt.Sprintf(`SELECT max(CASE WHEN key::VARCHAR = '%s' THEN value::VARCHAR END),
				max(CASE WHEN key::VARCHAR = '%s' THEN value::VARCHAR END) FROM parquet_kv_metadata('%s')`, KeyTable, KeyDataset, f.Path)).Scan(&table, &dataset)
			if err != nil {
				t.Fatal(err)
			}
			if table != tbl.Name || dataset != tbl.Dataset {
				t.Errorf("metadata table %q dataset %q, want %q %q", table, dataset, tbl.Name, tbl.Dataset)
			}
		})
	}
}

func TestCreateRefusesMismatchedTable(t *testing.T) {
	tbl, err := schema.TableNamed("shipments")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Create[schema.TradeFlowRecord](t.TempDir(), Table(tbl)); err == nil {
		t.Fatal("a TradeFlowRecord writer for the shipments table was created")
	}
	type notARecord struct{ A int }
	if _, err := Create[notARecord](t.TempDir()); err == nil {
		t.Fatal("a writer for a type of no table was created")
	}
}

func TestAbortLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	w, err := Create[schema.ShipmentRecord](dir)
	if err != nil {
		t.Fatal(err)
	}
	// More than a row group; the rows wait in the row spool.
	for _, r := range shipments(DefaultRowGroupRows + 10) {
		if err := w.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 2 {
		t.Fatalf("expected the spool file and its row spool in %s, found %d entries", dir, len(ents))
	}
	w.Abort()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	if len(names) != 0 {
		t.Errorf("left behind: %v", names)
	}
}

// TestCloseLeavesOnlyTheFile: the row spool goes at Close, so only the
// Parquet file is left.
func TestCloseLeavesOnlyTheFile(t *testing.T) {
	dir := t.TempDir()
	f := writeAll(t, dir, shipments(2*DefaultRowGroupRows+5))
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	if !slices.Equal(names, []string{filepath.Base(f.Path)}) {
		t.Errorf("directory holds %v, want only the spool file", names)
	}
}

// TestQuarantineTableNamedOnlyWhenGiven: quarantine rows share one Record
// type across datasets, so a file names its table only when told.
func TestQuarantineTableNamedOnlyWhenGiven(t *testing.T) {
	dir := t.TempDir()
	db := duckdbtest.Open(t)
	rows := []schema.QuarantineRecord{{ReasonCode: "bad_value", RawCells: []string{"x"}}}
	kv := func(f File) map[string]string {
		out := map[string]string{}
		r, err := db.Query(fmt.Sprintf("SELECT key::VARCHAR, value::VARCHAR FROM parquet_kv_metadata('%s')", f.Path))
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		for r.Next() {
			var k, v string
			if err := r.Scan(&k, &v); err != nil {
				t.Fatal(err)
			}
			out[k] = v
		}
		return out
	}
	got := kv(writeAll(t, dir, rows))
	if _, ok := got[KeyTable]; ok || got[KeyDataset] != schema.DatasetQuarantine {
		t.Errorf("without Table: %v", got)
	}
	tbl, err := schema.TableNamed("quarantine_shipments")
	if err != nil {
		t.Fatal(err)
	}
	if got := kv(writeAll(t, dir, rows, Table(tbl))); got[KeyTable] != "quarantine_shipments" {
		t.Errorf("with Table: %v", got)
	}
	if got := kv(writeAll(t, dir, shipments(2))); got[KeyTable] != "shipments" {
		t.Errorf("main table: %v", got)
	}
}

// sortingColumnsOf reads row group rg's sorting_columns from the footer
// and returns their column paths; it fails the test on any that is not
// ascending with nulls first.
func sortingColumnsOf(t *testing.T, path string, rg int) []string {
	t.Helper()
	osf, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer osf.Close()
	st, err := osf.Stat()
	if err != nil {
		t.Fatal(err)
	}
	pf, err := parquet.OpenFile(osf, st.Size())
	if err != nil {
		t.Fatal(err)
	}
	md := pf.Metadata()
	leaves := pf.Schema().Columns()
	var out []string
	for _, sc := range md.RowGroups[rg].SortingColumns {
		if sc.Descending || !sc.NullsFirst {
			t.Errorf("row group %d column %d: descending %v, nulls first %v", rg, sc.ColumnIdx, sc.Descending, sc.NullsFirst)
		}
		out = append(out, strings.Join(leaves[sc.ColumnIdx], "."))
	}
	return out
}

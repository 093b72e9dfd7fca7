package parquetfile

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/tradepipe/tradepipe/internal/duckdbtest"
	"github.com/tradepipe/tradepipe/internal/readertest"
	"github.com/tradepipe/tradepipe/internal/schema"
)

// fill makes n rows of T with values chosen by each field's tag: nulls,
// non-ASCII text, negative and 18-digit money, dates before and after
// 1970, microsecond timestamps and lists of 0 to 3 elements, so that a
// reader that mishandles any of them sees other counts or sums.
func fill[T any](n int, seed uint64) []T {
	r := rand.New(rand.NewPCG(seed, 7))
	words := []string{"CN", "US", "020130", "Zhōngguó 中国", "São Paulo", "", "x"}
	out := make([]T, n)
	for i := range out {
		v := reflect.ValueOf(&out[i]).Elem()
		for j := range v.NumField() {
			f := v.Field(j)
			tag := v.Type().Field(j).Tag.Get("parquet")
			if f.Kind() == reflect.Pointer {
				if r.IntN(5) == 0 {
					continue // null
				}
				f.Set(reflect.New(f.Type().Elem()))
				f = f.Elem()
			}
			switch f.Kind() {
			case reflect.String:
				f.SetString(words[r.IntN(len(words))] + fmt.Sprint(r.IntN(50)))
			case reflect.Int32:
				if strings.Contains(tag, ",date") {
					f.SetInt(int64(-400 + r.IntN(30000)))
				} else {
					f.SetInt(int64(r.Int32N(1<<20)) - 1<<19)
				}
			case reflect.Int64:
				switch {
				case strings.Contains(tag, "decimal"):
					f.SetInt(r.Int64N(2e17) - 1e17) // up to 16 digits before the point
				case strings.Contains(tag, "timestamp"):
					f.SetInt(1_500_000_000_000_000 + r.Int64N(1e15))
				default:
					f.SetInt(r.Int64N(1 << 40))
				}
			case reflect.Float64:
				f.SetFloat(r.NormFloat64() * 1e6)
			case reflect.Slice:
				k := r.IntN(4)
				s := make([]string, k)
				for m := range s {
					s[m] = words[r.IntN(len(words))]
				}
				f.Set(reflect.ValueOf(s))
			}
		}
	}
	return out
}

// TestIndependentReaders writes every table's rows with this package and
// reads them back with DuckDB, Polars and arrow-rs: each must see the rows,
// types, null counts and exact sums that were written.
func TestIndependentReaders(t *testing.T) {
	db := duckdbtest.Open(t)
	readers := readertest.Readers(t, db)
	for _, tbl := range schema.Tables() {
		t.Run(tbl.Name, func(t *testing.T) {
			switch tbl.Record.(type) {
			case schema.TradeFlowRecord:
				checkReaders[schema.TradeFlowRecord](t, tbl, readers)
			case schema.TradeTotalRecord:
				checkReaders[schema.TradeTotalRecord](t, tbl, readers)
			case schema.ShipmentRecord:
				checkReaders[schema.ShipmentRecord](t, tbl, readers)
			case schema.QuarantineRecord:
				checkReaders[schema.QuarantineRecord](t, tbl, readers)
			case schema.ComplianceRecord:
				checkReaders[schema.ComplianceRecord](t, tbl, readers)
			default:
				t.Fatalf("no reader test for %T", tbl.Record)
			}
		})
	}
}

func checkReaders[T any](t *testing.T, tbl schema.Table, readers []readertest.Reader) {
	dir := t.TempDir()
	// Two files: one of several row groups, each sorted on its own, and
	// one small.
	big, small := fill[T](2*5000+333, 1), fill[T](17, 2)
	files := []string{
		writeAll(t, dir, big, Table(tbl), RowGroupRows(5000)).Path,
		writeAll(t, dir, small, Table(tbl)).Path,
	}
	want := readertest.Expect(t, tbl, append(big, small...))
	for _, r := range readers {
		readertest.Compare(t, r.Name, r.Read(t, files), want)
	}
	if len(readers) < 3 && !testing.Short() {
		t.Logf("%d readers ran", len(readers))
	}
}

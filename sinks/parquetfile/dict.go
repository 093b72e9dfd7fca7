package parquetfile

import (
	"reflect"
	"strings"
	"unsafe"

	"github.com/tradepipe/tradepipe/internal/schema"
)

// dictWhereRepeated are, by dataset, the dict-tagged columns whose
// values repeat in some files and not in others: HS10 descriptions and
// codes repeat for every partner of an all-partner release, while a
// one-partner HS6 file has one row per code and so one description per
// row, where a dictionary only adds its index to every value
// (trade_flows came to 1.101 of DuckDB's size with it; an all-partner
// file without a dictionary on hs_code to 1.59). A sorted writer counts
// their distinct values and writes a file in which more than half the
// values are distinct PLAIN, as DuckDB's writer decides by itself.
var dictWhereRepeated = map[string][]string{
	schema.DatasetTradeFlows: {"description", "hs_code"},
}

// maxDistinct bounds the counting: past it the column is PLAIN unless the
// file has more than twice as many rows.
const maxDistinct = 1 << 20

// distinctCount counts the distinct values of one string column (a
// string or *string field) of the rows added.
type distinctCount struct {
	name string
	off  uintptr
	ptr  bool
	seen map[string]struct{}
	over bool
	// last is the last value added that was new (a clone): rows come in
	// their source's order, where an HS code and its description repeat
	// for every partner, and a comparison is cheaper than hashing them.
	last    string
	hasLast bool
}

// repeatCounters returns a counter for each of dataset's
// dictWhereRepeated that T holds as a string column.
func repeatCounters[T any](dataset string) []*distinctCount {
	var out []*distinctCount
	for _, f := range reflect.VisibleFields(reflect.TypeFor[T]()) {
		tag := strings.Split(f.Tag.Get("parquet"), ",")
		if len(f.Index) != 1 || len(tag) == 0 {
			continue
		}
		for _, name := range dictWhereRepeated[dataset] {
			ft := f.Type
			ptr := ft.Kind() == reflect.Pointer
			if ptr {
				ft = ft.Elem()
			}
			if tag[0] == name && ft.Kind() == reflect.String {
				out = append(out, &distinctCount{name: name, off: f.Offset, ptr: ptr, seen: map[string]struct{}{}})
			}
		}
	}
	return out
}

func (d *distinctCount) add(row unsafe.Pointer) {
	if d.over {
		return
	}
	q := unsafe.Add(row, d.off)
	if d.ptr {
		if q = *(*unsafe.Pointer)(q); q == nil {
			return
		}
	}
	s := *(*string)(q)
	if d.hasLast && s == d.last {
		return
	}
	if _, ok := d.seen[s]; ok {
		return
	}
	if len(d.seen) >= maxDistinct {
		d.over, d.seen = true, nil
		return
	}
	s = strings.Clone(s)
	d.seen[s] = struct{}{}
	d.last, d.hasLast = s, true
}

// plainColumns names the counted columns whose values are more than half
// distinct over rows rows.
func plainColumns(counts []*distinctCount, rows int64) map[string]bool {
	var out map[string]bool
	for _, d := range counts {
		distinct := int64(len(d.seen))
		if d.over {
			distinct = maxDistinct
		}
		if 2*distinct > rows {
			if out == nil {
				out = map[string]bool{}
			}
			out[d.name] = true
		}
	}
	return out
}

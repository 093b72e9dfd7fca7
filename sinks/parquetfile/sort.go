package parquetfile

import (
	"cmp"
	"fmt"
	"math"
	"math/bits"
	"reflect"
	"slices"
	"strings"
	"unsafe"

	"github.com/parquet-go/parquet-go"

	"github.com/tradepipe/tradepipe/internal/schema"
)

func schemaTypeOf[T any]() reflect.Type { return reflect.TypeFor[T]() }

// sortingColumns is the table's sort order as the files declare it in
// each row group's sorting_columns: ascending, nulls first.
func sortingColumns(t schema.Table) []parquet.SortingColumn {
	cols := make([]parquet.SortingColumn, len(t.SortBy))
	for i, name := range t.SortBy {
		cols[i] = parquet.NullsFirst(parquet.Ascending(name))
	}
	return cols
}

// checkColumns makes sure the table's sort and bloom columns are top-level
// columns of T: parquet-go silently ignores a path it does not have.
func checkColumns[T any](t schema.Table) error {
	s := parquet.SchemaOf(reflect.New(reflect.TypeFor[T]()).Interface())
	for _, group := range [][]string{t.SortBy, t.Bloom} {
		for _, name := range group {
			if _, ok := s.Lookup(name); !ok {
				return fmt.Errorf("column %q is not a column of %s (columns: %s)", name, reflect.TypeFor[T](), strings.Join(columnNames(s), ", "))
			}
		}
	}
	return nil
}

func columnNames(s *parquet.Schema) []string {
	var out []string
	for _, f := range s.Fields() {
		out = append(out, f.Name())
	}
	return out
}

// nullKey sorts before every value: nulls first.
const nullKey = math.MinInt32

// sorter orders a file's rows by the sort columns without going through
// parquet-go's Buffer.Less, which compares dictionary-encoded values
// through interfaces and was most of the sort's CPU. As rows arrive it
// keeps one int32 per sort column and row: the integer itself, or an id
// of the string in a per-file table; at sort time string ids become
// ranks, so comparing two rows compares a few integers.
type sorter struct {
	cols []sortColumn
	// keys are row-major, len(cols) a row; off the heap (offheap),
	// freed by reset.
	keys offheap[int32]
	rows int
	perm []int32
}

type sortColumn struct {
	off  uintptr      // of the struct field
	ptr  bool         // the field is a pointer; nil is null
	kind reflect.Kind // of the value: String or Int32
	ids  map[string]int32
	vals []string // by id; cloned, so they do not pin the row's memory
	// last is the id of the row before's value (vals[last]), checked
	// before the map: values often repeat in runs (a trade flow's HS
	// code for each partner).
	last int32
}

// newSorter finds the fields of T that hold the columns named.
func newSorter[T any](names []string) (*sorter, error) {
	rt := reflect.TypeFor[T]()
	s := &sorter{}
	for _, name := range names {
		i := slices.IndexFunc(reflect.VisibleFields(rt), func(f reflect.StructField) bool {
			tag, _, _ := strings.Cut(f.Tag.Get("parquet"), ",")
			return tag == name && len(f.Index) == 1
		})
		if i < 0 {
			return nil, fmt.Errorf("sort column %q is not a field of %s", name, rt)
		}
		ft := rt.Field(i).Type
		c := sortColumn{off: rt.Field(i).Offset}
		if ft.Kind() == reflect.Pointer {
			c.ptr, ft = true, ft.Elem()
		}
		switch c.kind = ft.Kind(); c.kind {
		case reflect.String:
			c.ids, c.last = map[string]int32{}, -1
		case reflect.Int32:
			// Dates are int32 days. Wider integers would need wider keys;
			// no table sorts by one.
		default:
			return nil, fmt.Errorf("sort column %q of %s is a %s: only strings and integers of up to 32 bits are sorted", name, rt, ft)
		}
		s.cols = append(s.cols, c)
	}
	return s, nil
}

// add records the keys of the row at p (a *T), which follows the rows
// added before.
func (s *sorter) add(p unsafe.Pointer) {
	s.rows++
	for i := range s.cols {
		c := &s.cols[i]
		q := unsafe.Add(p, c.off)
		if c.ptr {
			if q = *(*unsafe.Pointer)(q); q == nil {
				s.keys.append(nullKey)
				continue
			}
		}
		if c.kind != reflect.String {
			s.keys.append(*(*int32)(q))
			continue
		}
		str := *(*string)(q)
		if c.last >= 0 && str == c.vals[c.last] {
			s.keys.append(c.last)
			continue
		}
		id, ok := c.ids[str]
		if !ok {
			id = int32(len(c.vals))
			str = strings.Clone(str)
			c.ids[str] = id
			c.vals = append(c.vals, str)
		}
		c.last = id
		s.keys.append(id)
	}
}

// order returns, for each position of the sorted file, the row that
// goes there. Rows with equal keys keep their input order, so a file's
// bytes depend only on its rows and their order.
func (s *sorter) order() []int32 {
	n := len(s.cols)
	keys := s.keys.s
	for i := range s.cols {
		c := &s.cols[i]
		if c.kind != reflect.String {
			continue
		}
		// Parquet and the readers order strings bytewise, as Go does.
		byValue := make([]int32, len(c.vals))
		for id := range byValue {
			byValue[id] = int32(id)
		}
		slices.SortFunc(byValue, func(a, b int32) int { return strings.Compare(c.vals[a], c.vals[b]) })
		rank := make([]int32, len(c.vals))
		for r, id := range byValue {
			rank[id] = int32(r)
		}
		for k := i; k < len(keys); k += n {
			if keys[k] != nullKey {
				keys[k] = rank[keys[k]]
			}
		}
	}
	s.perm = s.perm[:0]
	for r := range s.rows {
		s.perm = append(s.perm, int32(r))
	}
	if n == 0 {
		return s.perm // no sort columns: input order
	}
	if s.sortPacked() {
		return s.perm
	}
	s.sortCompare()
	return s.perm
}

// sortCompare sorts perm by comparing the rows' keys column by column.
func (s *sorter) sortCompare() {
	n, keys := len(s.cols), s.keys.s
	slices.SortFunc(s.perm, func(a, b int32) int {
		ka, kb := keys[int(a)*n:int(a)*n+n], keys[int(b)*n:int(b)*n+n]
		if c := slices.Compare(ka, kb); c != 0 {
			return c
		}
		return cmp.Compare(a, b)
	})
}

// sortPacked sorts perm when each row's keys and its index fit in one
// uint64: each column's key less its smallest value (nulls 0, values
// from 1) in as many bits as its range needs, most significant first,
// and the row index last, so equal keys keep their input order. Sorting
// integers was a quarter of the cost of sorting a month of shipments by
// comparing keys (docs/BENCHMARKS.md). It reports false, leaving perm
// alone, when the keys do not fit.
func (s *sorter) sortPacked() bool {
	n, keys := len(s.cols), s.keys.s
	type span struct {
		lo    int64
		width uint
	}
	spans := make([]span, n)
	total := uint(bits.Len(uint(max(s.rows-1, 0))))
	for i := range spans {
		lo, hi := int64(math.MaxInt32), int64(math.MinInt32)
		for k := i; k < len(keys); k += n {
			if v := keys[k]; v != nullKey {
				lo, hi = min(lo, int64(v)), max(hi, int64(v))
			}
		}
		if lo > hi { // only nulls
			lo, hi = 0, 0
		}
		spans[i] = span{lo: lo, width: uint(bits.Len64(uint64(hi-lo) + 1))}
		total += spans[i].width
	}
	if total > 64 {
		return false
	}
	rowBits := uint(bits.Len(uint(max(s.rows-1, 0))))
	packed := make([]uint64, s.rows)
	for r := range packed {
		var key uint64
		for i, sp := range spans {
			var v uint64 // null
			if k := keys[r*n+i]; k != nullKey {
				v = uint64(int64(k)-sp.lo) + 1
			}
			key = key<<sp.width | v
		}
		packed[r] = key<<rowBits | uint64(r)
	}
	slices.Sort(packed)
	mask := uint64(1)<<rowBits - 1
	for i, key := range packed {
		s.perm[i] = int32(key & mask)
	}
	return true
}

// reset forgets the rows and strings and frees the keys.
func (s *sorter) reset() {
	s.keys.free()
	s.rows = 0
	for i := range s.cols {
		if s.cols[i].ids != nil {
			clear(s.cols[i].ids)
			s.cols[i].vals = s.cols[i].vals[:0]
			s.cols[i].last = -1
		}
	}
}

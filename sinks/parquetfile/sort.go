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

// checkColumns makes sure the table's sort and bloom columns are top-level
// columns of T, so that a misspelt name is an error at Create rather than
// a file without that order or filter.
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
// keeps one key per sort column and row: the integer itself, or an id
// of the string in a per-file table; at sort time string ids become
// ranks, so comparing two rows compares a few integers.
type sorter struct {
	cols []sortColumn
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
	keys columnKeys // one a row, freed by reset
}

// columnKeys is one sort column's keys, one a row, off the heap
// (offheap). They are held in 2 bytes while every key seen fits (a
// shipments file's HS codes and countries have far fewer than 65535
// distinct values, and its dates span a few years), and in 4 from the
// first that does not: the 2 bytes a row saved on each column were 12 MB
// of the peak of a 2M-row delivery (docs/BENCHMARKS.md, issue 15, sixth
// session). at gives back the key exactly, so the order does not depend
// on the width.
type columnKeys struct {
	// narrow holds key-bias, from 1 to 65535, and 0 for null, while
	// wide is false.
	narrow offheap[uint16]
	wide   offheap[int32] // the keys as they are, nullKey for null
	isWide bool
	// bias is -1 for string ids (id+1 is held); for integers it is set
	// by the first value, so values within 32767 of it fit.
	bias   int64
	biased bool
}

const narrowNull = 0

func (k *columnKeys) len() int {
	if k.isWide {
		return k.wide.len()
	}
	return k.narrow.len()
}

// fits reports whether v can be held in 2 bytes, setting the bias from
// the first value.
func (k *columnKeys) fits(v int32) bool {
	if !k.biased {
		k.bias, k.biased = int64(v)-math.MaxInt16-1, true
	}
	d := int64(v) - k.bias
	return d >= 1 && d <= math.MaxUint16
}

func (k *columnKeys) append(v int32) {
	if !k.isWide && (v == nullKey || k.fits(v)) {
		var u uint16 = narrowNull
		if v != nullKey {
			u = uint16(int64(v) - k.bias)
		}
		k.narrow.append(u)
		return
	}
	if !k.isWide {
		k.widen()
	}
	k.wide.append(v)
}

// widen moves the keys to 4 bytes each, for good: widening back could
// repeat the copy every row.
func (k *columnKeys) widen() {
	for r := range k.narrow.len() {
		k.wide.append(k.at(r))
	}
	k.narrow.free()
	k.isWide = true
}

// at is the key of row r, as it was appended (or set).
func (k *columnKeys) at(r int) int32 {
	if k.isWide {
		return k.wide.s[r]
	}
	u := k.narrow.s[r]
	if u == narrowNull {
		return nullKey
	}
	return int32(int64(u) + k.bias)
}

// set replaces the key of row r with v, which must fit the width the
// keys have: set is for a string's rank, which is below the number of
// its ids, and the id held fitted.
func (k *columnKeys) set(r int, v int32) {
	if k.isWide {
		k.wide.s[r] = v
		return
	}
	k.narrow.s[r] = uint16(int64(v) - k.bias)
}

func (k *columnKeys) free() {
	k.narrow.free()
	k.wide.free()
	k.isWide, k.biased = false, false
}

// mapped is the bytes of the keys' mappings, for tests.
func (k *columnKeys) mapped() int { return k.narrow.mapped() + k.wide.mapped() }

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
			c.keys.bias, c.keys.biased = -1, true
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
				c.keys.append(nullKey)
				continue
			}
		}
		if c.kind != reflect.String {
			c.keys.append(*(*int32)(q))
			continue
		}
		str := *(*string)(q)
		if c.last >= 0 && str == c.vals[c.last] {
			c.keys.append(c.last)
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
		c.keys.append(id)
	}
}

// order returns, for each position of the sorted file, the row that
// goes there. Rows with equal keys keep their input order, so a file's
// bytes depend only on its rows and their order.
func (s *sorter) order() []int32 {
	n := len(s.cols)
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
		for r := range s.rows {
			if k := c.keys.at(r); k != nullKey {
				c.keys.set(r, rank[k])
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
	slices.SortFunc(s.perm, func(a, b int32) int {
		for i := range s.cols {
			k := &s.cols[i].keys
			if c := cmp.Compare(k.at(int(a)), k.at(int(b))); c != 0 {
				return c
			}
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
	type span struct {
		lo    int64
		width uint
	}
	spans := make([]span, len(s.cols))
	total := uint(bits.Len(uint(max(s.rows-1, 0))))
	for i := range spans {
		k := &s.cols[i].keys
		lo, hi := int64(math.MaxInt32), int64(math.MinInt32)
		for r := range s.rows {
			if v := k.at(r); v != nullKey {
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
	// Column by column, most significant first: the same key as
	// shifting in each row's columns in turn.
	packed := make([]uint64, s.rows)
	for i, sp := range spans {
		k := &s.cols[i].keys
		for r := range packed {
			var v uint64 // null
			if key := k.at(r); key != nullKey {
				v = uint64(int64(key)-sp.lo) + 1
			}
			packed[r] = packed[r]<<sp.width | v
		}
	}
	for r := range packed {
		packed[r] = packed[r]<<rowBits | uint64(r)
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
	s.rows = 0
	for i := range s.cols {
		s.cols[i].keys.free()
		if s.cols[i].ids != nil {
			s.cols[i].keys.bias, s.cols[i].keys.biased = -1, true // id+1 is held
			clear(s.cols[i].ids)
			s.cols[i].vals = s.cols[i].vals[:0]
			s.cols[i].last = -1
		}
	}
}

// keysMapped is the bytes of the keys' mappings, for tests.
func (s *sorter) keysMapped() int {
	n := 0
	for i := range s.cols {
		n += s.cols[i].keys.mapped()
	}
	return n
}

// keysLen is the number of keys held, for tests.
func (s *sorter) keysLen() int {
	n := 0
	for i := range s.cols {
		n += s.cols[i].keys.len()
	}
	return n
}

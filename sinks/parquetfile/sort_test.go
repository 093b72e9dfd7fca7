package parquetfile

import (
	"cmp"
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unsafe"
)

type sortRow struct {
	Code *string `parquet:"code,optional"`
	Day  int32   `parquet:"day"`
	Tag  string  `parquet:"tag"`
}

func TestSorterOrdersLikeTheColumns(t *testing.T) {
	s := func(v string) *string { return &v }
	tests := []struct {
		name string
		rows []sortRow
		want []string // tags in sorted order
	}{
		{"empty", nil, nil},
		{"one", []sortRow{{Code: s("b"), Tag: "x"}}, []string{"x"}},
		{"nulls first, then bytewise, then day, ties in input order", []sortRow{
			{Code: s("b"), Day: 2, Tag: "b2"},
			{Code: s("B"), Day: 9, Tag: "B9"},
			{Code: nil, Day: 5, Tag: "null5"},
			{Code: s("b"), Day: -1, Tag: "b-1"},
			{Code: s("a"), Day: 1, Tag: "a1"},
			{Code: nil, Day: 1, Tag: "null1"},
			{Code: s("b"), Day: 2, Tag: "b2bis"},
			{Code: s("ab"), Day: 0, Tag: "ab0"},
		}, []string{"null1", "null5", "B9", "a1", "ab0", "b-1", "b2", "b2bis"}},
		{"runs of one value, nulls within them, values seen before", []sortRow{
			{Code: s("b"), Day: 3, Tag: "b3"}, {Code: s("b"), Day: 1, Tag: "b1"}, {Code: nil, Day: 0, Tag: "null0"},
			{Code: s("b"), Day: 2, Tag: "b2"}, {Code: s("a"), Day: 2, Tag: "a2"}, {Code: s("a"), Day: 1, Tag: "a1"},
			{Code: s("b"), Day: 0, Tag: "b0"}, {Code: s("c"), Day: 0, Tag: "c0"}, {Code: s("a"), Day: 0, Tag: "a0"},
		}, []string{"null0", "a0", "a1", "a2", "b0", "b1", "b2", "b3", "c0"}},
		{"reversed", []sortRow{
			{Code: s("e"), Tag: "e"}, {Code: s("a"), Tag: "a"}, {Code: s("d"), Tag: "d"},
			{Code: s("c"), Tag: "c"}, {Code: s("b"), Tag: "b"}, {Code: s("f"), Tag: "f"},
		}, []string{"a", "b", "c", "d", "e", "f"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, err := newSorter[sortRow]([]string{"code", "day"})
			if err != nil {
				t.Fatal(err)
			}
			// Two rounds: reset must forget the first group's strings.
			for round := range 2 {
				rows := slices.Clone(tt.rows)
				for i := range rows {
					st.add(unsafe.Pointer(&rows[i]))
				}
				var got []string
				for _, i := range st.order() {
					got = append(got, rows[i].Tag)
				}
				st.reset()
				if !slices.Equal(got, tt.want) {
					t.Errorf("round %d: order %v, want %v", round, got, tt.want)
				}
			}
		})
	}
}

func TestSorterRefusesOtherColumns(t *testing.T) {
	type floaty struct {
		W float64 `parquet:"w"`
	}
	if _, err := newSorter[floaty]([]string{"w"}); err == nil {
		t.Error("a float sort column was accepted")
	}
	if _, err := newSorter[sortRow]([]string{"nope"}); err == nil {
		t.Error("a missing sort column was accepted")
	}
}

// wideRow has keys that cannot be packed: two int32 columns over their
// whole range take 64 bits before the row index.
type wideRow struct {
	A int32 `parquet:"a"`
	B int32 `parquet:"b"`
}

// sortBoth returns the packed sort's order (and whether it applied) and
// the compare sort's order of rows.
func sortBoth[T any](t *testing.T, cols []string, rows []T) (packed []int32, used bool, compare []int32) {
	t.Helper()
	st, err := newSorter[T](cols)
	if err != nil {
		t.Fatal(err)
	}
	for i := range rows {
		st.add(unsafe.Pointer(&rows[i]))
	}
	st.order() // ranks the strings, then sorts one way or the other
	reset := func() {
		for i := range st.perm {
			st.perm[i] = int32(i)
		}
	}
	reset()
	used = st.sortPacked()
	packed = slices.Clone(st.perm)
	reset()
	st.sortCompare()
	return packed, used, slices.Clone(st.perm)
}

// TestSorterPackedMatchesCompare checks the packed sort against sorting
// by comparing keys, and that keys too wide to pack fall back.
func TestSorterPackedMatchesCompare(t *testing.T) {
	codes := []string{"b", "a", "ab", "B", ""}
	for _, tt := range []struct {
		name string
		days func(i int) int32
	}{
		{"narrow days", func(i int) int32 { return int32(18262 + (i*7)%31) }},
		{"negative days", func(i int) int32 { return int32(-5 + (i*3)%11) }},
		{"days over all of int32", func(i int) int32 {
			return []int32{math.MinInt32 + 1, math.MaxInt32, 0}[i%3]
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rows := make([]sortRow, 5000)
			for i := range rows {
				if c := codes[(i*13)%len(codes)]; c != "" {
					rows[i].Code = &c
				}
				rows[i].Day = tt.days(i)
			}
			packed, used, compare := sortBoth(t, []string{"code", "day"}, rows)
			if !used {
				t.Fatal("keys of 3+32 bits and 13 bits of row index were not packed")
			}
			if !slices.Equal(packed, compare) {
				t.Errorf("packed order differs from the compare sort")
			}
		})
	}
	t.Run("too wide", func(t *testing.T) {
		rows := make([]wideRow, 100)
		for i := range rows {
			rows[i] = wideRow{A: []int32{math.MinInt32 + 1, math.MaxInt32}[i%2], B: []int32{math.MaxInt32, 0, math.MinInt32 + 1}[i%3]}
		}
		if _, used, _ := sortBoth(t, []string{"a", "b"}, rows); used {
			t.Error("keys of 64 bits and a row index were packed")
		}
		st, _ := newSorter[wideRow]([]string{"a", "b"})
		for i := range rows {
			st.add(unsafe.Pointer(&rows[i]))
		}
		got := st.order()
		for k := 1; k < len(got); k++ {
			a, b := rows[got[k-1]], rows[got[k]]
			if a.A > b.A || a.A == b.A && (a.B > b.B || a.B == b.B && got[k-1] > got[k]) {
				t.Fatalf("rows %d and %d out of order", got[k-1], got[k])
			}
		}
	})
}

// referenceOrder sorts rows' indexes by code (nulls first, bytewise),
// then day, ties in input order, without the sorter's keys.
func referenceOrder(rows []sortRow) []int32 {
	idx := make([]int32, len(rows))
	for i := range idx {
		idx[i] = int32(i)
	}
	slices.SortStableFunc(idx, func(a, b int32) int {
		ca, cb := rows[a].Code, rows[b].Code
		switch {
		case ca == nil && cb != nil:
			return -1
		case ca != nil && cb == nil:
			return 1
		case ca != nil:
			if c := strings.Compare(*ca, *cb); c != 0 {
				return c
			}
		}
		return cmp.Compare(rows[a].Day, rows[b].Day)
	})
	return idx
}

// TestSorterNarrowKeys checks that keys are held in 2 bytes while they
// fit, widen to 4 the first time one does not (mid-file), and that
// either way both sorts give the reference order.
func TestSorterNarrowKeys(t *testing.T) {
	str := func(v string) *string { return &v }
	gen := func(n int, f func(i int, r *sortRow)) []sortRow {
		rows := make([]sortRow, n)
		for i := range rows {
			f(i, &rows[i])
		}
		return rows
	}
	codes := []string{"b", "a", "ab", "B"}
	few := func(i int) *string {
		if i%5 == 0 {
			return nil
		}
		return &codes[(i*13)%len(codes)]
	}
	tests := []struct {
		name                string
		rows                []sortRow
		wideCodes, wideDays bool
	}{
		{"narrow", gen(5000, func(i int, r *sortRow) {
			r.Code, r.Day = few(i), int32(18262+(i*7)%1000-500)
		}), false, false},
		{"nulls only", gen(100, func(i int, r *sortRow) {}), false, false},
		{"nulls, then values", gen(3000, func(i int, r *sortRow) {
			if i >= 1000 {
				r.Code = few(i)
			}
			r.Day = int32(-(i % 17))
		}), false, false},
		{"days at the edge of 2 bytes", gen(3000, func(i int, r *sortRow) {
			r.Code, r.Day = few(i), []int32{100, 100 + 32767, 100 - 32767, int32(100 + (i*31)%1000)}[i%4]
		}), false, false},
		{"days one past the edge, mid-file", gen(3000, func(i int, r *sortRow) {
			r.Code, r.Day = few(i), int32(100+(i*31)%1000)
			if i == 1500 {
				r.Day = 100 + 32768
			}
		}), false, true},
		{"days far apart, mid-file", gen(5000, func(i int, r *sortRow) {
			r.Code, r.Day = few(i), int32(18262+(i*7)%31)
			if i >= 2000 {
				r.Day = []int32{math.MinInt32 + 1, math.MaxInt32, -40000, 40000, 18262}[i%5]
			}
		}), false, true},
		{"65535 distinct strings", gen(70000, func(i int, r *sortRow) {
			// Each of 0..65534 once, scrambled, then repeats and nulls.
			if i < 65535 || i%7 != 3 {
				r.Code = str(strconv.Itoa((i * 7919) % 65535))
			}
			r.Day = int32(i % 3)
		}), false, false},
		{"65536 distinct strings, widened mid-file", gen(80000, func(i int, r *sortRow) {
			if i%7 != 3 {
				// Each of 0..100002 once, scrambled, so the 65536th
				// distinct string comes late in the file.
				r.Code = str(strconv.Itoa((i * 7919) % 100003))
			}
			r.Day = int32(i % 3)
		}), true, false},
		{"both widen", gen(80000, func(i int, r *sortRow) {
			if i%7 != 3 {
				r.Code = str(strconv.Itoa((i * 7919) % 100003))
			}
			r.Day = int32(i % 3)
			if i > 70000 {
				r.Day = int32(i * 1000)
			}
		}), true, true},
	}
	st, err := newSorter[sortRow]([]string{"code", "day"})
	if err != nil {
		t.Fatal(err)
	}
	// One sorter for all, in both directions: reset must forget the
	// width as well as the strings.
	for _, tt := range append(tests, slices.Clone(tests)...) {
		t.Run(tt.name, func(t *testing.T) {
			for i := range tt.rows {
				st.add(unsafe.Pointer(&tt.rows[i]))
			}
			if got := st.cols[0].keys.isWide; got != tt.wideCodes {
				t.Errorf("code keys wide %v, want %v", got, tt.wideCodes)
			}
			if got := st.cols[1].keys.isWide; got != tt.wideDays {
				t.Errorf("day keys wide %v, want %v", got, tt.wideDays)
			}
			want := referenceOrder(tt.rows)
			if got := st.order(); !slices.Equal(got, want) {
				t.Errorf("order differs from the reference sort")
			}
			st.reset()
			packed, _, compare := sortBoth(t, []string{"code", "day"}, tt.rows)
			if !slices.Equal(packed, want) || !slices.Equal(compare, want) {
				t.Errorf("packed sort same as reference %v, compare sort %v", slices.Equal(packed, want), slices.Equal(compare, want))
			}
		})
	}
}

package parquetfile

import (
	"slices"
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

package parquetfile

import (
	"reflect"
	"slices"
	"testing"
)

type sortRow struct {
	Code *string `parquet:"code,optional"`
	Day  int32   `parquet:"day"`
	Tag  string  `parquet:"tag"`
}

// swapRows records the swaps permute makes on a plain slice.
type swapRows []sortRow

func (r swapRows) Swap(i, j int) { r[i], r[j] = r[j], r[i] }

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
		{"cycles of every length", []sortRow{
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
				// Added in two calls, as Writer.flush does across batches.
				half := len(rows) / 2
				st.add(reflect.ValueOf(rows[:half]))
				st.add(reflect.ValueOf(rows[half:]))
				permute(swapRows(rows), st.order())
				st.reset()
				var got []string
				for _, r := range rows {
					got = append(got, r.Tag)
				}
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

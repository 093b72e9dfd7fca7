package parquetfile

import (
	"fmt"
	"maps"
	"os"
	"slices"
	"testing"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"

	"github.com/tradepipe/tradepipe/internal/schema"
)

// TestDescriptionDictionaryOnlyWhereItRepeats: an all-partner HS10 file
// (each code and description on many rows) dictionary-encodes hs_code and
// description; a one-row-per-code file writes them PLAIN; the rows read
// back the same.
func TestDescriptionDictionaryOnlyWhereItRepeats(t *testing.T) {
	tests := []struct {
		name     string
		distinct int
		wantDict bool
	}{
		{"repeated", 50, true},
		{"one per row", 3000, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows := make([]schema.TradeFlowRecord, 3000)
			for i := range rows {
				d := fmt.Sprintf("commodity description %d", i%tt.distinct)
				rows[i] = schema.TradeFlowRecord{Partner: fmt.Sprint(i % 60), HSCode: fmt.Sprintf("%010d", i%tt.distinct), Description: &d}
				if i%11 == 0 {
					rows[i].Description = nil
				}
			}
			f := writeAll(t, t.TempDir(), rows)
			defer os.Remove(f.Path)
			pf, size, file := openParquet(t, f.Path)
			for _, col := range []string{"description", "hs_code"} {
				leaf, _ := file.Schema().Lookup(col)
				for _, rg := range file.Metadata().RowGroups {
					encs := rg.Columns[leaf.ColumnIndex].MetaData.Encoding
					if got := slices.Contains(encs, format.RLEDictionary); got != tt.wantDict {
						t.Errorf("%s encodings %v, dictionary %v, want %v", col, encs, got, tt.wantDict)
					}
				}
			}
			got, err := parquet.Read[schema.TradeFlowRecord](pf, size)
			if err != nil {
				t.Fatal(err)
			}
			nulls, descs := 0, map[string]int{}
			for _, r := range got {
				if r.Description == nil {
					nulls++
				} else {
					descs[*r.Description]++
				}
			}
			if want := (len(rows) + 10) / 11; nulls != want || len(got) != len(rows) {
				t.Errorf("%d rows, %d null descriptions, want %d and %d", len(got), nulls, len(rows), want)
			}
			want := map[string]int{}
			for _, r := range rows {
				if r.Description != nil {
					want[*r.Description]++
				}
			}
			if !maps.Equal(descs, want) {
				t.Errorf("%d distinct descriptions read, want %d (or counts differ)", len(descs), len(want))
			}
		})
	}
}

// TestTradeFlowsRowGroups: trade_flows files hold DuckDB's 122,880-row
// groups, so an all-partner month's dictionaries are written once, not
// once per 32k rows; other tables keep DefaultRowGroupRows.
func TestTradeFlowsRowGroups(t *testing.T) {
	rows := make([]schema.TradeFlowRecord, 122_881)
	for i := range rows {
		rows[i] = schema.TradeFlowRecord{Partner: fmt.Sprint(i % 200), HSCode: fmt.Sprintf("%010d", i%5000)}
	}
	f := writeAll(t, t.TempDir(), rows)
	defer os.Remove(f.Path)
	_, _, file := openParquet(t, f.Path)
	var sizes []int64
	for _, rg := range file.Metadata().RowGroups {
		sizes = append(sizes, rg.NumRows)
	}
	if !slices.Equal(sizes, []int64{122_880, 1}) {
		t.Errorf("row groups of %v rows, want [122880 1]", sizes)
	}
}

// openParquet opens the Parquet file at path, closed when the test ends.
func openParquet(t *testing.T, path string) (*os.File, int64, *parquet.File) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	st, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	pf, err := parquet.OpenFile(f, st.Size())
	if err != nil {
		t.Fatal(err)
	}
	return f, st.Size(), pf
}

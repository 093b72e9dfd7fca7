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
// (each description on many rows) dictionary-encodes description; a
// one-row-per-code file writes it PLAIN; the rows read back the same.
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
			pf, err := os.Open(f.Path)
			if err != nil {
				t.Fatal(err)
			}
			defer pf.Close()
			st, _ := pf.Stat()
			file, err := parquet.OpenFile(pf, st.Size())
			if err != nil {
				t.Fatal(err)
			}
			leaf, _ := file.Schema().Lookup("description")
			for _, rg := range file.Metadata().RowGroups {
				encs := rg.Columns[leaf.ColumnIndex].MetaData.Encoding
				if got := slices.Contains(encs, format.RLEDictionary); got != tt.wantDict {
					t.Errorf("description encodings %v, dictionary %v, want %v", encs, got, tt.wantDict)
				}
			}
			got, err := parquet.Read[schema.TradeFlowRecord](pf, st.Size())
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

package parquetfile

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/tradepipe/tradepipe/internal/schema"
)

// TestSmallFilesKeepTheirPages: the smaller page buffers of small files
// (smallFilePageBytes) cut no page: a trade_flows file whose columns each
// fit in one of the layout's 1 MiB pages has one page per column chunk,
// also where the row spool is at its most compact against a plain page
// (every string equal to the row before's, or empty).
func TestSmallFilesKeepTheirPages(t *testing.T) {
	long := strings.Repeat("x", 300)
	cases := map[string]func(i int) schema.TradeFlowRecord{
		"census-like": func(i int) schema.TradeFlowRecord {
			d := fmt.Sprintf("commodity %d, not elsewhere specified", i)
			return schema.TradeFlowRecord{Period: 18262, Reporter: "US", Partner: "CN", Flow: "export",
				HSCode: fmt.Sprintf("%06d", 100000+i), HSLevel: 6, Description: &d, ValueUSD: int64(i) * 1000,
				CoversMonths: 1, Valuation: "FAS", Source: "census", ReleaseID: "census-2020-06-04",
				SourceURI: "file:///" + long, SourceSHA256: strings.Repeat("ab", 32)}
		},
		"repeats": func(i int) schema.TradeFlowRecord {
			// The same long description on runs of two rows (the spool
			// writes the second as a back-reference), but more than half
			// distinct over the file, so the column stays PLAIN.
			d := fmt.Sprintf("%s %d", long[:250], i-(i%3)/2) // 3,500 of them under 1 MiB
			return schema.TradeFlowRecord{HSCode: fmt.Sprintf("%010d", i), Description: &d, SourceURI: long}
		},
		"empty": func(int) schema.TradeFlowRecord { return schema.TradeFlowRecord{} },
	}
	for name, row := range cases {
		for _, n := range []int{1, 30, 3500} {
			t.Run(fmt.Sprintf("%s/%d", name, n), func(t *testing.T) {
				rows := make([]schema.TradeFlowRecord, n)
				for i := range rows {
					rows[i] = row(i)
				}
				f := writeAll(t, t.TempDir(), rows)
				defer os.Remove(f.Path)
				_, _, file := openParquet(t, f.Path)
				for _, rg := range file.RowGroups() {
					for c, cc := range rg.ColumnChunks() {
						oi, err := cc.OffsetIndex()
						if err != nil {
							t.Fatal(err)
						}
						if oi.NumPages() != 1 {
							t.Errorf("column %d: %d pages, want 1", c, oi.NumPages())
						}
					}
				}
			})
		}
	}
}

package compliance

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/tradepipe/tradepipe/examples"
	"github.com/tradepipe/tradepipe/internal/schema"
	"github.com/tradepipe/tradepipe/sinks/lake"
	"github.com/tradepipe/tradepipe/sinks/parquetfile"
)

// TestReadColumnsMatchesWholeRows: reading only the columns compliance
// uses gives, row for row, what reading whole rows gives, on a file of
// the writer before the projection (testdata, main at 2bd7865: per-row-group
// sort, plain descriptions) and on one the current writer makes.
func TestReadColumnsMatchesWholeRows(t *testing.T) {
	old, err := os.ReadFile("testdata/trade_flows_written_by_2bd7865.parquet")
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{"2bd7865": old, "current": currentWriterFile(t)}
	for name, b := range files {
		t.Run(name, func(t *testing.T) {
			whole, err := parquet.Read[schema.TradeFlowRecord](bytes.NewReader(b), int64(len(b)))
			if err != nil {
				t.Fatal(err)
			}
			cols, err := readColumns(bytes.NewReader(b), int64(len(b)))
			if err != nil {
				t.Fatal(err)
			}
			if len(whole) == 0 || len(cols) != len(whole) {
				t.Fatalf("%d rows by columns, %d whole", len(cols), len(whole))
			}
			for i, w := range whole {
				want := flowColumns{Period: w.Period, Reporter: w.Reporter, Partner: w.Partner, HSCode: w.HSCode,
					ValueUSD: w.ValueUSD, CoversMonths: w.CoversMonths, CustomsRegime: w.CustomsRegime,
					Source: w.Source, ReleaseID: w.ReleaseID, SourceURI: w.SourceURI}
				got := cols[i]
				if (got.CustomsRegime == nil) != (want.CustomsRegime == nil) ||
					(got.CustomsRegime != nil && *got.CustomsRegime != *want.CustomsRegime) {
					t.Fatalf("row %d: customs_regime %v, want %v", i, got.CustomsRegime, want.CustomsRegime)
				}
				got.CustomsRegime, want.CustomsRegime = nil, nil
				if got != want {
					t.Fatalf("row %d: %+v, want %+v", i, got, want)
				}
			}
		})
	}
}

// currentWriterFile writes a few trade_flows rows, one with a customs
// regime, with sinks/parquetfile.
func currentWriterFile(t *testing.T) []byte {
	t.Helper()
	regime := "general"
	desc := "Soybeans"
	w, err := parquetfile.Create[schema.TradeFlowRecord](t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for i, hs := range []string{"120190", "880240", "270900", "120190"} {
		r := schema.TradeFlowRecord{Period: 18262 + int32(i), Reporter: "US", Partner: "CN", Flow: "export",
			HSCode: hs, HSLevel: 6, Description: &desc, ValueUSD: int64(1000*i + 1), CoversMonths: 1,
			Valuation: "FAS", Source: "census", ReleaseID: "r1", SourceURI: "file:///a", SourceSHA256: "ab"}
		if i == 2 {
			r.CustomsRegime = &regime
		}
		if err := w.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	f, err := w.Close()
	if err != nil {
		t.Fatal(err)
	}
	defer os.Remove(f.Path)
	b, err := os.ReadFile(f.Path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestReadColumnsNeedsEveryColumn: a file without one of the columns is
// refused, not read as zeros.
func TestReadColumnsNeedsEveryColumn(t *testing.T) {
	type partial struct {
		Period int32  `parquet:"period,date"`
		HSCode string `parquet:"hs_code"`
	}
	var buf bytes.Buffer
	if err := parquet.Write(&buf, []partial{{Period: 1, HSCode: "01"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := readColumns(bytes.NewReader(buf.Bytes()), int64(buf.Len())); err == nil {
		t.Error("a file without value_usd was read")
	}
}

// BenchmarkReadTradeFlows reads every trade_flows file of the real Census
// lake (examples/census, 40 months) as ReadSeries does: only the columns
// compliance uses (columns), against whole rows as before (whole-rows).
//
//	go test ./compliance -run X -bench ReadTradeFlows -benchtime 20x
func BenchmarkReadTradeFlows(b *testing.B) {
	inboxDir := b.TempDir()
	if err := examples.CopyCensus(inboxDir, time.Time{}); err != nil {
		b.Fatal(err)
	}
	l := ingestCensus(b, b.TempDir(), inboxDir, "gz", examples.CensusMonths)
	ctx := context.Background()
	var files [][]byte
	for o, err := range l.List(ctx, "trade_flows/") {
		if err != nil {
			b.Fatal(err)
		}
		if strings.HasSuffix(o.Key, ".parquet") {
			body, err := lake.ReadAll(ctx, l, o.Key)
			if err != nil {
				b.Fatal(err)
			}
			files = append(files, body)
		}
	}
	if len(files) < examples.CensusMonths {
		b.Fatalf("%d files", len(files))
	}
	b.Run("columns", func(b *testing.B) {
		for b.Loop() {
			for _, f := range files {
				if _, err := readColumns(bytes.NewReader(f), int64(len(f))); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
	b.Run("whole-rows", func(b *testing.B) {
		for b.Loop() {
			for _, f := range files {
				if _, err := parquet.Read[schema.TradeFlowRecord](bytes.NewReader(f), int64(len(f))); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}

package compliance

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"
	"go.uber.org/goleak"

	"github.com/tradepipe/tradepipe/examples"
	"github.com/tradepipe/tradepipe/internal/reference"
	"github.com/tradepipe/tradepipe/internal/schema"
	"github.com/tradepipe/tradepipe/sinks/lake"
	"github.com/tradepipe/tradepipe/sinks/parquetfile"
	"github.com/tradepipe/tradepipe/sinks/publish"
	"github.com/tradepipe/tradepipe/sources/census"
)

// TestReadColumnsMatchesWholeRows: reading only the columns and rows
// compliance uses gives, row for row, what reading whole rows and keeping
// the basis's reporter and partner gives: on a file of the writer before
// the projection (testdata, main at 2bd7865: per-row-group sort, plain
// descriptions), on one the current writer makes, and on all-partner
// files of many row groups and pages, where whole row groups and pages
// are skipped.
func TestReadColumnsMatchesWholeRows(t *testing.T) {
	old, err := os.ReadFile("testdata/trade_flows_written_by_2bd7865.parquet")
	if err != nil {
		t.Fatal(err)
	}
	files := []struct {
		name              string
		b                 []byte
		reporter, partner string
	}{
		{"2bd7865", old, "US", "CN"},
		{"current", currentWriterFile(t), "US", "CN"},
		{"current/HK", currentWriterFile(t), "US", "HK"},
		{"all-partners/CN", allPartnerFile(t, 4096), "US", "CN"},
		{"all-partners/AD", allPartnerFile(t, 4096), "US", "AD"}, // the first partner
		{"all-partners/ZW", allPartnerFile(t, 4096), "US", "ZW"}, // the last
		{"all-partners/one-group", allPartnerFile(t, 1<<20), "US", "CN"},
		{"all-partners/none", allPartnerFile(t, 4096), "US", "XX"}, // no such partner
		{"all-partners/other-reporter", allPartnerFile(t, 4096), "CN", "US"},
	}
	for _, tc := range files {
		t.Run(tc.name, func(t *testing.T) {
			whole, err := parquet.Read[schema.TradeFlowRecord](bytes.NewReader(tc.b), int64(len(tc.b)))
			if err != nil {
				t.Fatal(err)
			}
			var want []flowColumns
			for _, w := range whole {
				if w.Reporter == tc.reporter && w.Partner == tc.partner {
					want = append(want, flowColumns{Period: w.Period, Reporter: w.Reporter, Partner: w.Partner, HSCode: w.HSCode,
						ValueUSD: w.ValueUSD, CoversMonths: w.CoversMonths, CustomsRegime: w.CustomsRegime,
						Source: w.Source, ReleaseID: w.ReleaseID, SourceURI: w.SourceURI})
				}
			}
			cols, err := readColumns(bytes.NewReader(tc.b), int64(len(tc.b)), tc.reporter, tc.partner)
			if err != nil {
				t.Fatal(err)
			}
			if len(cols) != len(want) {
				t.Fatalf("%d rows by columns, %d whole (of %d)", len(cols), len(want), len(whole))
			}
			if len(want) == 0 && !strings.HasSuffix(tc.name, "none") && !strings.HasSuffix(tc.name, "reporter") {
				t.Fatal("no rows to compare")
			}
			for i, w := range want {
				got := cols[i]
				if (got.CustomsRegime == nil) != (w.CustomsRegime == nil) ||
					(got.CustomsRegime != nil && *got.CustomsRegime != *w.CustomsRegime) {
					t.Fatalf("row %d: customs_regime %v, want %v", i, got.CustomsRegime, w.CustomsRegime)
				}
				got.CustomsRegime, w.CustomsRegime = nil, nil
				if got != w {
					t.Fatalf("row %d: %+v, want %+v", i, got, w)
				}
			}
		})
	}
}

// allPartnerFile writes 40,000 trade_flows rows over 200 partners (ISO
// codes from AD to ZW, CN among them), in row groups of groupRows rows;
// the writer sorts them by partner and hs_code.
func allPartnerFile(t *testing.T, groupRows int) []byte {
	t.Helper()
	var partners []string
	for a := 'A'; a <= 'Z'; a++ {
		for b := 'A'; b <= 'Z'; b += 3 {
			partners = append(partners, string([]rune{a, b}))
		}
	}
	partners = append(partners[:198], "CN", "ZW")
	desc := "Widgets"
	regime := "general"
	w, err := parquetfile.Create[schema.TradeFlowRecord](t.TempDir(), parquetfile.RowGroupRows(groupRows))
	if err != nil {
		t.Fatal(err)
	}
	for i := range 40000 {
		p := partners[(i*7919)%len(partners)]
		r := schema.TradeFlowRecord{Period: 18262, Reporter: "US", Partner: p, Flow: "export",
			HSCode: fmt.Sprintf("%010d", (i*104729)%9000000000+1000000000), HSLevel: 10, Description: &desc,
			ValueUSD: int64(i*37 + 1), CoversMonths: 1, Valuation: "FAS", Source: "census",
			ReleaseID: "r1", SourceURI: "file:///all.json", SourceSHA256: "ab"}
		if i%11 == 0 {
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

// currentWriterFile writes a few trade_flows rows, one with a customs
// regime and one for another partner, with sinks/parquetfile.
func currentWriterFile(t *testing.T) []byte {
	t.Helper()
	regime := "general"
	desc := "Soybeans"
	w, err := parquetfile.Create[schema.TradeFlowRecord](t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for i, hs := range []string{"120190", "880240", "270900", "120190", "100590"} {
		r := schema.TradeFlowRecord{Period: 18262 + int32(i), Reporter: "US", Partner: "CN", Flow: "export",
			HSCode: hs, HSLevel: 6, Description: &desc, ValueUSD: int64(1000*i + 1), CoversMonths: 1,
			Valuation: "FAS", Source: "census", ReleaseID: "r1", SourceURI: "file:///a", SourceSHA256: "ab"}
		if i == 2 {
			r.CustomsRegime = &regime
		}
		if i == 4 {
			r.Partner = "HK"
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
	if _, err := readColumns(bytes.NewReader(buf.Bytes()), int64(buf.Len()), "US", "CN"); err == nil {
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
				if _, err := readColumns(bytes.NewReader(f), int64(len(f)), "US", "CN"); err != nil {
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

// TestGroupMayHold: the file groups the census source names (its own
// FileGroup, for one, a few and many partners and for all) are read for
// China exactly when they may hold China.
func TestGroupMayHold(t *testing.T) {
	many := []string{"5700", "5820", "1220", "2010", "4120", "4280", "4210", "5880", "5800"}
	for _, tc := range []struct {
		opts census.Options
		want bool
	}{
		{census.Options{Flow: "export", Partner: "5700"}, true},
		{census.Options{Flow: "export", Partner: "5820"}, false},                    // partner-HK
		{census.Options{Flow: "export", Partners: []string{"5820", "5700"}}, true},  // partners-CN-HK
		{census.Options{Flow: "export", Partners: []string{"5820", "1220"}}, false}, // partners-CA-HK
		{census.Options{Flow: "export", Partners: many}, true},                      // partners-9-<hash>: cannot tell
		{census.Options{Flow: "export", Partners: append(many[1:], "5830")}, true},  // the same without China
		{census.Options{Flow: "export", AllPartners: true}, true},                   // partners-all
	} {
		s, err := census.New(tc.opts, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := groupMayHold(s.FileGroup(), "CN"); got != tc.want {
			t.Errorf("%s: %v, want %v", s.FileGroup(), got, tc.want)
		}
	}
	for name, want := range map[string]bool{"part-00000": true, "week1-export-3f2a": true, "partners-US": false} {
		if got := groupMayHold(name, "CN"); got != want {
			t.Errorf("%s: %v, want %v", name, got, want)
		}
	}
}

// TestReadSeriesSkipsOtherPartnersFiles: in a month where a China job's
// file sits beside a Hong Kong job's, ReadSeries reads China's and never
// opens Hong Kong's (here not even Parquet, so opening it would fail),
// and lists only what it read as inputs.
func TestReadSeriesSkipsOtherPartnersFiles(t *testing.T) {
	defer goleak.VerifyNone(t) // partitions are read in parallel, also when one fails
	l := newLake(t)
	ctx := context.Background()
	m := month("2020-01")
	pub := &publish.Publisher{Lake: l.(lake.Conditional)}
	p := schema.TradeFlowPartition("census", "export", m)
	put := func(group string, path string, rows int64) {
		t.Helper()
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(b)
		if _, err := pub.Publish(ctx, publish.Commit{
			Partition: p,
			Group:     publish.Group{Name: group, Rows: rows},
			Local: []publish.LocalFile{{Name: group + ".parquet", Path: path, Rows: rows, Bytes: int64(len(b)),
				SHA256: hex.EncodeToString(sum[:])}},
		}); err != nil {
			t.Fatal(err)
		}
	}
	w, err := parquetfile.Create[schema.TradeFlowRecord](t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for i, partner := range []string{"CN", "CN", "HK"} {
		if err := w.Write(schema.TradeFlowRecord{Period: 18262, Reporter: "US", Partner: partner, Flow: "export",
			HSCode: fmt.Sprintf("12019%d", i), HSLevel: 6, ValueUSD: 100, CoversMonths: 1, Valuation: "FAS",
			Source: "census", ReleaseID: "r1", SourceURI: "file:///cn", SourceSHA256: "ab"}); err != nil {
			t.Fatal(err)
		}
	}
	f, err := w.Close()
	if err != nil {
		t.Fatal(err)
	}
	put("partner-CN", f.Path, f.Rows)
	bogus := filepath.Join(t.TempDir(), "hk.parquet")
	if err := os.WriteFile(bogus, []byte("not parquet"), 0o644); err != nil {
		t.Fatal(err)
	}
	put("partner-HK", bogus, 1)
	s, err := ReadSeries(ctx, l, reference.USExports)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Inputs) != 1 || !strings.Contains(s.Inputs[0].URI, "partner-CN") {
		t.Errorf("inputs %+v, want the partner-CN file alone", s.Inputs)
	}
	fig := s.Figures[m]
	if fig == nil || len(fig.Cents) != 2 || fig.Cents["120190"] != 100 || fig.Cents["120191"] != 100 {
		t.Errorf("figure %+v, want China's two rows", fig)
	}
	// The same file under a name that may hold China is read: the bogus
	// file as partners-all fails.
	put("partners-all", bogus, 1)
	if _, err := ReadSeries(ctx, l, reference.USExports); err == nil {
		t.Error("a partners-all file was not read")
	}
}

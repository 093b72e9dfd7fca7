package gacc

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/tradepipe/tradepipe/internal/civil"
	"github.com/tradepipe/tradepipe/internal/schema"
	"github.com/tradepipe/tradepipe/sources"
)

// sink is an in-memory sources.Emitter.
type sink struct {
	flows    []*schema.TradeFlow
	totals   []*schema.TradeTotal
	rejects  []*schema.Rejected
	counters map[string]int64
	warnings []string
}

func (s *sink) TradeFlow(r *schema.TradeFlow) error   { s.flows = append(s.flows, r); return nil }
func (s *sink) TradeTotal(r *schema.TradeTotal) error { s.totals = append(s.totals, r); return nil }
func (s *sink) Shipment(*schema.Shipment) error       { return errors.New("gacc emits no shipments") }
func (s *sink) Reject(r *schema.Rejected) error       { s.rejects = append(s.rejects, r); return nil }
func (s *sink) Count(name string, n int64) {
	if s.counters == nil {
		s.counters = map[string]int64{}
	}
	s.counters[name] += n
}
func (s *sink) Warn(msg string) { s.warnings = append(s.warnings, msg) }

var fetched = time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)

func release(t *testing.T, path string) *sources.Release {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	h := hex.EncodeToString(sum[:])
	return &sources.Release{
		Source: Name, URI: "file://" + path, Name: filepath.Base(path), Path: path, Size: int64(len(b)),
		SHA256: h, Ext: strings.TrimPrefix(filepath.Ext(path), "."), ReleaseID: sources.ReleaseID(fetched, h), FetchedAt: fetched,
	}
}

func parse(t *testing.T, path string) (*sink, *sources.Release, error) {
	t.Helper()
	src, err := New(Options{}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	rel := release(t, path)
	out := &sink{}
	err = src.Parse(context.Background(), rel, out)
	return out, rel, err
}

func mustParse(t *testing.T, path string) (*sink, *sources.Release) {
	t.Helper()
	out, rel, err := parse(t, path)
	if err != nil {
		t.Fatalf("parse %s: %v", path, err)
	}
	return out, rel
}

func m(y, mo int) civil.Month { return civil.Month{Year: y, Month: time.Month(mo)} }

// flowKey renders a row for comparison.
func flowKey(f *schema.TradeFlow) string {
	q := "-"
	if f.Quantity != nil {
		q = fmtFloat(*f.Quantity)
	}
	return strings.Join([]string{f.Period.String(), f.Reporter, f.Partner, f.Flow, f.HSCode, f.ValueUSD.String(),
		q, f.QuantityUnit, f.Valuation, itoa(f.CoversMonths), f.Description}, "|")
}

func TestDetailEnglishCSV(t *testing.T) {
	out, rel := mustParse(t, "testdata/detail_en.csv")
	want := []string{
		"2017-01|CN|US|import|12019000|2296500000.00|5210000000|KG|CIF|1|Soybeans",
		"2017-01|CN|US|import|27111100|141250000|310000000|KG|CIF|1|Liquefied natural gas",
		"2017-01|CN|US|import|02032900|1120000|450000|KG|CIF|1|Frozen swine meat",
		"2020-02|CN|US|import|12019000|412300000|1020000000|KG|CIF|2|Soybeans",
		"2020-03|CN|US|import|29051100|4900000.5|12000000|KG|CIF|1|Methanol",
	}
	var got []string
	for _, f := range out.flows {
		got = append(got, flowKey(f))
		if f.Source != "gacc" || f.ReleaseID != rel.ReleaseID || f.SourceSHA256 != rel.SHA256 || f.SourceURI != rel.URI {
			t.Errorf("provenance of %s: %+v", f.HSCode, f)
		}
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("flows:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	type rj struct {
		row         int64
		code, field string
	}
	wantRej := []rj{
		{7, schema.ReasonWrongPeriod, "period"}, // 202001 single month beside the combined Jan–Feb row
		{9, schema.ReasonBadHSCode, "hs_code"},
		{10, schema.ReasonBadCountry, "partner_code"},
		{11, schema.ReasonBadValue, "value_usd"},
		{12, schema.ReasonBadDate, "period"},
		{13, schema.ReasonBadDate, "period"}, // 202001-03 is not a combined Jan–Feb
		{14, schema.ReasonMissingField, "value_usd"},
	}
	if len(out.rejects) != len(wantRej) {
		for _, r := range out.rejects {
			t.Logf("reject row %d %s %s: %s", r.Row, r.ReasonCode, r.Field, r.Reason)
		}
		t.Fatalf("%d rejects, want %d", len(out.rejects), len(wantRej))
	}
	for i, w := range wantRej {
		r := out.rejects[i]
		if r.Row != w.row || r.ReasonCode != w.code || r.Field != w.field {
			t.Errorf("reject %d = row %d %s %s (%s), want %+v", i, r.Row, r.ReasonCode, r.Field, r.Reason, w)
		}
		if r.Dataset != schema.DatasetTradeFlows || r.Source != "gacc" || len(r.RawCells) == 0 || r.SHA256 != rel.SHA256 {
			t.Errorf("reject %d lacks provenance or cells: %+v", i, r)
		}
	}
	if r := out.rejects[0]; r.Target.Path != "trade_flows/source=gacc/flow=import/year=2020/month=01" {
		t.Errorf("wrong_period reject targets %q", r.Target.Path)
	}
	if out.counters["total_rows_skipped"] != 1 || out.counters["combined_jan_feb_rows"] != 1 {
		t.Errorf("counters = %v", out.counters)
	}
}

func TestDetailChineseGB18030CSV(t *testing.T) {
	out, _ := mustParse(t, "testdata/detail_zh_gb18030.csv")
	want := []string{
		"2020-02|CN|US|import|12019000|412300000|1020000000|KG|CIF|2|大豆",
		"2020-03|CN|US|import|88024000|250000000|2|NO|CIF|1|空载重量超过15000公斤的飞机",
		"2020-03|CN|US|import|27111100|0|-||CIF|1|液化天然气",
		"2020-03|CN|JP|import|27111100|2000.25|5000|KG|CIF|1|液化天然气",
	}
	var got []string
	for _, f := range out.flows {
		got = append(got, flowKey(f))
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("flows:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if len(out.rejects) != 0 || out.counters["decoded_from_gb18030"] != 1 {
		t.Errorf("rejects %v counters %v", out.rejects, out.counters)
	}
}

// writeXLSX writes rows to a new workbook's sheet, all cells as text
// except those given as numbers.
func writeXLSX(t *testing.T, path, sheet string, rows [][]any) {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		t.Fatal(err)
	}
	for i, row := range rows {
		c, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow(sheet, c, &row); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
}

func TestDetailChineseXLSX(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cn-imports.xlsx")
	writeXLSX(t, path, "进口", [][]any{
		{"海关统计数据在线查询"},
		{},
		{"数据年月", "商品编码", "商品名称", "贸易伙伴编码", "贸易伙伴名称", "第一数量", "第一计量单位", "第二数量", "第二计量单位", "美元"},
		{201712, 12019000, "大豆", 502, "美国", 4.1e9, "千克", 4.1e9, "千克", 1775300000},
		{"2020-01-02", "27111100", "液化天然气", "502", "美国", "", "", "", "", "12345678.9"},
		{"201712", "2032900", "冻猪肉", "", "美国", "", "", "", "", "1,000"},
		{"201712", "88024000", "飞机", "502", "美国", "", "", "", "", "abc"},
		{"合计", "", "", "", "", "", "", "", "", "999"},
	})
	out, _ := mustParse(t, path)
	want := []string{
		"2017-12|CN|US|import|12019000|1775300000|4100000000|KG|CIF|1|大豆",
		"2020-02|CN|US|import|27111100|12345678.9|-||CIF|2|液化天然气",
		"2017-12|CN|US|import|02032900|1000|-||CIF|1|冻猪肉",
	}
	var got []string
	for _, f := range out.flows {
		got = append(got, flowKey(f))
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("flows:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if len(out.rejects) != 1 || out.rejects[0].Row != 7 || out.rejects[0].Sheet != "进口" || out.rejects[0].ReasonCode != schema.ReasonBadValue {
		for _, r := range out.rejects {
			t.Logf("reject %+v", r)
		}
		t.Errorf("want one bad_value reject at 进口 row 7")
	}
}

func TestReleaseHTML(t *testing.T) {
	out, rel := mustParse(t, "testdata/release_2017_12.html")
	wantID := "20180123T000000Z-" + rel.SHA256[:12]
	if rel.ReleaseID != wantID {
		t.Errorf("release id = %q, want %q (the page's PubDate)", rel.ReleaseID, wantID)
	}
	var got []string
	for _, r := range out.totals {
		ytd := "nil"
		if r.YTDValueUSD != nil {
			ytd = r.YTDValueUSD.String()
		}
		got = append(got, strings.Join([]string{r.Period.String(), r.Reporter, r.Partner, r.Flow, r.ValueUSD.String(), ytd, itoa(r.CoversMonths), r.ReleaseID}, "|"))
	}
	want := []string{
		"2017-12|CN|US|export|47010000000|429755000000|1|" + wantID,
		"2017-12|CN|US|import|15450123400.0|153945000000|1|" + wantID,
		"2017-12|CN|JP|export|12900000000|137260000000|1|" + wantID,
		"2017-12|CN|JP|import|15100000000|165790000000|1|" + wantID,
		"2017-12|CN|MO|export|330000000|3180000000|1|" + wantID,
		"2017-12|CN|MO|import|0|140000000|1|" + wantID,
		"2017-12|CN|DE|export|6500000000|71140000000|1|" + wantID,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("totals:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if len(out.rejects) != 2 {
		t.Fatalf("rejects = %d, want 2 (Atlantis, Germany imports n/a)", len(out.rejects))
	}
	if r := out.rejects[0]; r.ReasonCode != schema.ReasonBadCountry || r.Dataset != schema.DatasetTradeTotals || r.Row != 14 {
		t.Errorf("reject 0 = %+v", r)
	}
	if r := out.rejects[1]; r.ReasonCode != schema.ReasonBadValue || r.Field != "import_month" || r.Target.Path != "trade_totals/source=gacc/flow=import/year=2017/month=12" {
		t.Errorf("reject 1 = %+v", r)
	}
	if out.counters["yoy_rows_skipped"] != 6 || out.counters["aggregate_rows_skipped"] != 2 || out.counters["nil_values"] != 1 {
		t.Errorf("counters = %v", out.counters)
	}
}

func TestReleaseJanFeb(t *testing.T) {
	out, rel := mustParse(t, "testdata/release_2020_01-02.html")
	if !strings.HasPrefix(rel.ReleaseID, "20200307T000000Z-") {
		t.Errorf("release id = %q, want the stated release date 2020-03-07", rel.ReleaseID)
	}
	if len(out.totals) != 2 {
		t.Fatalf("totals = %d, want 2", len(out.totals))
	}
	for _, r := range out.totals {
		if r.Period != m(2020, 2) || r.CoversMonths != 2 || r.YTDValueUSD == nil || r.YTDValueUSD.Cmp(&r.ValueUSD) != 0 {
			t.Errorf("combined Jan–Feb total = %+v", r)
		}
	}
	if got := out.totals[1]; got.Flow != "import" || got.ValueUSD.String() != "18500000000" {
		t.Errorf("imports = %s %s", got.Flow, got.ValueUSD.String())
	}
	if len(out.warnings) != 1 || !strings.Contains(out.warnings[0], "January–February 2020") {
		t.Errorf("warnings = %q", out.warnings)
	}
}

func TestWholeFileErrors(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		name, content string
		want          []string
	}{
		{"legacy.xls", string([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0}), []string{"legacy.xls", "legacy Excel", ".xlsx or .csv"}},
		{"empty.csv", "  \n", []string{"empty.csv", "empty file"}},
		{"other.csv", "a,b,c\n1,2,3\n", []string{"other.csv", "no header row", "period", "hs_code", `"a","b","c"`}},
		{"nounit.html", "<html><title>December 2017</title><table><tr><td>Country</td><td>Exports</td></tr><tr><td>Japan</td><td>1</td></tr></table></html>", []string{"nounit.html", "no unit"}},
		{"noperiod.html", "<html><title>Trade</title><p>Unit: US$1,000</p><table><tr><td>Country</td><td>Exports</td></tr><tr><td>Japan</td><td>1</td></tr></table></html>", []string{"noperiod.html", "no reporting month"}},
		{"rmb.html", "<html><title>December 2017</title><p>Unit: RMB 10,000 yuan</p><table><tr><td>Country</td><td>Exports</td></tr><tr><td>Japan</td><td>1</td></tr></table></html>", []string{"rmb.html", "RMB"}},
		{"nocols.html", "<html><title>December 2017</title><p>Unit: US$1,000</p><table><tr><td>Country</td><td>Balance</td></tr><tr><td>Japan</td><td>1</td></tr></table></html>", []string{"nocols.html", "no export or import value columns"}},
		{"notable.html", "<html><body><p>Nothing here</p><table><tr><td>x</td></tr></table></body></html>", []string{"notable.html", "no GACC release or detail table"}},
		{"broken.xlsx", "PK\x03\x04garbage", []string{"broken.xlsx", "not a readable xlsx"}},
		{"gbk-junk.csv", string([]byte{0xff, 0xff, 0xff, 0x81}), []string{"gbk-junk.csv", "neither UTF-8 nor GB18030"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := filepath.Join(dir, c.name)
			if err := os.WriteFile(p, []byte(c.content), 0o600); err != nil {
				t.Fatal(err)
			}
			out, _, err := parse(t, p)
			if err == nil {
				t.Fatalf("parse succeeded: %d flows, %d totals", len(out.flows), len(out.totals))
			}
			if !errors.Is(err, sources.ErrPermanent) {
				t.Errorf("error is not permanent: %v", err)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q: %v", w, err)
				}
			}
		})
	}
}

func TestParsePeriod(t *testing.T) {
	cases := []struct {
		in     string
		end    civil.Month
		covers int
		bad    bool
	}{
		{"201701", m(2017, 1), 1, false},
		{"2017-01", m(2017, 1), 1, false},
		{"2017/1", m(2017, 1), 1, false},
		{"2017.12", m(2017, 12), 1, false},
		{"2017年1月", m(2017, 1), 1, false},
		{"2017年12月", m(2017, 12), 1, false},
		{"201701.0", m(2017, 1), 1, false},
		{"202001-02", m(2020, 2), 2, false},
		{"2020-01-02", m(2020, 2), 2, false},
		{"2020年1-2月", m(2020, 2), 2, false},
		{"2020年01-02月", m(2020, 2), 2, false},
		{"202001-202002", m(2020, 2), 2, false},
		{"2020-01~02", m(2020, 2), 2, false},
		{"202003-03", m(2020, 3), 1, false},
		{"43070", m(2017, 12), 1, false}, // Excel serial of 2017-12-01
		{"43831", m(2020, 1), 1, false},  // 2020-01-01
		{"202001-03", civil.Month{}, 0, true},
		{"202002-03", civil.Month{}, 0, true},
		{"20171", civil.Month{}, 0, true},
		{"2017-13", civil.Month{}, 0, true},
		{"1899-01", civil.Month{}, 0, true},
		{"", civil.Month{}, 0, true},
		{"Jan 2017", civil.Month{}, 0, true},
	}
	for _, c := range cases {
		p, err := parsePeriod(c.in)
		if c.bad {
			if err == nil {
				t.Errorf("parsePeriod(%q) = %v, want error", c.in, p)
			}
			continue
		}
		if err != nil || p.End != c.end || p.Covers != c.covers {
			t.Errorf("parsePeriod(%q) = %v covers %d, %v; want %v covers %d", c.in, p.End, p.Covers, err, c.end, c.covers)
		}
	}
}

func TestFindPeriod(t *testing.T) {
	cases := []struct {
		in     string
		end    civil.Month
		covers int
		found  bool
	}{
		{"China's Total Export & Import Values by Country/Region, December 2017", m(2017, 12), 1, true},
		{"(2) January-February 2020 (in USD)", m(2020, 2), 2, true},
		{"Jan.-Feb. 2020", m(2020, 2), 2, true},
		{"Sept. 2019", m(2019, 9), 1, true},
		{"2020年1-2月进出口商品国别(地区)总值表", m(2020, 2), 2, true},
		{"2017年12月进出口商品国别(地区)总值表", m(2017, 12), 1, true},
		{"Imports and exports by country", civil.Month{}, 0, false},
		// The real English pages (sources/gacc/testdata/README.md).
		{"(5) Imports and Exports by Customs Regime, 12. 2019", m(2019, 12), 1, true},
		{"(5)Imports and Exports by Customs Regime,10.2019", m(2019, 10), 1, true},
		{"5Imports and Exports by Customs Regime10.2023", m(2023, 10), 1, true},
		{"(5) Imports and Exports by Customs Regime, 2. 2019", m(2019, 2), 1, true},
		{"(2) Imports and Exports by Country (Region), 1-2.2020", m(2020, 2), 2, true},
		{"Unit: US$1,000.2019", civil.Month{}, 0, false},
		{"table 2019.2020", civil.Month{}, 0, false},
	}
	for _, c := range cases {
		p, ok, err := findPeriod(c.in)
		if err != nil || ok != c.found || p.End != c.end || p.Covers != c.covers {
			t.Errorf("findPeriod(%q) = %v covers %d ok %v err %v", c.in, p.End, p.Covers, ok, err)
		}
	}
	if _, ok, err := findPeriod("January-June 2020"); !ok || err == nil {
		t.Errorf("January-June 2020: ok %v err %v, want a range error", ok, err)
	}
}

func TestPartners(t *testing.T) {
	cases := []struct{ code, name, want string }{
		{"502", "", "US"},
		{"", "美国", "US"},
		{"", "United States of America", "US"},
		{"", "U.S.A.", "US"},
		{"美国", "", "US"},
		{"", "Korea, Rep.", "KR"},
		{"", "Macao, China", "MO"},
		{"999", "Japan", "JP"},
		{"", "US", "US"},
	}
	for _, c := range cases {
		p, ok := lookupPartner(c.code, c.name)
		if !ok || p.iso2 != c.want {
			t.Errorf("lookupPartner(%q, %q) = %q %v, want %q", c.code, c.name, p.iso2, ok, c.want)
		}
	}
	if p, ok := lookupPartner("999", "Atlantis"); ok {
		t.Errorf("Atlantis resolved to %q", p.iso2)
	}
}

// Every header belongs to one field only, so the mapping is unambiguous.
func TestColumnHeadersUnique(t *testing.T) {
	seen := map[string]string{}
	for _, c := range columns {
		for _, h := range c.headers {
			if n := normHeader(h); n != h {
				t.Errorf("header %q of %s is not in normal form (%q)", h, c.name, n)
			}
			if other, dup := seen[h]; dup {
				t.Errorf("header %q names both %s and %s", h, other, c.name)
			}
			seen[h] = c.name
		}
	}
}

func TestHSCode(t *testing.T) {
	cases := map[string]string{"12019000": "12019000", "8024000": "08024000", "2905110": "02905110", "27": "27", "1201.9000": "12019000", "12019000.0": "12019000"}
	for in, want := range cases {
		if got, ok := hsCode(in); !ok || got != want {
			t.Errorf("hsCode(%q) = %q %v, want %q", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "1201900X", "123456789", "12 01"} {
		if got, ok := hsCode(in); ok {
			t.Errorf("hsCode(%q) = %q, want rejection", in, got)
		}
	}
}

// Some "xls" downloads are HTML tables; they are read as detail tables.
func TestDetailHTMLSavedAsXLS(t *testing.T) {
	out, _ := mustParse(t, "testdata/detail_saved_as.xls")
	want := []string{
		"2020-03|CN|US|import|12019000|420000|1000000|KG|CIF|1|大豆",
		"2020-03|CN|BR|import|12019000|840000|2000000|KG|CIF|1|大豆",
	}
	var got []string
	for _, f := range out.flows {
		got = append(got, flowKey(f))
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("flows:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// Argentina is not in the embedded partner table: rejected, not guessed.
	if len(out.rejects) != 1 || out.rejects[0].ReasonCode != schema.ReasonBadCountry || out.rejects[0].Field != "partner_name" || out.rejects[0].Row != 5 {
		t.Errorf("rejects = %+v", out.rejects)
	}
}

// A Chinese release page: 千美元, 当月 and 1至N月累计 columns, 同比 rows.
func TestReleaseChineseHTML(t *testing.T) {
	out, rel := mustParse(t, "testdata/release_zh_2020_03.html")
	if !strings.HasPrefix(rel.ReleaseID, "20200414T000000Z-") {
		t.Errorf("release id = %q", rel.ReleaseID)
	}
	if len(out.totals) != 2 || len(out.rejects) != 0 {
		t.Fatalf("totals %d rejects %d", len(out.totals), len(out.rejects))
	}
	imp := out.totals[1]
	if imp.Partner != "US" || imp.Flow != "import" || imp.Period != m(2020, 3) || imp.ValueUSD.String() != "9870500000" || imp.YTDValueUSD.String() != "28370500000" {
		t.Errorf("US imports = %+v", imp)
	}
	if out.counters["yoy_rows_skipped"] != 1 || out.counters["aggregate_rows_skipped"] != 1 {
		t.Errorf("counters = %v", out.counters)
	}
}

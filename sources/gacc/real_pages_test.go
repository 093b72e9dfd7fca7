package gacc

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cockroachdb/apd/v3"

	"github.com/tradepipe/tradepipe/internal/civil"
	"github.com/tradepipe/tradepipe/sources"
)

// The real English release pages stored under testdata (see its README):
// every title form, header form and unit rule they show parses.
func TestRealRegimePages(t *testing.T) {
	cases := []struct {
		file          string
		month         string
		assumedUnit   bool
		exportDiff    string // regimes minus TOTAL, from the page's own cells
		importDiff    string
		yoyRowsSkiped int64
	}{
		{"regime_2019_10.html", "2019-10", false, "-2000", "1000", 18}, // "10.2019", "10 | 1 to 10", unit line
		{"regime_2019_12.html", "2019-12", false, "0", "1000", 18},     // "12. 2019", "12 | 1to12"
		{"regime_2019_02.html", "2019-02", true, "1000", "2000", 18},   // "2. 2019", no unit line
		{"regime_2023_10.html", "2023-10", true, "1000", "-1000", 18},  // "Regime10.2023", "1to10", no unit line
		{"regime_2023_01.html", "2023-01", true, "0", "-2000", 18},     // "Regime,1.2023", "1 | 1to1" (January alone), no unit line
	}
	for _, tc := range cases {
		t.Run(tc.file, func(t *testing.T) {
			s, _, err := parse(t, "testdata/"+tc.file)
			if err != nil {
				t.Fatal(err)
			}
			if len(s.totals) != 0 || len(s.flows) != 0 || len(s.rejects) != 0 {
				t.Errorf("%d totals, %d flows, %d rejects from a regime table", len(s.totals), len(s.flows), len(s.rejects))
			}
			if s.counters["regime_rows"] != 17 || s.counters["yoy_rows_skipped"] != tc.yoyRowsSkiped {
				t.Errorf("counters %v", s.counters)
			}
			if got := s.counters["unit_assumed_usd_1000"] == 1; got != tc.assumedUnit {
				t.Errorf("unit assumed = %v, want %v", got, tc.assumedUnit)
			}
			w := strings.Join(s.warnings, "\n")
			for _, want := range []string{
				"customs-regime table", "export " + tc.month + ", regimes minus TOTAL " + tc.exportDiff + " USD",
				"import " + tc.month + ", regimes minus TOTAL " + tc.importDiff + " USD",
			} {
				if !strings.Contains(w, want) {
					t.Errorf("warnings lack %q:\n%s", want, w)
				}
			}
		})
	}
}

// GACC's English partner names resolve, including its own forms, and a
// name it does not use is not guessed.
func TestPartnerNamesEN(t *testing.T) {
	for name, want := range map[string]string{
		"Korea, Rep.": "KR", "Korea, DPR": "KP", "Hong Kong, China": "HK", "Macao, China": "MO", "Taiwan, China": "TW",
		"Lao PDR": "LA", "Viet Nam": "VN", "Russian Federation": "RU", "Congo, DR": "CD", "Congo": "CG",
		"Central African Rep.": "CF", "Dominican Rep.": "DO", "Canary Islands": "ES", "Falkland Islands (Malvinas)": "FK",
		"Cote d'Ivoire": "CI", "Niger": "NE", "Nigeria": "NG", "United States": "US", "美国": "US",
	} {
		p, ok := lookupPartner("", name)
		if !ok || p.iso2 != want {
			t.Errorf("lookupPartner(%q) = %q %v, want %s", name, p.iso2, ok, want)
		}
	}
	for _, name := range []string{"Atlantis", "Asia", "Korea, Rep. of Atlantis"} {
		if p, ok := lookupPartner("", name); ok {
			t.Errorf("lookupPartner(%q) = %s", name, p.iso2)
		}
	}
	idx, err := partners()
	if err != nil {
		t.Fatal(err)
	}
	isos := map[string]bool{}
	for _, p := range idx.byName {
		isos[p.iso2] = true
	}
	if len(isos) < 220 {
		t.Errorf("%d partners, want GACC's ~230", len(isos))
	}
}

// A country table in the real pages' layout (title "12. 2019", header
// "12 | 1to12", no unit line, shaded YoY rows under rowspan labels; values
// synthetic): partners by GACC's names, aggregates skipped, and a partner
// listed twice quarantined, never summed.
func TestCountryTableRealLayout(t *testing.T) {
	s, _, err := parse(t, "testdata/country_layout_2019_12.html")
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, r := range s.totals {
		if r.Period.String() != "2019-12" || r.CoversMonths != 1 {
			t.Errorf("row %+v", r)
		}
		ytd := ""
		if r.YTDValueUSD != nil {
			ytd = r.YTDValueUSD.Text('f')
		}
		got[r.Partner+" "+r.Flow] = r.ValueUSD.Text('f') + "/" + ytd
	}
	want := map[string]string{
		"KR export": "10000000000/110000000000", "KR import": "15000000000/173000000000",
		"LA export": "200000000/1800000000", "VN import": "5000000000/64000000000",
		"US export": "35000000000/418000000000", "US import": "11000000000/123000000000",
		"FK export": "0/1000000",
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
	if len(s.totals) != 10 {
		t.Errorf("%d totals, want 5 partners × 2 flows", len(s.totals))
	}
	var codes []string
	for _, r := range s.rejects {
		codes = append(codes, r.ReasonCode+" "+r.Reason)
	}
	if len(s.rejects) != 2 || s.rejects[0].ReasonCode != "duplicate_key" || !strings.Contains(codes[0], "first at row 13") {
		t.Errorf("rejects %q", codes)
	}
	if s.counters["unit_assumed_usd_1000"] != 1 {
		t.Errorf("counters %v", s.counters)
	}
}

func writeTemp(t *testing.T, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// A repeated line of a detail download is quarantined (duplicate_key), not
// summed; rows that differ only by customs regime are distinct; a gzipped
// download reads like the plain one.
func TestDetailDuplicatesAndGzip(t *testing.T) {
	csvText := "数据年月,商品编码,商品名称,贸易伙伴名称,贸易方式,注册地,美元\n" +
		"202004,12019000,大豆,美国,一般贸易,山东省,1000.00\n" +
		"202004,12019000,大豆,美国,进料加工贸易,山东省,500.00\n" +
		"202004,12019000,大豆,美国,一般贸易,山东省,1000.00\n" +
		"202004,12019000,大豆,美国,一般贸易,江苏省,70.00\n"
	var zb bytes.Buffer
	zw := gzip.NewWriter(&zb)
	if _, err := zw.Write([]byte(csvText)); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	for name, body := range map[string][]byte{"detail.csv": []byte(csvText), "detail.csv.gz": zb.Bytes()} {
		t.Run(name, func(t *testing.T) {
			s, _, err := parse(t, writeTemp(t, name, body))
			if err != nil {
				t.Fatal(err)
			}
			if len(s.flows) != 3 || len(s.rejects) != 1 || s.rejects[0].ReasonCode != "duplicate_key" || s.rejects[0].Row != 4 ||
				!strings.Contains(s.rejects[0].Reason, "repeats row 2") {
				t.Fatalf("flows %d rejects %+v", len(s.flows), s.rejects)
			}
			// The regime and registered place are kept, so processing
			// trade can be excluded downstream.
			var got []string
			for _, f := range s.flows {
				got = append(got, f.CustomsRegime+"/"+f.RegisteredPlace+"="+f.ValueUSD.String())
			}
			if strings.Join(got, " ") != "一般贸易/山东省=1000.00 进料加工贸易/山东省=500.00 一般贸易/江苏省=70.00" {
				t.Errorf("rows %v", got)
			}
		})
	}
}

// Inputs past the stated bounds are refused with an error naming them,
// before the HTML parser can take memory.
func TestInputBounds(t *testing.T) {
	big := append([]byte("<html><body><table><tr><td>"), bytes.Repeat([]byte("x"), MaxHTML)...)
	_, _, err := parse(t, writeTemp(t, "big.html", big))
	if err == nil || !errors.Is(err, sources.ErrPermanent) || !strings.Contains(err.Error(), "over the 8 MiB limit") || !strings.Contains(err.Error(), "big.html") {
		t.Fatalf("big page: %v", err)
	}
	src, err := New(Options{}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	rel := release(t, "testdata/regime_2019_10.html")
	rel.Size = MaxInput + 1
	if err := src.Parse(context.Background(), rel, &sink{}); err == nil || !strings.Contains(err.Error(), "256 MiB") {
		t.Fatalf("big input: %v", err)
	}
}

// A download valued in 人民币 is refused with an error that says so.
func TestDetailInRMB(t *testing.T) {
	csvText := "数据年月,商品编码,商品名称,贸易伙伴名称,贸易方式,注册地,人民币\n202004,12019000,大豆,美国,一般贸易,山东省,7000.00\n"
	_, _, err := parse(t, writeTemp(t, "rmb.csv", []byte(csvText)))
	if err == nil || !errors.Is(err, sources.ErrPermanent) || !strings.Contains(err.Error(), "人民币") || !strings.Contains(err.Error(), "rmb.csv") {
		t.Fatalf("err = %v", err)
	}
}

// With a monthly rate table a 人民币 download is converted at its month's
// rate, exactly to the cent; a month without a rate is quarantined.
func TestDetailInRMBWithRates(t *testing.T) {
	csvText := "数据年月,商品编码,商品名称,贸易伙伴名称,人民币\n" +
		"202004,12019000,大豆,美国,7000.00\n" +
		"202004,27090000,原油,美国,100.00\n" +
		"202005,12019000,大豆,美国,7000.00\n"
	src, err := New(Options{RMBPerUSD: map[civil.Month]apd.Decimal{{Year: 2020, Month: 4}: *apd.New(70, -1)}}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	out := &sink{}
	if err := src.Parse(context.Background(), release(t, writeTemp(t, "rmb.csv", []byte(csvText))), out); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range out.flows {
		got = append(got, f.HSCode+"="+f.ValueUSD.Text('f'))
	}
	if strings.Join(got, " ") != "12019000=1000.00 27090000=14.29" {
		t.Errorf("flows %v", got)
	}
	if len(out.rejects) != 1 || out.rejects[0].ReasonCode != "bad_value" || !strings.Contains(out.rejects[0].Reason, "no RMB per USD rate for 2020-05") {
		t.Errorf("rejects %+v", out.rejects)
	}
	if out.counters["converted_from_rmb"] != 1 {
		t.Errorf("counters %v", out.counters)
	}
}

// The online-query download in the 14-column layout the issue describes
// (GBK, 贸易方式 and 注册地 with their codes, value in 美元; values
// synthetic, layout UNCONFIRMED): regime and place kept, the repeated last
// line quarantined.
func TestQuery14Columns(t *testing.T) {
	s, _, err := parse(t, "testdata/query_14col_gbk.csv")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range s.flows {
		got = append(got, fmt.Sprintf("%s %s %s %s/%s %s %v%s", f.Period, f.Partner, f.HSCode, f.CustomsRegime, f.RegisteredPlace, f.ValueUSD.Text('f'), *f.Quantity, f.QuantityUnit))
	}
	want := []string{
		"2020-04 US 12019000 一般贸易/山东省 2296500 5.21e+06KG",
		"2020-04 US 12019000 保税监管场所进出境货物/山东省 44000 100000KG",
		"2020-04 US 12019000 一般贸易/江苏省 132000 300000KG",
		"2020-04 US 27090000 一般贸易/山东省 180000 400000KG",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("rows:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if len(s.rejects) != 1 || s.rejects[0].ReasonCode != "duplicate_key" || s.rejects[0].Row != 6 {
		t.Errorf("rejects %+v", s.rejects)
	}
	if s.counters["decoded_from_gb18030"] != 1 {
		t.Errorf("counters %v", s.counters)
	}
}

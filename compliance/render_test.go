package compliance

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"encoding/xml"
	"slices"
	"strings"
	"testing"

	"github.com/tradepipe/tradepipe/internal/reference"
)

func piieReport(t *testing.T) *Report {
	t.Helper()
	l := newLake(t)
	putFlows(t, l, reference.USExports, month("2020-01"), 1, flow{"120190", "4.0"}, flow{"470321", "0.3"})
	putFlows(t, l, reference.USExports, month("2020-02"), 1, flow{"880240", "5.0"})
	putFlows(t, l, reference.USExports, month("2020-03"), 1, flow{"270900", "5.4"})
	putFlows(t, l, reference.CNImports, month("2020-02"), 2, flow{"12019010", "12.0"})
	putFlows(t, l, reference.CNImports, month("2020-03"), 1, flow{"27090000", "7.8"})
	rep, err := compute(t, l, Options{Baseline: BaselinePIIEOriginal, Proration: ProrationLinear}, reference.Bases...)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func TestWriteJSONAndCSV(t *testing.T) {
	rep := piieReport(t)
	var jb bytes.Buffer
	if err := WriteJSON(&jb, rep); err != nil {
		t.Fatal(err)
	}
	var rows []map[string]any
	if err := json.Unmarshal(jb.Bytes(), &rows); err != nil {
		t.Fatal(err)
	}
	if len(rows) != len(rep.Rows) {
		t.Fatalf("%d JSON rows, %d report rows", len(rows), len(rep.Rows))
	}
	var found bool
	for _, r := range rows {
		if r["basis"] == "us_exports" && r["period"] == "2020-03-01" && r["category"] == "all_covered" {
			found = true
			if r["target_ytd_usd"] != "35675000000.00" || r["ytd_usd"] != "14400000000.00" {
				t.Errorf("JSON row = %v", r)
			}
			if p, ok := r["pct_of_target_ytd"].(float64); !ok || p < 40.36 || p > 40.37 {
				t.Errorf("pct = %v", r["pct_of_target_ytd"])
			}
		}
		// China's combined January–February release is marked.
		wantCovers := 1.0
		if r["basis"] == "cn_imports" && r["period"] == "2020-02-01" {
			wantCovers = 2
		}
		if r["covers_months"] != wantCovers {
			t.Errorf("%s %s %s covers_months = %v, want %v", r["basis"], r["period"], r["category"], r["covers_months"], wantCovers)
		}
		if r["category"] == "manufactured_goods" && r["target_usd"] != nil {
			t.Errorf("manufactured target under piie_original = %v, want null", r["target_usd"])
		}
	}
	if !found {
		t.Error("no us_exports 2020-03 all_covered row in JSON")
	}
	var cb bytes.Buffer
	if err := WriteCSV(&cb, rep); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&cb).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(recs[0], ",") != strings.Join(Columns, ",") || len(recs) != len(rep.Rows)+1 {
		t.Errorf("CSV header %v, %d records", recs[0], len(recs))
	}
	covers := slices.Index(recs[0], "covers_months")
	for _, rec := range recs[1:] {
		if want := map[bool]string{true: "2", false: "1"}[rec[0] == "cn_imports" && rec[1] == "2020-02-01"]; rec[covers] != want {
			t.Errorf("CSV %v: covers_months %s, want %s", rec[:3], rec[covers], want)
		}
	}
}

func TestWriteTableSVGHTML(t *testing.T) {
	rep := piieReport(t)
	var tb bytes.Buffer
	if err := WriteTable(&tb, rep); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"baseline piie_original, original product set, proration linear", "2020-01..02", "US exports to China", "China imports from the US", "35.68", "40.4%"} {
		if !strings.Contains(tb.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, tb.String())
		}
	}
	var sb bytes.Buffer
	if err := WriteSVG(&sb, rep); err != nil {
		t.Fatal(err)
	}
	// Well-formed XML, with titles, units, legend and both bases.
	dec := xml.NewDecoder(bytes.NewReader(sb.Bytes()))
	for {
		if _, err := dec.Token(); err != nil {
			if err.Error() != "EOF" {
				t.Fatalf("SVG is not well-formed: %v", err)
			}
			break
		}
	}
	for _, want := range []string{"USD billions", "USD bn", "Purchases, year to date", "Target (2017 baseline",
		"US exports to China", "China imports from the US", "All covered goods", "no published baseline", "40% of target"} {
		if !strings.Contains(sb.String(), want) {
			t.Errorf("SVG lacks %q", want)
		}
	}
	var hb bytes.Buffer
	if err := WriteHTML(&hb, rep); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"<svg", "<table>", "35.68", "China imports from the US (GACC, c.i.f.)"} {
		if !strings.Contains(hb.String(), want) {
			t.Errorf("HTML lacks %q", want)
		}
	}
}

func TestNiceStep(t *testing.T) {
	cases := []struct{ max, step float64 }{{50, 10}, {12, 2.5}, {9, 2}, {0.4, 0.1}, {0, 1}, {230, 50}}
	for _, tc := range cases {
		if got := niceStep(tc.max); got != tc.step {
			t.Errorf("niceStep(%v) = %v, want %v", tc.max, got, tc.step)
		}
	}
}

// The chart and page name their releases and mark synthetic data; the page
// has the monthly bars' figures, the 2017 reference, the sub-categories
// and the combined January–February month.
func TestReportsNameReleasesAndSynthetic(t *testing.T) {
	l := newLake(t)
	putFlows(t, l, reference.USExports, month("2020-01"), 1, flow{"120190", "4.0"}, flow{"470321", "0.3"})
	putFlows(t, l, reference.CNImports, month("2020-02"), 2, flow{"12019010", "12.0"})
	rep, err := compute(t, l, Options{Baseline: BaselinePIIEOriginal, Proration: ProrationLinear, Synthetic: []reference.Basis{reference.CNImports}}, reference.Bases...)
	if err != nil {
		t.Fatal(err)
	}
	if p := rep.Provenance(reference.USExports); !strings.Contains(p, "census: test:; release ids dated test") || strings.Contains(p, "SYNTHETIC") {
		t.Errorf("us provenance %q", p)
	}
	if p := rep.Provenance(reference.CNImports); !strings.Contains(p, "gacc: ") || !strings.Contains(p, "SYNTHETIC") {
		t.Errorf("cn provenance %q", p)
	}
	var sb, hb, tb bytes.Buffer
	if err := WriteSVG(&sb, rep); err != nil {
		t.Fatal(err)
	}
	if err := WriteHTML(&hb, rep); err != nil {
		t.Fatal(err)
	}
	if err := WriteTracker(&tb, rep); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Same months of 2017", "Month's purchases", "SYNTHETIC sample data", "Source: US Census Bureau international trade API (census: test:", "Source: China customs (GACC)"} {
		if !strings.Contains(sb.String(), want) {
			t.Errorf("SVG lacks %q", want)
		}
	}
	if strings.Contains(sb.String(), "tradepipe lake") {
		t.Error("SVG still credits the tradepipe lake")
	}
	for _, want := range []string{"SYNTHETIC sample data", "Annex 6.1 sub-category", "agriculture/Oilseeds", "2020-01..02", "2020–21 so far"} {
		if !strings.Contains(hb.String(), want) {
			t.Errorf("HTML lacks %q", want)
		}
	}
	for _, want := range []string{"US exports to China (Census, f.a.s.), Jan 2020", "China imports from the US (GACC, c.i.f.), Jan–Feb 2020",
		"agriculture/Oilseeds 4.00", "SYNTHETIC", "2020–21 so far (Jan 2020–2020-01): 4.00 of the two-year goods target 319.70 (1.3%)"} {
		if !strings.Contains(tb.String(), want) {
			t.Errorf("tracker lacks %q:\n%s", want, tb.String())
		}
	}
}

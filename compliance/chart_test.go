package compliance

import (
	"bytes"
	"encoding/xml"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/apd/v3"

	"github.com/tradepipe/tradepipe/internal/civil"
	"github.com/tradepipe/tradepipe/internal/reference"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

// golden compares got with testdata/name, or rewrites it under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	p := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(p, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%v (run go test ./compliance -run %s -update)", err, t.Name())
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (go test ./compliance -run %s -update rewrites it after review)", p, t.Name())
	}
}

// svgNode is an SVG element with its attributes, text and children.
type svgNode struct {
	XMLName  xml.Name
	Attrs    []xml.Attr `xml:",any,attr"`
	Text     string     `xml:",chardata"`
	Children []svgNode  `xml:",any"`
}

func (n *svgNode) attr(name string) string {
	for _, a := range n.Attrs {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

func (n *svgNode) walk(f func(*svgNode)) {
	f(n)
	for i := range n.Children {
		n.Children[i].walk(f)
	}
}

func parseSVG(t *testing.T, b []byte) *svgNode {
	t.Helper()
	var root svgNode
	if err := xml.Unmarshal(b, &root); err != nil {
		t.Fatalf("SVG is not well-formed: %v", err)
	}
	if root.XMLName.Local != "svg" {
		t.Fatalf("root element %q", root.XMLName.Local)
	}
	return &root
}

// texts are the SVG's <text> contents in document order.
func texts(root *svgNode) []string {
	var out []string
	root.walk(func(n *svgNode) {
		if n.XMLName.Local == "text" {
			out = append(out, n.Text)
		}
	})
	return out
}

func count(ss []string, f func(string) bool) int {
	n := 0
	for _, s := range ss {
		if f(s) {
			n++
		}
	}
	return n
}

// The chart of the real Census responses (Jan–Apr 2020, PIIE original
// baseline): a golden SVG, and its structure: for each category a
// year-to-date and a monthly panel with axes, month labels and the 2017
// reference; the two-year view; the source line naming the release.
func TestChartRealCensus(t *testing.T) {
	// Dropped on the date of the snapshot the responses come from
	// (examples/census/README.md), so the golden file does not age.
	l := realLakeAt(t, time.Date(2020, 6, 4, 0, 0, 0, 0, time.UTC))
	rep, err := compute(t, l, Options{Baseline: BaselinePIIEOriginal, Definition: reference.Original, Proration: ProrationLinear}, reference.USExports)
	if err != nil {
		t.Fatal(err)
	}
	var sb bytes.Buffer
	if err := WriteSVG(&sb, rep); err != nil {
		t.Fatal(err)
	}
	golden(t, "chart_real_census.svg", sb.Bytes())
	root := parseSVG(t, sb.Bytes())
	txt := texts(root)
	has := func(s string) bool {
		for _, x := range txt {
			if x == s {
				return true
			}
		}
		return false
	}
	for _, c := range chartCategories {
		for _, want := range []string{categoryTitle[c] + ": year to date", categoryTitle[c] + ": by month"} {
			if !has(want) {
				t.Errorf("no panel titled %q", want)
			}
		}
	}
	// Eight panels for the one basis, each with its y axis unit and the
	// four month labels Jan 2020 … Apr.
	if n := count(txt, func(s string) bool { return s == "USD bn" }); n != 8 {
		t.Errorf("%d y axis labels, want 8", n)
	}
	for _, m := range []string{"Jan 2020", "Feb", "Mar", "Apr"} {
		if n := count(txt, func(s string) bool { return s == m }); n != 8 {
			t.Errorf("month label %q %d times, want 8", m, n)
		}
	}
	// The 2017 reference (grey dotted) in every panel: one polyline in
	// each cumulative panel, a tick per month in each monthly one, and the
	// twice-2017 line of the two-year view.
	var refPolys, refTicks, bars int
	root.walk(func(n *svgNode) {
		if n.attr("stroke") == color2017 && n.attr("stroke-dasharray") == "2 3" {
			switch n.XMLName.Local {
			case "polyline":
				refPolys++
			case "line":
				refTicks++
			}
		}
		if n.XMLName.Local == "rect" && n.attr("fill") == colorMonth {
			bars++
		}
	})
	if refPolys != 4 || refTicks != 4*4+1+1 { // + legend + two-year
		t.Errorf("2017 reference: %d polylines, %d lines; want 4 and 18", refPolys, refTicks)
	}
	if bars != 4*4+1 { // + legend
		t.Errorf("%d monthly bars, want 17", bars)
	}
	// Latest figures as PIIE prints them.
	for _, want := range []string{"2020-04: 43% of target", "Commitment (goods)", "Purchases Jan–Apr 2020",
		"2 × 2017 baseline 157.60", "+ 162.10 increase = 319.70"} {
		if !has(want) {
			t.Errorf("SVG lacks text %q", want)
		}
	}
	if !regexp.MustCompile(`^goods 20\.3\d = 6\.4% of the commitment \(so far\)$`).MatchString(strings.Join(filter(txt, "goods "), "")) {
		t.Errorf("two-year purchases label = %q", filter(txt, "goods "))
	}
	// The source line names the source, the bundled responses and their
	// release date; no lake placeholder.
	src := filter(txt, "Source: ")
	if len(src) != 1 || !regexp.MustCompile(`^Source: US Census Bureau international trade API \(census: 40 inputs, .+\.json\.gz … .+\.json\.gz; release ids dated 2020-06-04\)$`).MatchString(src[0]) {
		t.Errorf("source lines %q", src)
	}
}

func filter(ss []string, prefix string) []string {
	var out []string
	for _, s := range ss {
		if strings.HasPrefix(s, prefix) {
			out = append(out, s)
		}
	}
	return out
}

// A complete two-year run with services: the view shows goods and
// services against the $200bn commitment and the 2017 level, and the
// monthly view's ticks equal the linear target's twelfth.
func TestChartTwoYearWithServices(t *testing.T) {
	l := newLake(t)
	for _, m := range civil.Range(month("2020-01"), month("2021-12")) {
		putFlows(t, l, reference.USExports, m, 1, flow{"880240", "10"})
	}
	base := bn("56.1")
	rep, err := compute(t, l, Options{Baseline: BaselinePIIERevised, Proration: ProrationLinear, Through: month("2022-01"), Services: Services{
		Baseline2017USD: &base, BaselineSource: "piie_final",
		ActualUSD: map[int]apd.Decimal{2020: bn("50"), 2021: bn("60")},
	}}, reference.USExports)
	if err != nil {
		t.Fatal(err)
	}
	var sb bytes.Buffer
	if err := WriteSVG(&sb, rep); err != nil {
		t.Fatal(err)
	}
	golden(t, "chart_two_year.svg", sb.Bytes())
	txt := texts(parseSVG(t, sb.Bytes()))
	// 2 × (95.1 + 56.1) = 302.4; + 200.0 = 502.4; 240 + 110 = 350.
	for _, want := range []string{"Commitment (goods and services)", "Purchases 2020–21", "2 × 2017 baseline 302.40",
		"+ 200.00 increase = 502.40", "goods 240.00 + services 110.00 = 69.7% of the commitment"} {
		if count(txt, func(s string) bool { return s == want }) != 1 {
			t.Errorf("SVG lacks text %q", want)
		}
	}
	if n := len(filter(txt, "All covered goods: by month")); n != 1 {
		t.Errorf("%d monthly all-covered panels", n)
	}
}

// The HTML page embeds the chart once and is well-formed enough for an
// XML reader once its doctype is dropped; it names the two-year view.
func TestHTMLEmbedsChart(t *testing.T) {
	rep := piieReport(t)
	var hb bytes.Buffer
	if err := WriteHTML(&hb, rep); err != nil {
		t.Fatal(err)
	}
	page := hb.String()
	if n := strings.Count(page, "<svg "); n != 1 {
		t.Errorf("%d SVGs in the page", n)
	}
	for _, want := range []string{"Two-year view, 2020–21", "All covered goods: by month", "Same months of 2017"} {
		if !strings.Contains(page, want) {
			t.Errorf("HTML lacks %q", want)
		}
	}
	// No script, and no address but the SVG namespace: nothing to load.
	rest := strings.ReplaceAll(page, `xmlns="http://www.w3.org/2000/svg"`, "")
	if strings.Contains(page, "<script") || strings.Contains(rest, "http://") || strings.Contains(rest, "https://") || strings.Contains(rest, "//cdn") {
		t.Error("page loads scripts or remote resources")
	}
}

// Bases asked for with nothing in the lake still draw: each panel says so
// and the two-year view names the missing baseline.
func TestChartEmptyBases(t *testing.T) {
	rep := &Report{Requested: reference.Bases, Through: month("2020-03"), Baseline: BaselineLake, Proration: ProrationLinear}
	var sb bytes.Buffer
	if err := WriteSVG(&sb, rep); err != nil {
		t.Fatal(err)
	}
	txt := texts(parseSVG(t, sb.Bytes()))
	if n := count(txt, func(s string) bool { return s == "no data" }); n != 16 {
		t.Errorf("%d panels say no data, want 16", n)
	}
	if n := len(filter(txt, "no two-year target")); n != 2 {
		t.Errorf("%d two-year panels without a target, want 2", n)
	}
}

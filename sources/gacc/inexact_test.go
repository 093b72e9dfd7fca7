package gacc

import (
	"os"
	"strings"
	"testing"
)

// Issue 12: a release cell 1.000000000000000000000000000000000001 in
// thousands of dollars made the money conversion panic ("inexact") and
// killed the daemon. The page parses; the row that cannot be held in
// cents is quarantined with a reason, the other rows land.
func TestInexactCellQuarantined(t *testing.T) {
	b, err := os.ReadFile("testdata/country_layout_2019_12.html")
	if err != nil {
		t.Fatal(err)
	}
	const cell = "<td>10,000,000</td>" // Korea's December exports
	if !strings.Contains(string(b), cell) {
		t.Fatal("fixture changed")
	}
	// In thousands, as the release pages state; the unit makes the
	// parser multiply, where the panic was.
	unit := strings.Replace(string(b), `<div class="easysite-news-text">`, `<p>Unit: US$1,000</p><div class="easysite-news-text">`, 1)
	page := strings.Replace(unit, cell, "<td>1.000000000000000000000000000000000001</td>", 1)
	good, _, err := parse(t, writeTemp(t, "good.html", []byte(unit)))
	if err != nil {
		t.Fatal(err)
	}
	out, _, err := parse(t, writeTemp(t, "release.html", []byte(page)))
	if err != nil {
		t.Fatal(err)
	}
	if len(out.rejects) != len(good.rejects)+1 {
		for _, r := range out.rejects {
			t.Logf("quarantined %s: %s %q", r.ReasonCode, r.Reason, r.RawCells)
		}
		t.Fatalf("%d rows quarantined, want %d", len(out.rejects), len(good.rejects)+1)
	}
	found := false
	for _, r := range out.rejects {
		found = found || r.ReasonCode != "" && strings.Contains(strings.Join(r.RawCells, " ")+r.Reason, "1.000000000000000000000000000000000001")
	}
	if !found {
		t.Errorf("no reject names the cell: %+v", out.rejects)
	}
	if got, want := len(out.flows)+len(out.totals), len(good.flows)+len(good.totals)-1; got != want {
		t.Errorf("%d rows landed, want %d (all but the bad cell's)", got, want)
	}
}

package compliance

import (
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/apd/v3"

	"github.com/tradepipe/tradepipe/examples"
	"github.com/tradepipe/tradepipe/internal/reference"
	"github.com/tradepipe/tradepipe/sinks/lake"
)

// realLake ingests the bundled real Census responses (examples/census: US
// exports to China at HS6, 2017-01..2020-04, June 2020 vintage, gzipped)
// through the census source and the runner, as the quick start does.
func realLake(t *testing.T) lake.Lake {
	t.Helper()
	return realLakeAt(t, time.Time{})
}

// realLakeAt is realLake with the inputs dropped at mtime, which their
// release ids derive from (zero: now).
func realLakeAt(t *testing.T, mtime time.Time) lake.Lake {
	t.Helper()
	inboxDir := t.TempDir()
	if err := examples.CopyCensus(inboxDir, mtime); err != nil {
		t.Fatal(err)
	}
	return ingestCensus(t, t.TempDir(), inboxDir, "gz", examples.CensusMonths)
}

// PIIE's US-China phase one tracker, original (May 2020) definition, linear
// proration, 2017 baseline 78.8: Jan–Mar 2020 14.4 of 35.7 (40%), Jan–Apr
// 20.4 of 47.6 (43%). From the real responses the lake gives 14.34 of
// 35.68 and 20.31 of 47.58: within $0.1bn of PIIE's figures. (Before the
// Annex fixes of issue 11 it gave 14.35 and 20.33: 3809.91–.93 left
// agriculture, mannitol and sorbitol joined it.)
func TestRealCensusReproducesPIIE(t *testing.T) {
	l := realLake(t)
	for _, baseline := range []string{BaselinePIIEOriginal, BaselineLake} {
		t.Run(baseline, func(t *testing.T) {
			rep, err := compute(t, l, Options{Baseline: baseline, Definition: reference.Original, Proration: ProrationLinear}, reference.USExports)
			if err != nil {
				t.Fatal(err)
			}
			for _, tc := range []struct {
				m                   string
				ytd, tytd, pct      float64
				wantYTD, wantTarget float64
			}{
				{m: "2020-03", wantYTD: 14.4, wantTarget: 35.7},
				{m: "2020-04", wantYTD: 20.4, wantTarget: 47.6},
			} {
				r := row(t, rep, reference.USExports, tc.m, reference.AllCovered)
				ytd, tytd := usdBn(t, &r.YTDUSD), usdBn(t, r.TargetYTDUSD)
				if d := ytd - tc.wantYTD; d < -0.1 || d > 0.1 {
					t.Errorf("%s ytd %.3f bn, PIIE %.1f", tc.m, ytd, tc.wantYTD)
				}
				if d := tytd - tc.wantTarget; d < -0.1 || d > 0.1 {
					t.Errorf("%s target ytd %.3f bn, PIIE %.1f", tc.m, tytd, tc.wantTarget)
				}
				t.Logf("%s %s: %.3f of %.3f (%.1f%%)", baseline, tc.m, ytd, tytd, *r.PctOfTargetYTD)
			}
			// The exact sums, so a change in the classifier shows.
			if r := row(t, rep, reference.USExports, "2020-03", reference.AllCovered); str(&r.YTDUSD) != "14343180489.00" {
				got := str(&r.YTDUSD)
				t.Errorf("Jan–Mar covered = %s", got)
			}
		})
	}
}

// The 2017 lake baseline per category, with and without Census 880000.
// PIIE's revised baseline: 95.1 (manufactured 66.5, agriculture 20.9,
// energy 7.6); the original 78.8. The lake gives 95.11 (66.69, 20.93,
// 7.50) and 78.84: the totals within $0.1bn (PIIE's rounding), the
// categories within $0.2bn. The category gaps are choices PIIE did not
// publish: on HS6 data the $0.56bn of 271012, which holds naphtha (energy)
// beside uncovered light oils, stays ambiguous, which is the size of the
// energy gap; PIIE's energy figure needs HS10 detail for 2710.
func TestRealCensusBaseline2017(t *testing.T) {
	l := realLake(t)
	cases := []struct {
		def  reference.Definition
		want map[reference.Category]float64
		tol  float64
	}{
		{reference.Revised, map[reference.Category]float64{
			reference.Manufactured: 66.5, reference.Agriculture: 20.9, reference.Energy: 7.6, reference.AllCovered: 95.1}, 0.2},
		{reference.Original, map[reference.Category]float64{reference.AllCovered: 78.8}, 0.1},
	}
	for _, tc := range cases {
		t.Run(string(tc.def), func(t *testing.T) {
			rep, err := compute(t, l, Options{Baseline: BaselineLake, Definition: tc.def, Proration: ProrationLinear}, reference.USExports)
			if err != nil {
				t.Fatal(err)
			}
			for c, want := range tc.want {
				got := usdBn(t, row(t, rep, reference.USExports, "2020-01", c).Baseline2017USD)
				tol := tc.tol
				if c == reference.AllCovered {
					tol = 0.1
				}
				if d := got - want; d < -tol || d > tol {
					t.Errorf("%s 2017 %s = %.3f bn, PIIE %.1f (±%.1f)", tc.def, c, got, want, tol)
				}
				t.Logf("%s 2017 %s = %.3f bn (PIIE %.1f)", tc.def, c, got, want)
			}
			// 880000 is the whole difference between the definitions.
			amb := usdBn(t, row(t, rep, reference.USExports, "2020-01", reference.Ambiguous).Baseline2017USD)
			if amb < 0.55 || amb > 0.56 {
				t.Errorf("2017 ambiguous %.3f bn, want 271012's 0.555", amb)
			}
		})
	}
	rev, err := compute(t, l, Options{Baseline: BaselineLake, Definition: reference.Revised, Proration: ProrationLinear}, reference.USExports)
	if err != nil {
		t.Fatal(err)
	}
	orig, err := compute(t, l, Options{Baseline: BaselineLake, Definition: reference.Original, Proration: ProrationLinear}, reference.USExports)
	if err != nil {
		t.Fatal(err)
	}
	m := func(rep *Report) float64 {
		return usdBn(t, row(t, rep, reference.USExports, "2020-01", reference.Manufactured).Baseline2017USD)
	}
	if d := m(rev) - m(orig); d < 16.26 || d > 16.27 {
		t.Errorf("revised − original manufactured 2017 = %.3f bn, want 880000's 16.264", d)
	}
	if len(rev.Headline) != 1 || !strings.Contains(rev.Headline[0], "271012") {
		t.Errorf("headline %q", rev.Headline)
	}
}

func usdBn(t *testing.T, d *apd.Decimal) float64 {
	t.Helper()
	f, err := d.Float64()
	if err != nil {
		t.Fatal(err)
	}
	return f / 1e9
}

// The tracker run --once prints, on the real data, beside PIIE's figure.
func TestRealCensusTracker(t *testing.T) {
	l := realLake(t)
	rep, err := compute(t, l, Options{Baseline: BaselineLake, Definition: reference.Original, Proration: ProrationLinear}, reference.USExports)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := WriteTracker(&b, rep); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"US exports to China (Census, f.a.s.), Jan–Apr 2020",
		"census: 40 inputs, exports-hs6-5700-2017-01.json.gz … exports-hs6-5700-2020-04.json.gz",
		"all_covered      20.31   47.58        42.7%",
		"PIIE published: 20.4 of 47.6",
		"agriculture/Oilseeds 1.18",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("tracker lacks %q:\n%s", want, b.String())
		}
	}
}

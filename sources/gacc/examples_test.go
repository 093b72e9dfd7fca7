package gacc

import (
	"path/filepath"
	"testing"

	"github.com/cockroachdb/apd/v3"

	"github.com/tradepipe/tradepipe/internal/civil"
	"github.com/tradepipe/tradepipe/internal/money"
)

// The bundled examples parse cleanly, the HS-8 sums of US imports match the
// release pages' US totals to within the rounding to US$1,000, and the one
// month the generator puts off (April 2020, +3%) is off.
func TestExamples(t *testing.T) {
	files, err := filepath.Glob("../../examples/gacc/*")
	if err != nil || len(files) == 0 {
		t.Fatalf("no examples: %v", err)
	}
	hsSum := map[civil.Month]apd.Decimal{}
	covers := map[civil.Month]int{}
	published := map[civil.Month]apd.Decimal{}
	for _, f := range files {
		if filepath.Ext(f) == ".md" {
			continue
		}
		out, _ := mustParse(t, f)
		if len(out.rejects) > 0 {
			t.Errorf("%s: %d rejects, first: %+v", f, len(out.rejects), out.rejects[0])
		}
		for _, r := range out.flows {
			if r.Partner != "US" || r.Flow != "import" || r.Valuation != "CIF" || len(r.HSCode) != 8 {
				t.Errorf("%s: row %+v", f, r)
			}
			hsSum[r.Period] = money.Add(hsSum[r.Period], r.ValueUSD)
			covers[r.Period] = r.CoversMonths
		}
		for _, r := range out.totals {
			if r.Partner == "US" && r.Flow == "import" {
				published[r.Period] = r.ValueUSD
				if r.Period == (civil.Month{Year: 2020, Month: 2}) && r.CoversMonths != 2 {
					t.Errorf("Jan–Feb 2020 release total covers %d months", r.CoversMonths)
				}
			}
		}
	}
	if len(hsSum) != 17 { // 12 months of 2017, Jan–Feb 2020 as one, Mar–Jun 2020
		t.Errorf("HS-8 rows cover %d periods, want 17", len(hsSum))
	}
	if _, ok := hsSum[civil.Month{Year: 2020, Month: 1}]; ok {
		t.Error("January 2020 has rows of its own; it is inside the combined Jan–Feb figure")
	}
	if covers[civil.Month{Year: 2020, Month: 2}] != 2 {
		t.Error("February 2020 rows do not cover two months")
	}
	if len(published) != 7 {
		t.Errorf("release pages give %d US import totals, want 7", len(published))
	}
	thousand := apd.New(1000, 0)
	for m, p := range published {
		s, ok := hsSum[m]
		if !ok {
			t.Errorf("%s: a release total but no HS-8 rows", m)
			continue
		}
		var diff, rel apd.Decimal
		if _, err := money.Context().Sub(&diff, &p, &s); err != nil {
			t.Fatal(err)
		}
		diff.Abs(&diff)
		off := m == civil.Month{Year: 2020, Month: 4}
		if !off && diff.Cmp(thousand) > 0 {
			t.Errorf("%s: release %s vs HS-8 sum %s: off by %s", m, p.String(), s.String(), diff.String())
		}
		if off {
			ctx := apd.BaseContext.WithPrecision(10)
			_, _ = ctx.Quo(&rel, &diff, &s)
			f, _ := rel.Float64()
			if f < 0.029 || f > 0.031 {
				t.Errorf("April 2020 should be 3%% off; it is %.4f", f)
			}
		}
	}
}

package compliance

import (
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/apd/v3"

	"github.com/tradepipe/tradepipe/internal/civil"
	"github.com/tradepipe/tradepipe/internal/money"
	"github.com/tradepipe/tradepipe/internal/reference"
	"github.com/tradepipe/tradepipe/internal/schema"
	"github.com/tradepipe/tradepipe/sinks/lake"
)

// PIIE's original tracker: 2017 baselines 78.8 (US exports) and 108.8
// (China imports), linear proration. Its published year-to-date targets:
// Jan–Mar 2020 35.7 and 43.2, Jan–Apr 47.6 and 57.6; actuals Jan–Mar 14.4
// and 19.8, i.e. 40% and 46%.
func TestPIIEOriginalLinear(t *testing.T) {
	l := newLake(t)
	us, cn := reference.USExports, reference.CNImports
	putFlows(t, l, us, month("2020-01"), 1, flow{"120190", "4.0"}, flow{"470321", "0.3"})
	putFlows(t, l, us, month("2020-02"), 1, flow{"880240", "5.0"}, flow{"271012", "0.1"})
	putFlows(t, l, us, month("2020-03"), 1, flow{"270900", "5.4"})
	putFlows(t, l, us, month("2020-04"), 1, flow{"270900", "6.0"})
	// China publishes January and February together.
	putFlows(t, l, cn, month("2020-02"), 2, flow{"12019010", "12.0"})
	putFlows(t, l, cn, month("2020-03"), 1, flow{"27090000", "7.8"})
	putFlows(t, l, cn, month("2020-04"), 1, flow{"27090000", "8.0"})

	rep, err := compute(t, l, Options{Baseline: BaselinePIIEOriginal, Proration: ProrationLinear}, us, cn)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Through != month("2020-04") {
		t.Errorf("through = %s", rep.Through)
	}
	cases := []struct {
		b             reference.Basis
		m             string
		ytd, tytd, pc string
	}{
		{us, "2020-03", "14.4", "35.7", "40"},
		{cn, "2020-03", "19.8", "43.2", "46"},
		{us, "2020-04", "20.4", "47.6", "43"},
		{cn, "2020-04", "27.8", "57.6", "48"},
	}
	for _, tc := range cases {
		r := row(t, rep, tc.b, tc.m, reference.AllCovered)
		if got := tenths(&r.YTDUSD); got != tc.ytd {
			t.Errorf("%s %s ytd = %s bn, want %s", tc.b, tc.m, got, tc.ytd)
		}
		if got := tenths(r.TargetYTDUSD); got != tc.tytd {
			t.Errorf("%s %s target ytd = %s bn, want %s", tc.b, tc.m, got, tc.tytd)
		}
		if got := pctString(r.PctOfTargetYTD); got != tc.pc {
			t.Errorf("%s %s pct = %s, want %s", tc.b, tc.m, got, tc.pc)
		}
	}
	// Exact cents: 142.7bn × 3/12 and 172.7bn × 4/12 rounded half-even.
	if got := str(row(t, rep, us, "2020-03", reference.AllCovered).TargetYTDUSD); got != "35675000000.00" {
		t.Errorf("us Jan–Mar target ytd = %s", got)
	}
	if got := str(row(t, rep, cn, "2020-04", reference.AllCovered).TargetYTDUSD); got != "57566666666.67" {
		t.Errorf("cn Jan–Apr target ytd = %s", got)
	}
	r := row(t, rep, us, "2020-03", reference.AllCovered)
	if got := str(r.ShortfallYTDUSD); got != "21275000000.00" {
		t.Errorf("us Jan–Mar shortfall = %s", got)
	}
	if r.TargetUSD == nil || r.TargetUSD.Cmp(apd.New(1427, 8)) != 0 {
		t.Errorf("us 2020 target = %s, want 78.8bn + 63.9bn", str(r.TargetUSD))
	}
	// The original tracker has no category baselines: actuals, no targets.
	m := row(t, rep, us, "2020-02", reference.Manufactured)
	if tenths(&m.YTDUSD) != "5.0" || m.Baseline2017USD != nil || m.TargetUSD != nil || m.TargetYTDUSD != nil || m.PctOfTargetYTD != nil {
		t.Errorf("manufactured under piie_original = %+v", m)
	}
	// Uncovered and ambiguous goods are counted apart, not as covered.
	if got := moneyBn(row(t, rep, us, "2020-02", reference.Uncovered).YTDUSD); got != "0.3" {
		t.Errorf("uncovered ytd = %s", got)
	}
	if got := moneyBn(row(t, rep, us, "2020-02", reference.Ambiguous).YTDUSD); got != "0.1" {
		t.Errorf("ambiguous ytd = %s", got)
	}
	// No 2017 in the lake: no same-months-2017 comparison.
	if u := row(t, rep, us, "2020-02", reference.Uncovered); u.YTD2017USD != nil || u.Baseline2017USD != nil {
		t.Errorf("uncovered without 2017 data = %+v", u)
	}
	// January has no separate China figure; February holds both months.
	if hasRow(rep, cn, "2020-01", reference.AllCovered) {
		t.Error("a China-imports row for January 2020, which has no separate figure")
	}
	feb := row(t, rep, cn, "2020-02", reference.AllCovered)
	if tenths(&feb.ValueUSD) != "12.0" || tenths(feb.TargetYTDUSD) != "28.8" {
		t.Errorf("cn Jan–Feb = value %s target ytd %s, want 12.0 and 28.8 (172.7 × 2/12)", tenths(&feb.ValueUSD), tenths(feb.TargetYTDUSD))
	}

	// The same lake cannot give a lake baseline: no 2017.
	_, err = compute(t, l, Options{Baseline: BaselineLake, Proration: ProrationLinear}, us)
	if err == nil || !strings.Contains(err.Error(), "2017-01, 2017-02, 2017-03") || !strings.Contains(err.Error(), "2017-12") {
		t.Errorf("lake baseline without 2017: %v", err)
	}
}

// seasonalLake: US exports, all of 2017 and January–February 2020, USD bn.
//
//	2017 agriculture (120190): 4 2 1 1 1 1 1 1 1 2 3 2 = 20
//	2017 energy (270900):      1 each month              = 12
//	2017 manufactured (880240): 30 in June only          = 30
//	2017 uncovered (470321):   1 each month              = 12
//	2017 ambiguous (271012):   0.25 in January           = 0.25
func seasonalLake(t *testing.T, skip ...int) lake.Lake {
	l := newLake(t)
	agri := []string{"4", "2", "1", "1", "1", "1", "1", "1", "1", "2", "3", "2"}
	for k := 1; k <= 12; k++ {
		skipped := false
		for _, s := range skip {
			skipped = skipped || s == k
		}
		if skipped {
			continue
		}
		rows := []flow{{"120190", agri[k-1]}, {"270900", "1"}, {"470321", "1"}}
		if k == 6 {
			rows = append(rows, flow{"880240", "30"})
		}
		if k == 1 {
			rows = append(rows, flow{"271012", "0.25"})
		}
		putFlows(t, l, reference.USExports, civil.Month{Year: 2017, Month: time.Month(k)}, 1, rows...)
	}
	putFlows(t, l, reference.USExports, month("2020-01"), 1,
		flow{"120190", "2"}, flow{"270900", "1"}, flow{"470321", "0.5"})
	putFlows(t, l, reference.USExports, month("2020-02"), 1,
		flow{"120190", "1"}, flow{"270900", "2"}, flow{"880240", "10"}, flow{"470321", "0.5"}, flow{"271012", "0.25"})
	return l
}

// Seasonal proration with a lake baseline, against hand-computed figures.
// 2020 targets: agriculture 20 + 12.5 = 32.5, energy 12 + 18.5 = 30.5,
// manufactured 30 + 32.9 = 62.9, all covered 62 + 63.9 = 125.9.
func TestSeasonalLakeBaseline(t *testing.T) {
	l := seasonalLake(t)
	rep, err := compute(t, l, Options{Baseline: BaselineLake, Proration: ProrationSeasonal},
		reference.USExports, reference.CNImports)
	if err != nil {
		t.Fatal(err)
	}
	us := reference.USExports
	cases := []struct {
		m       string
		c       reference.Category
		base    string
		tytd    string
		ytd     string
		short   string
		pc      string
		ytd2017 string
	}{
		// 32.5 × 4/20
		{"2020-01", reference.Agriculture, "20000000000.00", "6500000000.00", "2000000000.00", "4500000000.00", "31", "4000000000.00"},
		// 32.5 × 6/20
		{"2020-02", reference.Agriculture, "20000000000.00", "9750000000.00", "3000000000.00", "6750000000.00", "31", "6000000000.00"},
		// 30.5 × 1/12 = 2.5416666…
		{"2020-01", reference.Energy, "12000000000.00", "2541666666.67", "1000000000.00", "1541666666.67", "39", "1000000000.00"},
		// 30.5 × 2/12
		{"2020-02", reference.Energy, "12000000000.00", "5083333333.33", "3000000000.00", "2083333333.33", "59", "2000000000.00"},
		// no manufactured trade in 2017 before June: a zero target so far
		{"2020-02", reference.Manufactured, "30000000000.00", "0.00", "10000000000.00", "-10000000000.00", "null", "0.00"},
		// 125.9 × 5/62 = 10.15322580645…
		{"2020-01", reference.AllCovered, "62000000000.00", "10153225806.45", "3000000000.00", "7153225806.45", "30", "5000000000.00"},
		// 125.9 × 8/62 = 16.24516129032…
		{"2020-02", reference.AllCovered, "62000000000.00", "16245161290.32", "16000000000.00", "245161290.32", "98", "8000000000.00"},
		// uncovered: compared with the same months of 2017, no target
		{"2020-02", reference.Uncovered, "12000000000.00", "null", "1000000000.00", "null", "null", "2000000000.00"},
		{"2020-02", reference.Ambiguous, "250000000.00", "null", "250000000.00", "null", "null", "250000000.00"},
	}
	for _, tc := range cases {
		r := row(t, rep, us, tc.m, tc.c)
		got := []string{str(r.Baseline2017USD), str(r.TargetYTDUSD), moneyText(r.YTDUSD), str(r.ShortfallYTDUSD), pctString(r.PctOfTargetYTD), str(r.YTD2017USD)}
		want := []string{tc.base, tc.tytd, tc.ytd, tc.short, tc.pc, tc.ytd2017}
		if strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("%s %s:\n got  %v\n want %v", tc.m, tc.c, got, want)
		}
		if r.Proration != "seasonal" || r.BaselineSource != "lake" {
			t.Errorf("%s %s: proration %s baseline_source %s", tc.m, tc.c, r.Proration, r.BaselineSource)
		}
	}
	if p := row(t, rep, us, "2020-01", reference.Agriculture).PctOfTargetYTD; p == nil || *p < 30.769 || *p > 30.770 {
		t.Errorf("agriculture Jan pct = %v, want 100 × 2/6.5 = 30.769…", p)
	}
	if len(rep.Bases) != 1 || !strings.Contains(strings.Join(rep.Notes, "\n"), "cn_imports: no trade_flows") {
		t.Errorf("bases %v notes %q", rep.Bases, rep.Notes)
	}
}

func moneyText(d apd.Decimal) string { return str(&d) }

func moneyBn(d apd.Decimal) string { return tenths(&d) }

func TestLakeBaselineRefusesMissing2017(t *testing.T) {
	l := seasonalLake(t, 3, 7)
	_, err := compute(t, l, Options{Baseline: BaselineLake, Proration: ProrationLinear}, reference.USExports)
	if err == nil || !strings.Contains(err.Error(), "missing: 2017-03, 2017-07") {
		t.Fatalf("err = %v", err)
	}
	// PIIE baselines with seasonal proration also need the 2017 months.
	_, err = compute(t, l, Options{Baseline: BaselinePIIERevised, Proration: ProrationSeasonal}, reference.USExports)
	if err == nil || !strings.Contains(err.Error(), "seasonal proration needs all twelve months of 2017") {
		t.Fatalf("err = %v", err)
	}
	// PIIE baselines with linear proration do not.
	rep, err := compute(t, l, Options{Baseline: BaselinePIIERevised, Proration: ProrationLinear}, reference.USExports)
	if err != nil {
		t.Fatal(err)
	}
	r := row(t, rep, reference.USExports, "2020-01", reference.Agriculture)
	// (20.9 + 12.5) × 1/12 = 2.78333…; January 2017 is in the lake, so the
	// same-months comparison is there.
	if str(r.TargetYTDUSD) != "2783333333.33" || r.BaselineSource != "piie_revised" || str(r.YTD2017USD) != "4000000000.00" {
		t.Errorf("piie_revised agriculture Jan = %s %s %s", str(r.TargetYTDUSD), r.BaselineSource, str(r.YTD2017USD))
	}
}

func TestMonthsProblems(t *testing.T) {
	t.Run("gap", func(t *testing.T) {
		l := newLake(t)
		putFlows(t, l, reference.USExports, month("2020-01"), 1, flow{"120190", "1"})
		putFlows(t, l, reference.USExports, month("2020-03"), 1, flow{"120190", "1"})
		_, err := compute(t, l, Options{Baseline: BaselinePIIEOriginal, Proration: ProrationLinear}, reference.USExports)
		if err == nil || !strings.Contains(err.Error(), "2020-02 is missing") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("january twice", func(t *testing.T) {
		l := newLake(t)
		putFlows(t, l, reference.CNImports, month("2020-01"), 1, flow{"12019010", "1"})
		putFlows(t, l, reference.CNImports, month("2020-02"), 2, flow{"12019010", "1"})
		_, err := compute(t, l, Options{Baseline: BaselinePIIEOriginal, Proration: ProrationLinear}, reference.CNImports)
		if err == nil || !strings.Contains(err.Error(), "2020-01 has its own figure") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("trailing months missing", func(t *testing.T) {
		l := newLake(t)
		putFlows(t, l, reference.USExports, month("2020-01"), 1, flow{"120190", "1"})
		rep, err := compute(t, l, Options{Through: month("2020-06"), Baseline: BaselinePIIEOriginal, Proration: ProrationLinear}, reference.USExports)
		if err != nil {
			t.Fatal(err)
		}
		if hasRow(rep, reference.USExports, "2020-02", reference.AllCovered) || !strings.Contains(strings.Join(rep.Notes, "\n"), "data through 2020-01 only") {
			t.Errorf("notes %q", rep.Notes)
		}
	})
	t.Run("through before 2020", func(t *testing.T) {
		l := newLake(t)
		putFlows(t, l, reference.USExports, month("2017-05"), 1, flow{"120190", "1"})
		_, err := compute(t, l, Options{Baseline: BaselinePIIEOriginal, Proration: ProrationLinear}, reference.USExports)
		if err == nil || !strings.Contains(err.Error(), "through 2017-05 is before") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("several HS levels in a month", func(t *testing.T) {
		l := newLake(t)
		// HS4 1201 and HS10 lines of the same trade: only HS10 counts.
		putFlows(t, l, reference.USExports, month("2020-01"), 1, flow{"1201", "3"}, flow{"1201900010", "1"}, flow{"1201900020", "2"}, flow{"4703210000", "0.5"})
		rep, err := compute(t, l, Options{Baseline: BaselinePIIEOriginal, Proration: ProrationLinear}, reference.USExports)
		if err != nil {
			t.Fatal(err)
		}
		if got := moneyBn(row(t, rep, reference.USExports, "2020-01", reference.Agriculture).ValueUSD); got != "3.0" {
			t.Errorf("agriculture = %s, want 3.0 (HS10 only)", got)
		}
		if !strings.Contains(strings.Join(rep.Notes, "\n"), "HS4+HS10 combined") {
			t.Errorf("notes %q", rep.Notes)
		}
	})
	t.Run("too coarse", func(t *testing.T) {
		l := newLake(t)
		// HS2 27 holds crude oil (covered) and pipeline gas (not): ambiguous.
		putFlows(t, l, reference.USExports, month("2020-01"), 1, flow{"27", "3"}, flow{"12", "1"}, flow{"470321", "0.5"})
		putFlows(t, l, reference.USExports, month("2020-02"), 1, flow{"120190", "1"})
		_, err := compute(t, l, Options{Baseline: BaselinePIIEOriginal, Proration: ProrationLinear}, reference.USExports)
		if err == nil || !strings.Contains(err.Error(), "too coarse") || !strings.Contains(err.Error(), "2020-01 (HS2+HS6, 89% ambiguous)") ||
			strings.Contains(err.Error(), "2020-02") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("small ambiguous share in the headline", func(t *testing.T) {
		l := newLake(t)
		putFlows(t, l, reference.USExports, month("2020-01"), 1, flow{"271012", "1"}, flow{"120190", "99"})
		rep, err := compute(t, l, Options{Baseline: BaselinePIIEOriginal, Proration: ProrationLinear}, reference.USExports)
		if err != nil {
			t.Fatal(err)
		}
		if len(rep.Headline) != 1 || !strings.Contains(rep.Headline[0], "us_exports: 1.00% of trade") || !strings.Contains(rep.Headline[0], "(271012)") {
			t.Errorf("headline %q", rep.Headline)
		}
	})
	t.Run("bad options", func(t *testing.T) {
		l := newLake(t)
		if _, err := compute(t, l, Options{Baseline: "guess", Proration: ProrationLinear}); err == nil {
			t.Error("baseline guess accepted")
		}
		if _, err := compute(t, l, Options{Baseline: BaselineLake, Proration: "quarterly"}); err == nil {
			t.Error("proration quarterly accepted")
		}
	})
}

// Two years of 10bn covered goods a month with PIIE's revised baseline and
// services: the targets add up to PIIE's $502.4bn two-year commitment.
func TestTwoYearTotal(t *testing.T) {
	l := newLake(t)
	for _, m := range civil.Range(month("2020-01"), month("2021-12")) {
		putFlows(t, l, reference.USExports, m, 1, flow{"880240", "10"})
	}
	base := bn("56.1")
	o := Options{Baseline: BaselinePIIERevised, Proration: ProrationLinear, Services: Services{
		Baseline2017USD: &base, BaselineSource: "piie_final",
		ActualUSD: map[int]apd.Decimal{2020: bn("50"), 2021: bn("60")},
	}}
	o.Through = month("2021-11")
	rep, err := compute(t, l, o, reference.USExports)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.TwoYear) != 0 || hasRow(rep, reference.USExports, "2021-12", reference.Services) {
		t.Error("two-year total or 2021 services before December 2021")
	}
	s := row(t, rep, reference.USExports, "2020-12", reference.Services)
	if tenths(s.TargetUSD) != "68.9" || pctString(s.PctOfTargetYTD) != "73" || s.Proration != "annual" {
		t.Errorf("services 2020 = target %s pct %s proration %s", tenths(s.TargetUSD), pctString(s.PctOfTargetYTD), s.Proration)
	}
	o.Through = month("2022-03")
	rep, err = compute(t, l, o, reference.USExports)
	if err != nil {
		t.Fatal(err)
	}
	if hasRow(rep, reference.USExports, "2022-01", reference.AllCovered) {
		t.Error("rows after 2021")
	}
	if dec := row(t, rep, reference.USExports, "2021-12", reference.AllCovered); tenths(&dec.YTDUSD) != "120.0" || tenths(dec.TargetUSD) != "193.3" {
		t.Errorf("2021 = ytd %s target %s", tenths(&dec.YTDUSD), tenths(dec.TargetUSD))
	}
	if len(rep.TwoYear) != 1 {
		t.Fatalf("two-year = %+v", rep.TwoYear)
	}
	ty := rep.TwoYear[0]
	got := []string{tenths(&ty.GoodsUSD), tenths(&ty.GoodsTargetUSD), tenths(&ty.TotalUSD), tenths(&ty.TotalTargetUSD), tenths(&ty.IncreaseUSD), tenths(&ty.CommittedIncrease)}
	want := []string{"240.0", "352.3", "350.0", "502.4", "47.6", "200.0"}
	if strings.Join(got, " ") != strings.Join(want, " ") || !ty.IncludesServices {
		t.Errorf("two-year goods, goods target, total, total target, increase, committed = %v, want %v", got, want)
	}
}

// HS10 detail beside HS6 in the lake: the naphtha inside 271012 is energy,
// the rest uncovered, nothing ambiguous and no dollar twice.
func TestHS10DetailResolvesAmbiguous(t *testing.T) {
	l := newLake(t)
	putFlows(t, l, reference.USExports, month("2020-01"), 1,
		flow{"271012", "1.0"}, flow{"2710122500", "0.7"}, flow{"2710121500", "0.3"}, flow{"120190", "2"})
	rep, err := compute(t, l, Options{Baseline: BaselinePIIEOriginal, Proration: ProrationLinear}, reference.USExports)
	if err != nil {
		t.Fatal(err)
	}
	got := map[reference.Category]string{}
	for _, c := range []reference.Category{reference.Energy, reference.Uncovered, reference.Ambiguous, reference.AllCovered} {
		got[c] = moneyBn(row(t, rep, reference.USExports, "2020-01", c).ValueUSD)
	}
	if got[reference.Energy] != "0.7" || got[reference.Uncovered] != "0.3" || got[reference.Ambiguous] != "0.0" || got[reference.AllCovered] != "2.7" {
		t.Errorf("values %v", got)
	}
	if len(rep.Headline) != 0 || !strings.Contains(strings.Join(rep.Notes, "\n"), "HS6+HS10 combined") {
		t.Errorf("headline %q notes %q", rep.Headline, rep.Notes)
	}
}

// Customs regimes named in ExcludeRegimes are left out (e.g. bonded
// logistics), rows of other regimes and rows without one are kept.
func TestExcludeRegimes(t *testing.T) {
	l := newLake(t)
	putFlows(t, l, reference.CNImports, month("2020-01"), 1,
		flow{"12019010|一般贸易", "3"}, flow{"12019010|保税监管场所进出境货物", "1"}, flow{"27090000", "2"})
	for _, tc := range []struct {
		exclude []string
		want    string
	}{
		{nil, "6.0"},
		{[]string{"保税监管场所进出境货物"}, "5.0"},
		{[]string{"保税监管场所进出境货物", "一般贸易"}, "2.0"},
	} {
		rep, err := compute(t, l, Options{Baseline: BaselinePIIEOriginal, Proration: ProrationLinear, ExcludeRegimes: tc.exclude}, reference.CNImports)
		if err != nil {
			t.Fatal(err)
		}
		if got := moneyBn(row(t, rep, reference.CNImports, "2020-01", reference.AllCovered).ValueUSD); got != tc.want {
			t.Errorf("exclude %v: all covered %s, want %s", tc.exclude, got, tc.want)
		}
		if len(tc.exclude) > 0 && !strings.Contains(strings.Join(rep.Notes, "\n"), "left out") {
			t.Errorf("notes %q", rep.Notes)
		}
	}
}

// TestProrationRoundsTiesHalfEven: a prorated target that ends exactly on
// a half cent is rounded half-even, as the exact amount would be (and as
// bench/complianceduck's integer arithmetic does): target 292,574,042,007.63
// × 2 ÷ 12 is 48,762,340,334.605, so 48,762,340,334.60; dividing the share
// first gave .61. Amounts that are no tie round to the nearer cent.
func TestProrationRoundsTiesHalfEven(t *testing.T) {
	for _, tc := range []struct {
		target string // baseline + the 2020 manufactured increment (32.9bn)
		month  time.Month
		want   string
	}{
		{"292574042007.63", 2, "48762340334.60"}, // tie, even below
		{"292574042007.69", 2, "48762340334.62"}, // 48,762,340,334.615: tie, even above
		{"292574042007.61", 2, "48762340334.60"}, // .601666…
		{"100000000000.00", 7, "58333333333.33"}, // .333…
		{"100000000000.06", 1, "8333333333.34"},  // .338333…
	} {
		target, _, err := apd.NewFromString(tc.target)
		if err != nil {
			t.Fatal(err)
		}
		inc := money.Mul(*apd.New(329, -1), billion)
		base := money.Add(*target, neg(inc))
		row := schema.Compliance{Baseline2017USD: &base}
		if err := fillTarget(&row, reference.Manufactured, civil.Month{Year: 2020, Month: tc.month}, ProrationLinear, nil); err != nil {
			t.Fatal(err)
		}
		if got := row.TargetYTDUSD.Text('f'); got != tc.want {
			t.Errorf("%s × %d/12: %s, want %s", tc.target, tc.month, got, tc.want)
		}
	}
}

package compliance

import (
	"fmt"
	"maps"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/cockroachdb/apd/v3"

	"github.com/tradepipe/tradepipe/internal/civil"
	"github.com/tradepipe/tradepipe/internal/money"
	"github.com/tradepipe/tradepipe/internal/reference"
	"github.com/tradepipe/tradepipe/internal/schema"
)

// Baseline and proration choices.
const (
	BaselineLake         = "lake"
	BaselinePIIEOriginal = reference.PIIEOriginal
	BaselinePIIERevised  = reference.PIIERevised
	ProrationLinear      = "linear"
	ProrationSeasonal    = "seasonal"
	ProrationAnnual      = "annual" // services rows
)

// Options choose how Compute measures compliance.
type Options struct {
	// Through is the last month reported; zero means the latest month any
	// basis has in the lake.
	Through   civil.Month
	Baseline  string // lake, piie_original or piie_revised
	Proration string // linear or seasonal
	// Definition is the product set counted as covered; "" follows the
	// baseline: original for piie_original, revised otherwise (so a
	// published baseline and the purchases compared with it count the same
	// goods).
	Definition reference.Definition
	Services   Services
	// Synthetic lists the bases whose lake data are synthetic samples (the
	// quick start's GACC files); the report, chart and HTML say so.
	Synthetic []reference.Basis
	// ExcludeRegimes are customs regimes (as the rows name them, e.g.
	// 保税监管场所进出境货物) whose trade is left out, for measures that
	// exclude bonded or processing trade; rows without a regime are kept.
	ExcludeRegimes []string
}

// Release is one input behind a basis's figures.
type Release struct {
	Source    string // census, gacc
	ReleaseID string // YYYYMMDDTHHMMSSZ-<sha12>: the vintage's date (publication, else fetch or drop)
	URI       string // where it was read from
}

func (f *Figure) addRegime(regime, hs string, cents int64) {
	if f.RegimeCents == nil {
		f.RegimeCents = map[string]map[string]int64{}
	}
	if f.RegimeCents[regime] == nil {
		f.RegimeCents[regime] = map[string]int64{}
	}
	f.RegimeCents[regime][hs] += cents
}

func (s *Series) noteRelease(r Release) {
	if s.seen == nil {
		s.seen = map[Release]bool{}
	}
	if !s.seen[r] {
		s.seen[r] = true
		s.Releases = append(s.Releases, r)
	}
}

// Provenance says in one line where a basis's figures come from: the
// source, its inputs (first and last by name) and the date of their
// release ids (the publication date when the source states one, as GACC
// pages do; else when the input was fetched or dropped), and whether the
// data are a synthetic sample.
func (rep *Report) Provenance(b reference.Basis) string {
	rs := rep.Releases[b]
	if len(rs) == 0 {
		return "no releases"
	}
	var ids, names []string
	srcs := map[string]bool{}
	for _, r := range rs {
		ids = append(ids, r.ReleaseID)
		names = append(names, path.Base(r.URI))
		srcs[r.Source] = true
	}
	slices.Sort(ids)
	slices.Sort(names)
	names = slices.Compact(names)
	day := func(id string) string {
		if len(id) >= 8 {
			return id[:4] + "-" + id[4:6] + "-" + id[6:8]
		}
		return id
	}
	dates := day(ids[0])
	if d := day(ids[len(ids)-1]); d != dates {
		dates += ".." + d
	}
	files := names[0]
	if len(names) > 1 {
		files = fmt.Sprintf("%d inputs, %s … %s", len(names), names[0], names[len(names)-1])
	}
	out := fmt.Sprintf("%s: %s; release ids dated %s", strings.Join(slices.Sorted(maps.Keys(srcs)), "+"), files, dates)
	if rep.Synthetic[b] {
		out += "; SYNTHETIC sample data, not official figures"
	}
	return out
}

// MaxAmbiguousShare is the share of a month's trade that may be ambiguous
// (HS codes coarser than the Annex lines under them) before the month is
// refused as too coarse. Real Census HS6 data is ambiguous only in 271012
// (naphtha inside light oils): 0.43% of 2017, under 1.5% in every month of
// 2017–2020; HS2 data is mostly ambiguous. Below the limit the report's
// headline states the share.
const MaxAmbiguousShare = 0.05

// DefinitionFor is the product set Options.Definition "" stands for.
func DefinitionFor(baseline string) reference.Definition {
	if baseline == BaselinePIIEOriginal {
		return reference.Original
	}
	return reference.Revised
}

// Services are the annual services purchases (BEA), which the lake does
// not hold.
type Services struct {
	// Baseline2017USD is the 2017 services baseline; nil leaves services out.
	Baseline2017USD *apd.Decimal
	BaselineSource  string              // e.g. piie_final or config
	ActualUSD       map[int]apd.Decimal // year → annual services purchases
}

// TwoYear is the agreement's overall test for one basis: 2020–2021
// purchases over twice the 2017 baseline, against the committed increase.
type TwoYear struct {
	Basis             reference.Basis
	GoodsUSD          apd.Decimal // all covered goods, 2020 + 2021
	GoodsTargetUSD    apd.Decimal // 2 × goods baseline + 162.1bn
	ServicesUSD       *apd.Decimal
	ServicesTargetUSD *apd.Decimal
	TotalUSD          apd.Decimal // goods (+ services when given)
	TotalTargetUSD    apd.Decimal
	IncreaseUSD       apd.Decimal // TotalUSD − 2 × 2017 baselines
	CommittedIncrease apd.Decimal // 162.1bn goods only, 200bn with services
	PctOfTarget       float64
	IncludesServices  bool
	GoodsBaselineUSD  apd.Decimal // 2017, all covered goods
}

// Report is the result of Compute.
type Report struct {
	Through   civil.Month
	Baseline  string
	Proration string
	// Definition is the product set counted as covered.
	Definition reference.Definition
	Requested  []reference.Basis // bases asked for
	Bases      []reference.Basis // bases with rows
	Rows       []schema.Compliance
	TwoYear    []TwoYear
	// Headline are facts a reader must see beside the figures (the
	// unclassifiable share).
	Headline []string
	Notes    []string
	// Months holds, per basis, each reported or baseline month's figure
	// with its sub-category values and HS levels.
	Months map[reference.Basis]map[civil.Month]*Figure
	// Releases are the inputs behind each basis; Synthetic marks bases
	// whose data are synthetic samples.
	Releases  map[reference.Basis][]Release
	Synthetic map[reference.Basis]bool
}

var (
	billion   = *apd.New(1, 9)
	hundred   = *apd.New(100, 0)
	twelve    = *apd.New(12, 0)
	divCtx    = apd.BaseContext.WithPrecision(34)
	firstYear = 2020
	lastYear  = 2021
)

// ReportCategories are the categories of the rows, in report order.
var ReportCategories = []reference.Category{
	reference.Manufactured, reference.Agriculture, reference.Energy, reference.AllCovered,
	reference.Uncovered, reference.Ambiguous,
}

// Compute derives the compliance rows from the series of each basis. It is
// pure: the lake is read by ReadSeries. A series with no figures at all is
// left out with a note. It fails when the options are invalid, a lake
// baseline or seasonal proration lacks 2017 months (the error names them),
// or a month is missing before one that is present.
func Compute(series []*Series, o Options) (*Report, error) {
	switch o.Baseline {
	case BaselineLake, BaselinePIIEOriginal, BaselinePIIERevised:
	default:
		return nil, fmt.Errorf("baseline %q is not lake, piie_original or piie_revised", o.Baseline)
	}
	if o.Proration != ProrationLinear && o.Proration != ProrationSeasonal {
		return nil, fmt.Errorf("proration %q is not linear or seasonal", o.Proration)
	}
	if o.Definition == "" {
		o.Definition = DefinitionFor(o.Baseline)
	}
	if _, err := reference.ParseDefinition(string(o.Definition)); err != nil {
		return nil, err
	}
	rep := &Report{Through: o.Through, Baseline: o.Baseline, Proration: o.Proration, Definition: o.Definition,
		Months: map[reference.Basis]map[civil.Month]*Figure{}, Releases: map[reference.Basis][]Release{},
		Synthetic: map[reference.Basis]bool{}}
	for _, b := range o.Synthetic {
		rep.Synthetic[b] = true
	}
	classified := make([]*Series, len(series))
	for i, s := range series {
		c, head, err := classify(s, o.Definition, o.ExcludeRegimes)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", s.Basis, err)
		}
		classified[i] = c
		rep.Headline = append(rep.Headline, head...)
		rep.Months[s.Basis] = c.Figures
		rep.Releases[s.Basis] = s.Releases
	}
	series = classified
	if rep.Through.IsZero() {
		for _, s := range series {
			for m := range s.Figures {
				if rep.Through.Before(m) {
					rep.Through = m
				}
			}
		}
		if rep.Through.IsZero() {
			var names []string
			for _, s := range series {
				names = append(names, string(s.Basis))
			}
			return nil, fmt.Errorf("no trade_flows in the lake for %s", strings.Join(names, " or "))
		}
	}
	if rep.Through.Before(civil.Month{Year: firstYear, Month: 1}) {
		return nil, fmt.Errorf("through %s is before the agreement's first month, %d-01", rep.Through, firstYear)
	}
	for _, s := range series {
		rep.Requested = append(rep.Requested, s.Basis)
		rep.Notes = append(rep.Notes, s.Notes...)
		if len(s.Figures) == 0 {
			rep.Notes = append(rep.Notes, fmt.Sprintf("%s: no trade_flows in the lake; basis left out", s.Basis))
			continue
		}
		rows, notes, err := computeBasis(s, o, rep.Through)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", s.Basis, err)
		}
		rep.Notes = append(rep.Notes, notes...)
		rep.Rows = append(rep.Rows, rows...)
		rep.Bases = append(rep.Bases, s.Basis)
		if ty, ok := twoYear(s.Basis, rows, rep.Through); ok {
			rep.TwoYear = append(rep.TwoYear, ty)
		}
	}
	order := func(c string) int {
		if i := slices.Index(ReportCategories, reference.Category(c)); i >= 0 {
			return i
		}
		return len(ReportCategories) // services
	}
	slices.SortStableFunc(rep.Rows, func(a, b schema.Compliance) int {
		if a.Basis != b.Basis {
			return slices.Index(reference.Bases, reference.Basis(a.Basis)) - slices.Index(reference.Bases, reference.Basis(b.Basis))
		}
		if a.Period != b.Period {
			if a.Period.Before(b.Period) {
				return -1
			}
			return 1
		}
		return order(a.Category) - order(b.Category)
	})
	return rep, nil
}

// classify combines and classifies each figure of s (reference.Combine)
// into a new series. It refuses months too coarse for the Annex (more than
// MaxAmbiguousShare ambiguous), naming them and their levels; otherwise it
// returns a headline line stating the ambiguous share when there is one,
// and notes on mixed levels.
func classify(s *Series, def reference.Definition, exclude []string) (*Series, []string, error) {
	cls := reference.NewClassifier(s.Basis, def)
	excluded := map[string]int64{}
	out := &Series{Basis: s.Basis, Figures: map[civil.Month]*Figure{}, Inputs: s.Inputs, Notes: slices.Clone(s.Notes)}
	var coarse, overlaps []string
	var amb, total int64
	ambCodes := map[string]bool{}
	months := slices.SortedFunc(maps.Keys(s.Figures), func(a, b civil.Month) int {
		if a.Before(b) {
			return -1
		}
		if b.Before(a) {
			return 1
		}
		return 0
	})
	mixed := map[string][]string{}
	for _, m := range months {
		f := s.Figures[m]
		cents := f.Cents
		if len(exclude) > 0 && len(f.RegimeCents) > 0 {
			cents = maps.Clone(f.Cents)
			for _, rg := range exclude {
				for hs, v := range f.RegimeCents[rg] {
					cents[hs] -= v
					excluded[rg] += v
				}
			}
		}
		c, err := cls.Combine(cents)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", m, err)
		}
		nf := &Figure{Covers: f.Covers, Cents: f.Cents, Values: map[reference.Category]apd.Decimal{},
			Subs: map[string]apd.Decimal{}, Levels: c.Levels}
		var sum int64
		for cat, v := range c.Cents {
			nf.Values[cat] = money.FromCents(v)
			sum += v
		}
		for sub, v := range c.SubCents {
			nf.Subs[sub] = money.FromCents(v)
		}
		out.Figures[m] = nf
		a := c.Cents[reference.Ambiguous]
		if sum > 0 && float64(a)/float64(sum) > MaxAmbiguousShare {
			coarse = append(coarse, fmt.Sprintf("%s (%s, %.0f%% ambiguous)", m, reference.LevelNames(c.Levels), 100*float64(a)/float64(sum)))
		}
		amb += a
		total += sum
		for _, k := range c.AmbiguousCodes {
			ambCodes[k] = true
		}
		if len(c.Levels) > 1 {
			l := reference.LevelNames(c.Levels)
			mixed[l] = append(mixed[l], m.String())
		}
		for _, k := range c.Overlaps {
			overlaps = append(overlaps, m.String()+" "+k)
		}
	}
	if len(coarse) > 0 {
		return nil, nil, fmt.Errorf("data too coarse for Annex 6.1 (over %.0f%% of a month's trade in HS codes that hold covered and uncovered lines): %s; load HS6 or finer, with HS10 (Census) or HS8 (GACC) under 2710 and 2711",
			100*MaxAmbiguousShare, strings.Join(coarse, ", "))
	}
	for _, l := range slices.Sorted(maps.Keys(mixed)) {
		ms := mixed[l]
		out.Notes = append(out.Notes, fmt.Sprintf("%s: %s combined (each dollar once, finer rows first) in %s", s.Basis, l, monthList(ms)))
	}
	if len(overlaps) > 0 {
		out.Notes = append(out.Notes, fmt.Sprintf("%s: finer rows exceed the coarser code, finer rows used: %s", s.Basis, strings.Join(overlaps, ", ")))
	}
	for _, rg := range slices.Sorted(maps.Keys(excluded)) {
		v := money.FromCents(excluded[rg])
		out.Notes = append(out.Notes, fmt.Sprintf("%s: customs regime %q left out: %s bn over all months read", s.Basis, rg, Bn(&v)))
	}
	var head []string
	if amb > 0 {
		head = append(head, fmt.Sprintf("%s: %.2f%% of trade (%s bn of %s bn, all months read) is in HS codes the Annex splits below their level (%s) and is counted in no category",
			s.Basis, 100*float64(amb)/float64(total), Bn(ptr(money.FromCents(amb))), Bn(ptr(money.FromCents(total))), strings.Join(slices.Sorted(maps.Keys(ambCodes)), ", ")))
	}
	return out, head, nil
}

// monthList shortens a sorted list of months to "2017-01..2017-12, 2020-01".
func monthList(ms []string) string {
	if len(ms) <= 3 {
		return strings.Join(ms, ", ")
	}
	return fmt.Sprintf("%s..%s (%d months)", ms[0], ms[len(ms)-1], len(ms))
}

func ptr[T any](v T) *T { return &v }

// monthsOf describes a basis's months: which have a figure, and which are
// folded into a later combined figure.
type monthsOf struct {
	figures map[civil.Month]*Figure
	folded  map[civil.Month]civil.Month // month → the month whose figure includes it
}

func newMonths(s *Series) (*monthsOf, error) {
	mo := &monthsOf{figures: s.Figures, folded: map[civil.Month]civil.Month{}}
	for m, f := range s.Figures {
		for k := 1; k < f.Covers; k++ {
			e := m.AddMonths(-k)
			if _, dup := s.Figures[e]; dup {
				return nil, fmt.Errorf("%s has its own figure, and the figure of %s covers it too (covers_months %d)", e, m, f.Covers)
			}
			mo.folded[e] = m
		}
	}
	return mo, nil
}

// has reports whether m's trade is in the lake, in its own or a later
// combined figure.
func (mo *monthsOf) has(m civil.Month) bool {
	_, own := mo.figures[m]
	_, in := mo.folded[m]
	return own || in
}

// cumulative2017 returns, per category and month k of 2017, the 2017 value
// of January through k; nil where unknown (a month missing, or k inside a
// combined figure). missing lists the absent 2017 months.
func (mo *monthsOf) cumulative2017() (cum map[reference.Category][13]*apd.Decimal, missing []string) {
	cum = map[reference.Category][13]*apd.Decimal{}
	run := map[reference.Category]apd.Decimal{}
	complete := true
	for k := 1; k <= 12; k++ {
		m := civil.Month{Year: 2017, Month: time.Month(k)}
		if !mo.has(m) {
			missing = append(missing, m.String())
			complete = false
			continue
		}
		f, own := mo.figures[m]
		if !own {
			continue // inside a combined figure: no cumulative at k
		}
		for _, c := range rowCategories {
			run[c] = money.Add(run[c], f.Values[c])
		}
		run[reference.AllCovered] = sumGoods(f.Values, run[reference.AllCovered])
		if !complete {
			continue
		}
		for c, v := range run {
			arr := cum[c]
			v := v
			arr[k] = &v
			cum[c] = arr
		}
	}
	return cum, missing
}

func sumGoods(values map[reference.Category]apd.Decimal, start apd.Decimal) apd.Decimal {
	for _, g := range reference.GoodsCategories {
		start = money.Add(start, values[g])
	}
	return start
}

func computeBasis(s *Series, o Options, through civil.Month) ([]schema.Compliance, []string, error) {
	mo, err := newMonths(s)
	if err != nil {
		return nil, nil, err
	}
	var notes []string
	cum, missing := mo.cumulative2017()
	if len(missing) > 0 && (o.Baseline == BaselineLake || o.Proration == ProrationSeasonal) {
		what := "a lake baseline"
		if o.Baseline != BaselineLake {
			what = "seasonal proration"
		}
		return nil, nil, fmt.Errorf("%s needs all twelve months of 2017 in the lake (%s); missing: %s",
			what, bases[s.Basis].prefix, strings.Join(missing, ", "))
	}
	baselines := map[reference.Category]*apd.Decimal{}
	sources := map[reference.Category]string{}
	for _, c := range ReportCategories {
		sources[c] = o.Baseline
		published := o.Baseline != BaselineLake && c != reference.Uncovered && c != reference.Ambiguous
		if published {
			if bn, ok := reference.PublishedBaselineBn(s.Basis, c, o.Baseline); ok {
				v := money.Mul(bn, billion)
				baselines[c] = &v
			}
			continue
		}
		sources[c] = BaselineLake
		baselines[c] = cum[c][12]
	}

	last := through
	if lim := (civil.Month{Year: lastYear, Month: 12}); lim.Before(last) {
		last = lim
	}
	first := civil.Month{Year: firstYear, Month: 1}
	var rows []schema.Compliance
	var endedAt civil.Month
	for _, m := range civil.Range(first, last) {
		if !mo.has(m) {
			if endedAt.IsZero() {
				endedAt = m
			}
			continue
		}
		if !endedAt.IsZero() {
			return nil, nil, fmt.Errorf("%s is missing from the lake (%s) but %s is there; refusing to compute a year-to-date over a gap",
				endedAt, bases[s.Basis].prefix, m)
		}
	}
	switch {
	case endedAt == first:
		notes = append(notes, fmt.Sprintf("%s: no months of %d–%d in the lake", s.Basis, firstYear, lastYear))
	case !endedAt.IsZero():
		notes = append(notes, fmt.Sprintf("%s: lake has data through %s only", s.Basis, endedAt.AddMonths(-1)))
	}
	ytd := map[reference.Category]apd.Decimal{}
	for _, m := range civil.Range(first, last) {
		if m.Month == time.January {
			clear(ytd)
		}
		f, own := mo.figures[m]
		if !own {
			continue // missing (trailing) or inside a later combined figure
		}
		value := map[reference.Category]apd.Decimal{}
		for _, c := range rowCategories {
			value[c] = f.Values[c]
		}
		value[reference.AllCovered] = sumGoods(f.Values, apd.Decimal{})
		for _, c := range ReportCategories {
			ytd[c] = money.Add(ytd[c], value[c])
			row := schema.Compliance{
				Basis: string(s.Basis), Period: m, Category: string(c), CoversMonths: f.Covers,
				ValueUSD: money.RoundCents(value[c]), YTDUSD: money.RoundCents(ytd[c]),
				Baseline2017USD: centsOrNil(baselines[c]), Proration: o.Proration, BaselineSource: sources[c],
				YTD2017USD: centsOrNil(cum[c][int(m.Month)]),
			}
			if err := fillTarget(&row, c, m, o.Proration, cum); err != nil {
				return nil, nil, err
			}
			rows = append(rows, row)
		}
	}
	rows = append(rows, servicesRows(s.Basis, o, last)...)
	return rows, notes, nil
}

// fillTarget sets target, target_ytd, percentage and shortfall of row.
func fillTarget(row *schema.Compliance, c reference.Category, m civil.Month, proration string, cum map[reference.Category][13]*apd.Decimal) error {
	if row.Baseline2017USD == nil {
		return nil
	}
	incBn, ok := reference.IncrementBn(c, m.Year)
	if !ok {
		return nil
	}
	target := money.RoundCents(money.Add(*row.Baseline2017USD, money.Mul(incBn, billion)))
	row.TargetUSD = &target
	// target × months ÷ 12 (or × 2017-through ÷ 2017-year), multiplied
	// first: the product is exact, so the quotient is exact wherever it
	// ends on a half cent and RoundCents rounds that tie half-even, as an
	// exact computation would (dividing first rounded the share to 34
	// digits, which turned some ties into near-ties rounded the other way).
	var num, den apd.Decimal
	switch proration {
	case ProrationLinear:
		num.SetInt64(int64(m.Month))
		den = twelve
	case ProrationSeasonal:
		through, year := cum[c][int(m.Month)], cum[c][12]
		if through == nil || year == nil {
			return fmt.Errorf("seasonal proration of %s for %s: no 2017 value through month %d", c, m, m.Month)
		}
		if year.IsZero() {
			return fmt.Errorf("seasonal proration of %s: 2017 value is zero, so it has no seasonal profile; use linear", c)
		}
		num, den = *through, *year
	}
	var t apd.Decimal
	if _, err := divCtx.Mul(&t, &target, &num); err != nil {
		return fmt.Errorf("prorate %s: %w", m, err)
	}
	if _, err := divCtx.Quo(&t, &t, &den); err != nil {
		return fmt.Errorf("prorate %s: %w", m, err)
	}
	tytd := money.RoundCents(t)
	row.TargetYTDUSD = &tytd
	short := money.Add(tytd, neg(row.YTDUSD))
	row.ShortfallYTDUSD = &short
	row.PctOfTargetYTD = pct(row.YTDUSD, tytd)
	return nil
}

// centsOrNil writes an exact amount with two decimals (0 as 0.00), so every
// amount of a report prints alike; nil stays nil.
func centsOrNil(d *apd.Decimal) *apd.Decimal {
	if d == nil {
		return nil
	}
	v := money.RoundCents(*d)
	return &v
}

func neg(d apd.Decimal) apd.Decimal {
	var out apd.Decimal
	out.Neg(&d)
	return out
}

// pct is 100 × a / b, nil when b is zero.
func pct(a, b apd.Decimal) *float64 {
	if b.IsZero() {
		return nil
	}
	var q apd.Decimal
	if _, err := divCtx.Quo(&q, &a, &b); err != nil {
		return nil
	}
	if _, err := divCtx.Mul(&q, &q, &hundred); err != nil {
		return nil
	}
	f, err := q.Float64()
	if err != nil {
		return nil
	}
	return &f
}

// servicesRows gives one row per year whose services figure is configured
// and whose December is reported.
func servicesRows(b reference.Basis, o Options, last civil.Month) []schema.Compliance {
	if o.Services.Baseline2017USD == nil {
		return nil
	}
	var years []int
	for y := range o.Services.ActualUSD {
		years = append(years, y)
	}
	slices.Sort(years)
	var out []schema.Compliance
	for _, y := range years {
		dec := civil.Month{Year: y, Month: 12}
		inc, ok := reference.IncrementBn(reference.Services, y)
		if !ok || last.Before(dec) {
			continue
		}
		v := money.RoundCents(o.Services.ActualUSD[y])
		base := money.RoundCents(*o.Services.Baseline2017USD)
		target := money.RoundCents(money.Add(base, money.Mul(inc, billion)))
		short := money.Add(target, neg(v))
		out = append(out, schema.Compliance{
			Basis: string(b), Period: dec, Category: string(reference.Services),
			ValueUSD: v, YTDUSD: v, Baseline2017USD: &base, TargetUSD: &target, TargetYTDUSD: &target,
			PctOfTargetYTD: pct(v, target), ShortfallYTDUSD: &short,
			Proration: ProrationAnnual, BaselineSource: o.Services.BaselineSource,
		})
	}
	return out
}

// twoYear totals 2020 and 2021 when the report reaches December 2021 and
// both Decembers have all-covered rows with targets.
func twoYear(b reference.Basis, rows []schema.Compliance, through civil.Month) (TwoYear, bool) {
	if through.Before(civil.Month{Year: lastYear, Month: 12}) {
		return TwoYear{}, false
	}
	find := func(c reference.Category, y int) *schema.Compliance {
		for i := range rows {
			r := &rows[i]
			if r.Category == string(c) && r.Period == (civil.Month{Year: y, Month: 12}) {
				return r
			}
		}
		return nil
	}
	g20, g21 := find(reference.AllCovered, 2020), find(reference.AllCovered, 2021)
	if g20 == nil || g21 == nil || g20.TargetUSD == nil || g21.TargetUSD == nil {
		return TwoYear{}, false
	}
	ty := TwoYear{Basis: b, GoodsBaselineUSD: *g20.Baseline2017USD}
	ty.GoodsUSD = money.Add(g20.YTDUSD, g21.YTDUSD)
	ty.GoodsTargetUSD = money.Add(*g20.TargetUSD, *g21.TargetUSD)
	ty.TotalUSD, ty.TotalTargetUSD = ty.GoodsUSD, ty.GoodsTargetUSD
	baseTwice := money.Add(*g20.Baseline2017USD, *g21.Baseline2017USD)
	s20, s21 := find(reference.Services, 2020), find(reference.Services, 2021)
	if s20 != nil && s21 != nil {
		sv := money.Add(s20.YTDUSD, s21.YTDUSD)
		st := money.Add(*s20.TargetUSD, *s21.TargetUSD)
		ty.ServicesUSD, ty.ServicesTargetUSD = &sv, &st
		ty.TotalUSD = money.Add(ty.TotalUSD, sv)
		ty.TotalTargetUSD = money.Add(ty.TotalTargetUSD, st)
		baseTwice = money.Add(baseTwice, money.Add(*s20.Baseline2017USD, *s21.Baseline2017USD))
		ty.IncludesServices = true
	}
	ty.IncreaseUSD = money.Add(ty.TotalUSD, neg(baseTwice))
	ty.CommittedIncrease = money.Add(ty.TotalTargetUSD, neg(baseTwice))
	if p := pct(ty.TotalUSD, ty.TotalTargetUSD); p != nil {
		ty.PctOfTarget = *p
	}
	return ty, true
}

// SubcategoryYTD sums the covered purchases of basis b by Annex
// sub-category ("agriculture/Oilseeds") from January through m.
func (rep *Report) SubcategoryYTD(b reference.Basis, m civil.Month) map[string]apd.Decimal {
	out := map[string]apd.Decimal{}
	for _, k := range civil.Range(civil.Month{Year: m.Year, Month: time.January}, m) {
		f := rep.Months[b][k]
		if f == nil {
			continue
		}
		for sub, v := range f.Subs {
			out[sub] = money.Add(out[sub], v)
		}
	}
	return out
}

// TwoYearSoFar is the agreement's two-year test while it runs: covered
// goods bought from January 2020 through the basis's latest month, against
// the 2020 and 2021 goods targets together (twice the 2017 baseline plus
// the 162.1bn goods increase; the 200bn commitment adds services). ok is
// false without all-covered targets for both years.
func (rep *Report) TwoYearSoFar(b reference.Basis) (bought, target apd.Decimal, through civil.Month, ok bool) {
	var dec20 *schema.Compliance
	var last *schema.Compliance
	for i := range rep.Rows {
		r := &rep.Rows[i]
		if r.Basis != string(b) || r.Category != string(reference.AllCovered) {
			continue
		}
		if r.Period == (civil.Month{Year: 2020, Month: 12}) {
			dec20 = r
		}
		if last == nil || last.Period.Before(r.Period) {
			last = r
		}
	}
	if last == nil || last.Baseline2017USD == nil {
		return apd.Decimal{}, apd.Decimal{}, civil.Month{}, false
	}
	for _, y := range []int{2020, 2021} {
		inc, ok := reference.IncrementBn(reference.AllCovered, y)
		if !ok {
			return apd.Decimal{}, apd.Decimal{}, civil.Month{}, false
		}
		target = money.Add(target, money.Add(*last.Baseline2017USD, money.Mul(inc, billion)))
	}
	bought = last.YTDUSD
	if last.Period.Year == 2021 && dec20 != nil {
		bought = money.Add(dec20.YTDUSD, last.YTDUSD)
	}
	return money.RoundCents(bought), money.RoundCents(target), last.Period, true
}

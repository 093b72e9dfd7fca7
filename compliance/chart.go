package compliance

import (
	"fmt"
	"html"
	"io"
	"math"
	"slices"
	"strings"

	"github.com/cockroachdb/apd/v3"

	"github.com/tradepipe/tradepipe/internal/civil"
	"github.com/tradepipe/tradepipe/internal/money"
	"github.com/tradepipe/tradepipe/internal/reference"
	"github.com/tradepipe/tradepipe/internal/schema"
)

// chartCategories are the panels of each basis's row of the chart.
var chartCategories = []reference.Category{reference.AllCovered, reference.Manufactured, reference.Agriculture, reference.Energy}

var categoryTitle = map[reference.Category]string{
	reference.AllCovered:   "All covered goods",
	reference.Manufactured: "Manufactured goods",
	reference.Agriculture:  "Agriculture",
	reference.Energy:       "Energy",
}

// Chart geometry, in SVG user units (px).
const (
	panelW, panelH = 330.0, 250.0
	plotL, plotR   = 58.0, 14.0 // plot area inside a panel
	plotT, plotB   = 30.0, 52.0
	headH          = 92.0 // title, subtitle, legend
	rowHeadH       = 30.0 // basis title above each row of panels
	marginX        = 16.0
	colorActual    = "#1f5fa8"
	colorTarget    = "#d9731a"
	color2017      = "#8a8a8a"
	colorMonth     = "#b9d0ea"
	panelsPerRow   = 4 // a category's cumulative and monthly panels side by side
)

// point is one month of a panel. Amounts are converted to float64 USD
// billions here only to place pixels; every figure printed comes from the
// decimal rows.
type point struct {
	m      civil.Month
	actual float64
	target *float64
	// month is the month's own purchases (the monthly view); covers is 2
	// for China's combined January–February figure, drawn over both months.
	month  float64
	covers int
	// ref2017 is the same months of 2017, year to date (the reference line).
	ref2017 *float64
}

// WriteSVG draws, for each basis and for all covered goods and each goods
// category, two panels side by side: the cumulative (year-to-date)
// purchases against the prorated target, and the monthly purchases against
// the month's share of the target; the same months of 2017 are the
// reference line in both. Below them, the two-year view sets 2020–21
// purchases against twice the 2017 baseline plus the committed increase.
// Amounts are USD billions; the cumulative lines restart each January, as
// the targets do.
func WriteSVG(w io.Writer, rep *Report) error {
	width := 2*marginX + panelW*float64(panelsPerRow)
	shown := rep.Requested
	if len(shown) == 0 {
		shown = rep.Bases
	}
	basisH := rowHeadH + panelH*float64(len(chartCategories)*2/panelsPerRow)
	twoY := headH + float64(len(shown))*basisH
	height := twoY + twoYearH + 36 + 15*float64(len(rep.Bases))
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%.0f" height="%.0f" viewBox="0 0 %.0f %.0f" font-family="Helvetica, Arial, sans-serif">`+"\n", width, height, width, height)
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="white"/>`+"\n")
	fmt.Fprintf(&b, `<text x="%.0f" y="30" font-size="20" font-weight="bold">China's purchases of US goods covered by Phase One vs the prorated target</text>`+"\n", marginX)
	fmt.Fprintf(&b, `<text x="%.0f" y="52" font-size="13" fill="#444">USD billions, through %s · 2017 baseline: %s · target proration: %s (restarts each January)</text>`+"\n",
		marginX, rep.Through, esc(baselineText(rep.Baseline)), esc(rep.Proration))
	// Legend.
	lx, ly := marginX, 76.0
	fmt.Fprintf(&b, `<line x1="%.0f" y1="%.0f" x2="%.0f" y2="%.0f" stroke="%s" stroke-width="2.5"/>`, lx, ly, lx+28, ly, colorActual)
	fmt.Fprintf(&b, `<circle cx="%.0f" cy="%.0f" r="3" fill="%s"/>`, lx+14, ly, colorActual)
	fmt.Fprintf(&b, `<text x="%.0f" y="%.0f" font-size="13">Purchases, year to date</text>`+"\n", lx+36, ly+4)
	lx += 200
	fmt.Fprintf(&b, `<rect x="%.0f" y="%.0f" width="14" height="10" fill="%s"/>`, lx, ly-6, colorMonth)
	fmt.Fprintf(&b, `<text x="%.0f" y="%.0f" font-size="13">Month's purchases (Jan–Feb combined spans two)</text>`+"\n", lx+20, ly+4)
	lx += 320
	fmt.Fprintf(&b, `<line x1="%.0f" y1="%.0f" x2="%.0f" y2="%.0f" stroke="%s" stroke-width="2.5" stroke-dasharray="7 4"/>`, lx, ly, lx+28, ly, colorTarget)
	fmt.Fprintf(&b, `<text x="%.0f" y="%.0f" font-size="13">Target (2017 baseline + Phase One increment, prorated)</text>`+"\n", lx+36, ly+4)
	lx += 385
	fmt.Fprintf(&b, `<line x1="%.0f" y1="%.0f" x2="%.0f" y2="%.0f" stroke="%s" stroke-width="2" stroke-dasharray="2 3"/>`, lx, ly, lx+28, ly, color2017)
	fmt.Fprintf(&b, `<text x="%.0f" y="%.0f" font-size="13">Same months of 2017</text>`+"\n", lx+36, ly+4)

	for bi, basis := range shown {
		y0 := headH + float64(bi)*basisH
		title := BasisTitle(string(basis))
		if !slices.Contains(rep.Bases, basis) {
			title += ": no trade_flows in the lake"
		}
		fmt.Fprintf(&b, `<text x="%.0f" y="%.0f" font-size="16" font-weight="bold">%s</text>`, marginX, y0+20, esc(title))
		if slices.Contains(rep.Bases, basis) {
			fill := "#555"
			if rep.Synthetic[basis] {
				fill = "#b00020"
			}
			fmt.Fprintf(&b, `<text x="%.0f" y="%.0f" font-size="11.5" fill="%s">from %s</text>`, marginX+360, y0+20, fill, esc(rep.Provenance(basis)))
		}
		b.WriteString("\n")
		for ci, c := range chartCategories {
			pts := series(rep, basis, c)
			for v, view := range []chartView{viewCumulative, viewMonthly} {
				i := ci*2 + v
				x0 := marginX + float64(i%panelsPerRow)*panelW
				py := y0 + rowHeadH + float64(i/panelsPerRow)*panelH
				panel(&b, x0, py, basis, c, view, pts, rep)
			}
		}
	}
	twoYearViews(&b, marginX, twoY, width-2*marginX, shown, rep)
	// One line per basis, so a long list of inputs does not run off.
	y := height - 14 - 15*float64(len(rep.Bases))
	for _, line := range sourceLines(rep) {
		fmt.Fprintf(&b, `<text x="%.0f" y="%.0f" font-size="11" fill="#666">%s</text>`+"\n", marginX, y, esc(line))
		y += 15
	}
	fmt.Fprintf(&b, `<text x="%.0f" y="%.0f" font-size="11" fill="#666">Covered products: Attachment to Annex 6.1 (%s product set); increments: Art. 6.2.1. Codes only partly covered by Annex 6.1 are left out of these totals.</text>`+"\n",
		marginX, y, esc(string(rep.Definition)))
	b.WriteString("</svg>\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// sourceLines name the releases behind each basis shown, one per basis.
func sourceLines(rep *Report) []string {
	var out []string
	for _, b := range rep.Bases {
		name := "US Census Bureau international trade API"
		if b == reference.CNImports {
			name = "China customs (GACC)"
		}
		out = append(out, "Source: "+name+" ("+rep.Provenance(b)+")")
	}
	return out
}

// sourcesLine is sourceLines in one line.
func sourcesLine(rep *Report) string {
	if len(rep.Bases) == 0 {
		return "none"
	}
	return strings.Join(sourceLines(rep), "; ")
}

func baselineText(s string) string {
	switch s {
	case BaselineLake:
		return "2017 trade in the lake"
	case BaselinePIIEOriginal:
		return "PIIE original (May 2020)"
	case BaselinePIIERevised:
		return "PIIE revised (Oct 2020)"
	}
	return s
}

func esc(s string) string { return html.EscapeString(s) }

func bnFloat(d *apd.Decimal) float64 {
	var q apd.Decimal
	if _, err := divCtx.Quo(&q, d, &billion); err != nil {
		return 0
	}
	f, _ := q.Float64()
	return f
}

func series(rep *Report, b reference.Basis, c reference.Category) []point {
	var out []point
	for i := range rep.Rows {
		r := &rep.Rows[i]
		if r.Basis != string(b) || r.Category != string(c) {
			continue
		}
		v := r.ValueUSD
		p := point{m: r.Period, actual: bnFloat(&r.YTDUSD), month: bnFloat(&v), covers: max(r.CoversMonths, 1)}
		if r.YTD2017USD != nil {
			f := bnFloat(r.YTD2017USD)
			p.ref2017 = &f
		}
		if r.TargetYTDUSD != nil {
			t := bnFloat(r.TargetYTDUSD)
			p.target = &t
		}
		out = append(out, p)
	}
	return out
}

// niceStep returns a round tick step so that max fits in about five ticks.
func niceStep(max float64) float64 {
	if max <= 0 {
		return 1
	}
	raw := max / 5
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, f := range []float64{1, 2, 2.5, 5, 10} {
		if f*mag >= raw {
			return f * mag
		}
	}
	return 10 * mag
}

func tickLabel(v, step float64) string {
	if step >= 1 && step == math.Trunc(step) {
		return fmt.Sprintf("%.0f", v)
	}
	if step >= 0.1 {
		return fmt.Sprintf("%.1f", v)
	}
	return fmt.Sprintf("%.2f", v)
}

// chartView is what a panel draws: year-to-date lines or monthly bars.
type chartView int

const (
	viewCumulative chartView = iota
	viewMonthly
)

// monthlyOf turns year-to-date figures into each point's own months: the
// difference from the previous point of the same year (a combined
// January–February point is both months together).
func monthlyOf(pts []point, ytd func(point) *float64) []*float64 {
	out := make([]*float64, len(pts))
	for i, p := range pts {
		v := ytd(p)
		if v == nil {
			continue
		}
		m := *v
		if i > 0 && pts[i-1].m.Year == p.m.Year {
			if prev := ytd(pts[i-1]); prev != nil {
				m -= *prev
			}
		}
		out[i] = &m
	}
	return out
}

func panel(b *strings.Builder, x0, y0 float64, basis reference.Basis, c reference.Category, view chartView, pts []point, rep *Report) {
	px0, px1 := x0+plotL, x0+panelW-plotR
	py0, py1 := y0+plotT, y0+panelH-plotB // top, bottom
	title := categoryTitle[c] + ": year to date"
	if view == viewMonthly {
		title = categoryTitle[c] + ": by month"
	}
	fmt.Fprintf(b, `<text x="%.1f" y="%.1f" font-size="14" font-weight="bold">%s</text>`+"\n", px0, y0+16, esc(title))
	first := civil.Month{Year: firstYear, Month: 1}
	last := rep.Through
	if lim := (civil.Month{Year: lastYear, Month: 12}); lim.Before(last) {
		last = lim
	}
	months := civil.Range(first, last)
	n := len(months)
	if n < 2 {
		n = 2
	}
	// Monthly bars sit in month slots; the cumulative lines run from the
	// first slot's centre to the last's.
	slot := (px1 - px0) / float64(n)
	xOf := func(m civil.Month) float64 {
		i := (m.Year-first.Year)*12 + int(m.Month) - 1
		return px0 + slot*(float64(i)+0.5)
	}
	ref := func(p point) *float64 { return p.ref2017 }
	tgt := func(p point) *float64 { return p.target }
	var refM, tgtM []*float64
	if view == viewMonthly {
		refM, tgtM = monthlyOf(pts, ref), monthlyOf(pts, tgt)
	}
	maxV := 0.0
	hasTarget := false
	for i, p := range pts {
		if p.target != nil {
			hasTarget = true
		}
		vals := []*float64{&pts[i].actual, p.ref2017, p.target}
		if view == viewMonthly {
			vals = []*float64{&pts[i].month, refM[i], tgtM[i]}
		}
		for _, v := range vals {
			if v != nil {
				maxV = math.Max(maxV, *v)
			}
		}
	}
	step := niceStep(maxV)
	top := math.Ceil(maxV/step) * step
	if top == 0 {
		top = step
	}
	yOf := func(v float64) float64 { return py1 - (py1-py0)*math.Max(v, 0)/top }
	// Grid and y axis labels.
	for v := 0.0; v <= top+step/2; v += step {
		y := yOf(v)
		fmt.Fprintf(b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#e3e3e3"/>`, px0, y, px1, y)
		fmt.Fprintf(b, `<text x="%.1f" y="%.1f" font-size="11" text-anchor="end" fill="#444">%s</text>`+"\n", px0-6, y+4, tickLabel(v, step))
	}
	fmt.Fprintf(b, `<text transform="translate(%.1f %.1f) rotate(-90)" font-size="11" text-anchor="middle" fill="#444">USD bn</text>`+"\n", x0+12, (py0+py1)/2)
	fmt.Fprintf(b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#888"/>`+"\n", px0, py1, px1, py1)
	// Month labels: every month when few, quarters up to a year, else
	// January and July.
	every := 1
	switch {
	case len(months) > 12:
		every = 6
	case len(months) > 8:
		every = 3
	}
	for i, m := range months {
		if i%every != 0 {
			continue
		}
		x := xOf(m)
		fmt.Fprintf(b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#888"/>`, x, py1, x, py1+4)
		label := m.First().In().Format("Jan")
		if m.Month == 1 || i == 0 {
			label += fmt.Sprintf(" %d", m.Year)
		}
		fmt.Fprintf(b, `<text x="%.1f" y="%.1f" font-size="10.5" text-anchor="middle" fill="#444">%s</text>`+"\n", x, py1+17, label)
	}
	if view == viewMonthly {
		monthlyMarks(b, pts, refM, tgtM, slot, xOf, yOf, py1)
	} else {
		cumulativeLines(b, pts, first.Year, last.Year, xOf, yOf)
	}
	note := ""
	if len(pts) > 0 {
		lastPt := pts[len(pts)-1]
		lastRow := findRow(rep, basis, lastPt.m, c)
		switch {
		case !hasTarget:
			note = "no published baseline: purchases only"
		case view == viewMonthly && refM[len(pts)-1] != nil:
			note = fmt.Sprintf("%s: %.2f, same months of 2017: %.2f", lastPt.m, lastPt.month, *refM[len(pts)-1])
		case view == viewCumulative && lastRow != nil && lastRow.PctOfTargetYTD != nil:
			note = fmt.Sprintf("%s: %.0f%% of target", lastRow.Period, *lastRow.PctOfTargetYTD)
		}
	}
	if note != "" {
		fmt.Fprintf(b, `<text x="%.1f" y="%.1f" font-size="11.5" fill="#222">%s</text>`+"\n", px0, py1+34, esc(note))
	}
	if len(pts) == 0 {
		fmt.Fprintf(b, `<text x="%.1f" y="%.1f" font-size="12" fill="#888" text-anchor="middle">no data</text>`+"\n", (px0+px1)/2, (py0+py1)/2)
	}
}

// monthlyMarks draws a bar per month's own purchases (a combined
// January–February figure as one bar over both months) and, over each bar,
// the same months of 2017 and the month's share of the target as ticks
// across the bar's slot.
func monthlyMarks(b *strings.Builder, pts []point, refM, tgtM []*float64, slot float64, xOf func(civil.Month) float64, yOf func(float64) float64, py1 float64) {
	for i, p := range pts {
		span := slot * float64(p.covers)
		// The bar's months end at p.m; its slot starts covers-1 months earlier.
		left := xOf(p.m) + slot/2 - span
		if p.month > 0 {
			w := span - slot*0.3
			fmt.Fprintf(b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s: %.2f</title></rect>`,
				left+slot*0.15, yOf(p.month), w, py1-yOf(p.month), colorMonth, p.m, p.month)
		}
		if v := tgtM[i]; v != nil {
			fmt.Fprintf(b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" stroke-width="2.5" stroke-dasharray="7 4"/>`,
				left, yOf(*v), left+span, yOf(*v), colorTarget)
		}
		if v := refM[i]; v != nil {
			fmt.Fprintf(b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" stroke-width="2" stroke-dasharray="2 3"/>`,
				left, yOf(*v), left+span, yOf(*v), color2017)
		}
	}
	b.WriteString("\n")
}

// cumulativeLines draws the year-to-date lines, one segment per year.
func cumulativeLines(b *strings.Builder, pts []point, firstY, lastY int, xOf func(civil.Month) float64, yOf func(float64) float64) {
	for year := firstY; year <= lastY; year++ {
		var act, tgt, ref []string
		for _, p := range pts {
			if p.m.Year != year {
				continue
			}
			act = append(act, fmt.Sprintf("%.1f,%.1f", xOf(p.m), yOf(p.actual)))
			if p.ref2017 != nil {
				ref = append(ref, fmt.Sprintf("%.1f,%.1f", xOf(p.m), yOf(*p.ref2017)))
			}
			if p.target != nil {
				tgt = append(tgt, fmt.Sprintf("%.1f,%.1f", xOf(p.m), yOf(*p.target)))
			}
		}
		if len(ref) > 0 {
			fmt.Fprintf(b, `<polyline points="%s" fill="none" stroke="%s" stroke-width="2" stroke-dasharray="2 3"/>`+"\n", strings.Join(ref, " "), color2017)
		}
		if len(tgt) > 0 {
			fmt.Fprintf(b, `<polyline points="%s" fill="none" stroke="%s" stroke-width="2.5" stroke-dasharray="7 4"/>`+"\n", strings.Join(tgt, " "), colorTarget)
		}
		if len(act) > 0 {
			fmt.Fprintf(b, `<polyline points="%s" fill="none" stroke="%s" stroke-width="2.5"/>`+"\n", strings.Join(act, " "), colorActual)
			for _, a := range act {
				xy := strings.Split(a, ",")
				fmt.Fprintf(b, `<circle cx="%s" cy="%s" r="2.8" fill="%s"/>`, xy[0], xy[1], colorActual)
			}
			b.WriteString("\n")
		}
	}
}

// twoYear is the two-year view of one basis: 2020–21 purchases (so far,
// or complete) against twice the 2017 baseline plus the committed
// increase. Amounts stay decimal for the labels.
type twoYearView struct {
	basis            reference.Basis
	goods, services  *apd.Decimal // services nil unless configured and complete
	base2, increase  apd.Decimal  // 2 × 2017 baselines; committed increase
	target           apd.Decimal  // base2 + increase
	through          civil.Month
	complete         bool
	includesServices bool
}

func twoYearOf(rep *Report, b reference.Basis) (twoYearView, bool) {
	for _, ty := range rep.TwoYear {
		if ty.Basis != b {
			continue
		}
		v := twoYearView{basis: b, goods: &ty.GoodsUSD, increase: ty.CommittedIncrease, target: ty.TotalTargetUSD,
			through: civil.Month{Year: lastYear, Month: 12}, complete: true, includesServices: ty.IncludesServices}
		v.base2 = money.Add(ty.TotalTargetUSD, neg(ty.CommittedIncrease))
		if ty.IncludesServices {
			v.services = ty.ServicesUSD
		}
		return v, true
	}
	bought, target, through, ok := rep.TwoYearSoFar(b)
	if !ok {
		return twoYearView{}, false
	}
	var inc apd.Decimal
	for _, y := range []int{firstYear, lastYear} {
		i, _ := reference.IncrementBn(reference.AllCovered, y)
		inc = money.Add(inc, money.Mul(i, billion))
	}
	inc = money.RoundCents(inc)
	return twoYearView{basis: b, goods: &bought, target: target, increase: inc, base2: money.Add(target, neg(inc)), through: through}, true
}

const twoYearH = 200.0

// twoYearViews draws one two-year panel per basis, side by side.
func twoYearViews(b *strings.Builder, x0, y0, width float64, shown []reference.Basis, rep *Report) {
	fmt.Fprintf(b, `<text x="%.0f" y="%.0f" font-size="16" font-weight="bold">Two-year view, 2020–21: purchases against twice the 2017 baseline plus the committed increase ($162.1bn goods; $200bn with services)</text>`+"\n", x0, y0+20)
	if len(shown) == 0 {
		return
	}
	w := width / float64(len(shown))
	for i, basis := range shown {
		px := x0 + float64(i)*w
		v, ok := twoYearOf(rep, basis)
		fmt.Fprintf(b, `<text x="%.1f" y="%.1f" font-size="14" font-weight="bold">%s</text>`+"\n", px, y0+46, esc(BasisTitle(string(basis))))
		if !ok {
			fmt.Fprintf(b, `<text x="%.1f" y="%.1f" font-size="12" fill="#888">no two-year target: no all-covered baseline for this basis</text>`+"\n", px, y0+80)
			continue
		}
		twoYearPanel(b, px, y0+52, w-24, v)
	}
}

func twoYearPanel(b *strings.Builder, x0, y0, w float64, v twoYearView) {
	// Bar labels sit above the bars, so long ones are not cut off.
	bx0, bx1 := x0+10, x0+w-10
	goods := bnFloat(v.goods)
	total := goods
	if v.services != nil {
		total += bnFloat(v.services)
	}
	target, base2 := bnFloat(&v.target), bnFloat(&v.base2)
	maxV := math.Max(total, target)
	step := niceStep(maxV)
	top := math.Ceil(maxV/step) * step
	if top == 0 {
		top = step
	}
	xOf := func(f float64) float64 { return bx0 + (bx1-bx0)*math.Max(f, 0)/top }
	barH := 30.0
	yT, yP := y0+24, y0+76 // target bar, purchases bar
	axisY := y0 + 116
	for f := 0.0; f <= top+step/2; f += step {
		x := xOf(f)
		fmt.Fprintf(b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#e3e3e3"/>`, x, y0+8, x, axisY)
		fmt.Fprintf(b, `<text x="%.1f" y="%.1f" font-size="11" text-anchor="middle" fill="#444">%s</text>`+"\n", x, axisY+15, tickLabel(f, step))
	}
	fmt.Fprintf(b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#888"/>`, bx0, axisY, bx1, axisY)
	fmt.Fprintf(b, `<text x="%.1f" y="%.1f" font-size="11" text-anchor="middle" fill="#444">USD bn, 2020 and 2021 together</text>`+"\n", (bx0+bx1)/2, axisY+30)
	// Commitment: twice 2017, then the increase.
	what := "goods"
	if v.includesServices {
		what = "goods and services"
	}
	fmt.Fprintf(b, `<text x="%.1f" y="%.1f" font-size="12" font-weight="bold">Commitment (%s)</text>`+"\n", bx0, yT-5, what)
	fmt.Fprintf(b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="#d6d6d6"/>`, bx0, yT, xOf(base2)-bx0, barH)
	fmt.Fprintf(b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s" fill-opacity="0.55"/>`, xOf(base2), yT, xOf(target)-xOf(base2), barH, colorTarget)
	fmt.Fprintf(b, `<text x="%.1f" y="%.1f" font-size="11.5">2 × 2017 baseline %s</text>`, bx0+4, yT+barH/2+4, Bn(&v.base2))
	fmt.Fprintf(b, `<text x="%.1f" y="%.1f" font-size="11.5" text-anchor="end">+ %s increase = %s</text>`+"\n", xOf(target)-4, yT+barH/2+4, Bn(&v.increase), Bn(&v.target))
	// Purchases.
	label := "Purchases " + span(v.through)
	if v.complete {
		label = "Purchases 2020–21"
	}
	fmt.Fprintf(b, `<text x="%.1f" y="%.1f" font-size="12" font-weight="bold">%s</text>`+"\n", bx0, yP-5, esc(label))
	fmt.Fprintf(b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"/>`, bx0, yP, xOf(goods)-bx0, barH, colorActual)
	text := "goods " + Bn(v.goods)
	if v.services != nil {
		fmt.Fprintf(b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"/>`, xOf(goods), yP, xOf(total)-xOf(goods), barH, colorMonth)
		text += " + services " + Bn(v.services)
	}
	bought := *v.goods
	if v.services != nil {
		bought = money.Add(bought, *v.services)
	}
	text += " = " + pctText(pct(bought, v.target)) + " of the commitment"
	if !v.complete {
		text += " (so far)"
	}
	fmt.Fprintf(b, `<text x="%.1f" y="%.1f" font-size="11.5">%s</text>`+"\n", math.Min(xOf(total), bx1-320)+6, yP+barH/2+4, esc(text))
	// The 2017 reference: twice the baseline, across both bars.
	fmt.Fprintf(b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" stroke-width="2" stroke-dasharray="2 3"/>`,
		xOf(base2), y0+8, xOf(base2), axisY, color2017)
	fmt.Fprintf(b, `<text x="%.1f" y="%.1f" font-size="10.5" fill="#555">2017 level, twice</text>`+"\n", xOf(base2)+4, y0+12)
}

// findRow returns the row of basis, month m and category c, or nil.
func findRow(rep *Report, basis reference.Basis, m civil.Month, c reference.Category) *schema.Compliance {
	for i := range rep.Rows {
		r := &rep.Rows[i]
		if r.Basis == string(basis) && r.Period == m && r.Category == string(c) {
			return r
		}
	}
	return nil
}

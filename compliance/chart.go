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
// category, the cumulative (year-to-date) purchases against the prorated
// target, in USD billions. The lines restart each January, as the targets
// do.
func WriteSVG(w io.Writer, rep *Report) error {
	width := 2*marginX + panelW*float64(len(chartCategories))
	shown := rep.Requested
	if len(shown) == 0 {
		shown = rep.Bases
	}
	height := headH + float64(len(shown))*(rowHeadH+panelH) + 36 + 15*float64(len(rep.Bases))
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%.0f" height="%.0f" viewBox="0 0 %.0f %.0f" font-family="Helvetica, Arial, sans-serif">`+"\n", width, height, width, height)
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="white"/>`+"\n")
	fmt.Fprintf(&b, `<text x="%.0f" y="30" font-size="20" font-weight="bold">China's purchases of US goods covered by Phase One vs the prorated target</text>`+"\n", marginX)
	fmt.Fprintf(&b, `<text x="%.0f" y="52" font-size="13" fill="#444">Year-to-date, USD billions, through %s · 2017 baseline: %s · target proration: %s (restarts each January)</text>`+"\n",
		marginX, rep.Through, esc(baselineText(rep.Baseline)), esc(rep.Proration))
	// Legend.
	lx, ly := marginX, 76.0
	fmt.Fprintf(&b, `<line x1="%.0f" y1="%.0f" x2="%.0f" y2="%.0f" stroke="%s" stroke-width="2.5"/>`, lx, ly, lx+28, ly, colorActual)
	fmt.Fprintf(&b, `<circle cx="%.0f" cy="%.0f" r="3" fill="%s"/>`, lx+14, ly, colorActual)
	fmt.Fprintf(&b, `<text x="%.0f" y="%.0f" font-size="13">Purchases, year to date</text>`+"\n", lx+36, ly+4)
	lx += 210
	fmt.Fprintf(&b, `<line x1="%.0f" y1="%.0f" x2="%.0f" y2="%.0f" stroke="%s" stroke-width="2.5" stroke-dasharray="7 4"/>`, lx, ly, lx+28, ly, colorTarget)
	fmt.Fprintf(&b, `<text x="%.0f" y="%.0f" font-size="13">Target, year to date (2017 baseline + Phase One increment, prorated)</text>`+"\n", lx+36, ly+4)
	lx += 470
	fmt.Fprintf(&b, `<line x1="%.0f" y1="%.0f" x2="%.0f" y2="%.0f" stroke="%s" stroke-width="2" stroke-dasharray="2 3"/>`, lx, ly, lx+28, ly, color2017)
	fmt.Fprintf(&b, `<text x="%.0f" y="%.0f" font-size="13">Same months of 2017</text>`+"\n", lx+36, ly+4)
	lx += 170
	fmt.Fprintf(&b, `<rect x="%.0f" y="%.0f" width="14" height="10" fill="%s"/>`, lx, ly-6, colorMonth)
	fmt.Fprintf(&b, `<text x="%.0f" y="%.0f" font-size="13">Month's purchases (Jan–Feb combined spans two)</text>`+"\n", lx+20, ly+4)

	for bi, basis := range shown {
		y0 := headH + float64(bi)*(rowHeadH+panelH)
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
			x0 := marginX + float64(ci)*panelW
			panel(&b, x0, y0+rowHeadH, basis, c, series(rep, basis, c), rep)
		}
	}
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

func panel(b *strings.Builder, x0, y0 float64, basis reference.Basis, c reference.Category, pts []point, rep *Report) {
	px0, px1 := x0+plotL, x0+panelW-plotR
	py0, py1 := y0+plotT, y0+panelH-plotB // top, bottom
	fmt.Fprintf(b, `<text x="%.1f" y="%.1f" font-size="14" font-weight="bold">%s</text>`+"\n", px0, y0+16, esc(categoryTitle[c]))
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
	xOf := func(m civil.Month) float64 {
		i := (m.Year-first.Year)*12 + int(m.Month) - 1
		return px0 + (px1-px0)*float64(i)/float64(n-1)
	}
	maxV := 0.0
	hasTarget := false
	for _, p := range pts {
		maxV = math.Max(maxV, p.actual)
		if p.ref2017 != nil {
			maxV = math.Max(maxV, *p.ref2017)
		}
		if p.target != nil {
			maxV = math.Max(maxV, *p.target)
			hasTarget = true
		}
	}
	step := niceStep(maxV)
	top := math.Ceil(maxV/step) * step
	if top == 0 {
		top = step
	}
	yOf := func(v float64) float64 { return py1 - (py1-py0)*v/top }
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
	// Monthly view: a bar per month's own purchases, a combined
	// January–February figure as one bar over both months.
	slot := (px1 - px0) / float64(n-1)
	for _, p := range pts {
		if p.month <= 0 {
			continue
		}
		w := slot * 0.6 * float64(p.covers)
		x := xOf(p.m) - w/2 - slot*float64(p.covers-1)/2
		fmt.Fprintf(b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s: %.2f</title></rect>`,
			x, yOf(p.month), w, py1-yOf(p.month), colorMonth, p.m, p.month)
	}
	b.WriteString("\n")
	// Lines, one segment per year.
	for year := first.Year; year <= last.Year; year++ {
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
	// Latest percentage of target, or why there is no target.
	note := ""
	if len(pts) > 0 {
		lastRow := findRow(rep, basis, pts[len(pts)-1].m, c)
		if lastRow != nil && lastRow.PctOfTargetYTD != nil {
			note = fmt.Sprintf("%s: %.0f%% of target", lastRow.Period, *lastRow.PctOfTargetYTD)
		}
	}
	if !hasTarget && len(pts) > 0 {
		note = "no published baseline: purchases only"
	}
	if note != "" {
		fmt.Fprintf(b, `<text x="%.1f" y="%.1f" font-size="11.5" fill="#222">%s</text>`+"\n", px0, py1+34, esc(note))
	}
	if len(pts) == 0 {
		fmt.Fprintf(b, `<text x="%.1f" y="%.1f" font-size="12" fill="#888" text-anchor="middle">no data</text>`+"\n", (px0+px1)/2, (py0+py1)/2)
	}
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

package compliance

import (
	"bytes"
	"fmt"
	"html/template"
	"io"
	"maps"
	"slices"
)

var pageTmpl = template.Must(template.New("page").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Phase One compliance through {{.Through}}</title>
<style>
body { font-family: Helvetica, Arial, sans-serif; margin: 24px; color: #222; }
h1 { font-size: 22px; } h2 { font-size: 17px; margin-top: 28px; }
table { border-collapse: collapse; font-size: 12.5px; margin-bottom: 12px; }
th, td { padding: 3px 8px; border-bottom: 1px solid #ddd; text-align: right; }
th { background: #f3f3f3; position: sticky; top: 0; }
td.l, th.l { text-align: left; }
tr.all td { font-weight: bold; }
tr.month td { border-top: 2px solid #bbb; }
.notes { color: #555; font-size: 13px; }
.warn { color: #b00020; font-size: 13px; font-weight: bold; }
pre { font-size: 13px; }
svg { max-width: 100%; height: auto; }
</style>
</head>
<body>
<h1>Phase One compliance: China's purchases of covered US goods</h1>
<p>{{.Heading}}. Year-to-date figures run from January of each year; targets are the 2017 baseline plus the
treaty's increment (Art. 6.2.1), prorated through the month. Shortfall is target minus purchases (negative: ahead).</p>
{{.SVG}}
{{range .Headline}}<p class="warn">{{.}}</p>{{end}}
{{range .TwoYear}}<h2>Two-year total</h2><pre>{{.Text}}</pre>{{end}}
{{range .Tables}}
<h2>{{.Title}}</h2>
<p class="{{if .Synthetic}}warn{{else}}notes{{end}}">From {{.From}}</p>
{{if .SoFar}}<p>{{.SoFar}}</p>{{end}}
{{if .Subs}}<table>
<tr><th class="l">Annex 6.1 sub-category</th><th>{{.SubsSpan}}</th></tr>
{{range .Subs}}<tr><td class="l">{{.Name}}</td><td>{{.Value}}</td></tr>
{{end}}</table>{{end}}
<table>
<tr><th class="l">month</th><th class="l">category</th><th>value</th><th>year to date</th><th>2017 baseline</th><th>target</th><th>target ytd</th><th>% of target ytd</th><th>shortfall ytd</th><th>same months 2017</th></tr>
{{range .Rows}}<tr class="{{.Class}}"><td class="l">{{.Month}}</td><td class="l">{{.Category}}</td><td>{{.Value}}</td><td>{{.YTD}}</td><td>{{.Base}}</td><td>{{.Target}}</td><td>{{.TargetYTD}}</td><td>{{.Pct}}</td><td>{{.Short}}</td><td>{{.YTD2017}}</td></tr>
{{end}}</table>
{{end}}
{{if .Notes}}<h2>Notes</h2><ul class="notes">{{range .Notes}}<li>{{.}}</li>{{end}}</ul>{{end}}
<p class="notes">Amounts in USD billions. A month shown as 2020-01..02 is China's combined January–February release.
Data: {{.SourcesLine}}; covered products: Attachment to Annex 6.1 ({{.Definition}} product set);
published baselines: PIIE US–China phase one tracker.</p>
</body>
</html>
`))

type htmlRow struct {
	Class, Month, Category, Value, YTD, Base, Target, TargetYTD, Pct, Short, YTD2017 string
}

type htmlTable struct {
	Title, From, SoFar, SubsSpan string
	Synthetic                    bool
	Subs                         []htmlSub
	Rows                         []htmlRow
}

type htmlSub struct{ Name, Value string }

// WriteHTML writes a one-page report: heading, the chart (WriteSVG), the
// two-year totals when there are any, a table per basis and the notes.
func WriteHTML(w io.Writer, rep *Report) error {
	var svg bytes.Buffer
	if err := WriteSVG(&svg, rep); err != nil {
		return err
	}
	data := struct {
		*Report
		SVG         template.HTML
		Tables      []htmlTable
		SourcesLine string
	}{Report: rep, SVG: template.HTML(svg.String()), SourcesLine: sourcesLine(rep)} // #nosec: WriteSVG escapes every text it draws
	for _, b := range rep.Bases {
		t := htmlTable{Title: BasisTitle(string(b)), From: rep.Provenance(b), Synthetic: rep.Synthetic[b]}
		if bought, target, through, ok := rep.TwoYearSoFar(b); ok {
			t.SoFar = fmt.Sprintf("2020–21 so far (Jan 2020–%s): covered goods %s of the two-year goods target %s (%s); the $200bn increase includes services.",
				through, Bn(&bought), Bn(&target), pctText(pct(bought, target)))
		}
		if m, _ := rep.lastRow(b); !m.IsZero() {
			t.SubsSpan = span(m)
			subs := rep.SubcategoryYTD(b, m)
			for _, k := range slices.Sorted(maps.Keys(subs)) {
				v := subs[k]
				t.Subs = append(t.Subs, htmlSub{Name: k, Value: Bn(&v)})
			}
		}
		prev := ""
		for i := range rep.Rows {
			r := &rep.Rows[i]
			if r.Basis != string(b) {
				continue
			}
			class := ""
			if r.Category == "all_covered" {
				class = "all"
			}
			if r.Period.String() != prev {
				class += " month"
				prev = r.Period.String()
			}
			v, y := r.ValueUSD, r.YTDUSD
			t.Rows = append(t.Rows, htmlRow{
				Class: class, Month: monthLabel(r), Category: r.Category, Value: Bn(&v), YTD: Bn(&y),
				Base: Bn(r.Baseline2017USD), Target: Bn(r.TargetUSD), TargetYTD: Bn(r.TargetYTDUSD),
				Pct: pctText(r.PctOfTargetYTD), Short: Bn(r.ShortfallYTDUSD), YTD2017: Bn(r.YTD2017USD),
			})
		}
		data.Tables = append(data.Tables, t)
	}
	return pageTmpl.Execute(w, data)
}

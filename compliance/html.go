package compliance

import (
	"bytes"
	"html/template"
	"io"
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
pre { font-size: 13px; }
svg { max-width: 100%; height: auto; }
</style>
</head>
<body>
<h1>Phase One compliance: China's purchases of covered US goods</h1>
<p>{{.Heading}}. Year-to-date figures run from January of each year; targets are the 2017 baseline plus the
treaty's increment (Art. 6.2.1), prorated through the month. Shortfall is target minus purchases (negative: ahead).</p>
{{.SVG}}
{{range .TwoYear}}<h2>Two-year total</h2><pre>{{.Text}}</pre>{{end}}
{{range .Tables}}
<h2>{{.Title}}</h2>
<table>
<tr><th class="l">month</th><th class="l">category</th><th>value</th><th>year to date</th><th>2017 baseline</th><th>target</th><th>target ytd</th><th>% of target ytd</th><th>shortfall ytd</th><th>same months 2017</th></tr>
{{range .Rows}}<tr class="{{.Class}}"><td class="l">{{.Month}}</td><td class="l">{{.Category}}</td><td>{{.Value}}</td><td>{{.YTD}}</td><td>{{.Base}}</td><td>{{.Target}}</td><td>{{.TargetYTD}}</td><td>{{.Pct}}</td><td>{{.Short}}</td><td>{{.YTD2017}}</td></tr>
{{end}}</table>
{{end}}
{{if .Notes}}<h2>Notes</h2><ul class="notes">{{range .Notes}}<li>{{.}}</li>{{end}}</ul>{{end}}
<p class="notes">Amounts in USD billions. Data: tradepipe lake (trade_flows); covered products: Attachment to Annex 6.1;
published baselines: PIIE US–China phase one tracker.</p>
</body>
</html>
`))

type htmlRow struct {
	Class, Month, Category, Value, YTD, Base, Target, TargetYTD, Pct, Short, YTD2017 string
}

type htmlTable struct {
	Title string
	Rows  []htmlRow
}

// WriteHTML writes a one-page report: heading, the chart (WriteSVG), the
// two-year totals when there are any, a table per basis and the notes.
func WriteHTML(w io.Writer, rep *Report) error {
	var svg bytes.Buffer
	if err := WriteSVG(&svg, rep); err != nil {
		return err
	}
	data := struct {
		*Report
		SVG    template.HTML
		Tables []htmlTable
	}{Report: rep, SVG: template.HTML(svg.String())} // #nosec: WriteSVG escapes every text it draws
	for _, b := range rep.Bases {
		t := htmlTable{Title: BasisTitle(string(b))}
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
				Class: class, Month: r.Period.String(), Category: r.Category, Value: Bn(&v), YTD: Bn(&y),
				Base: Bn(r.Baseline2017USD), Target: Bn(r.TargetUSD), TargetYTD: Bn(r.TargetYTDUSD),
				Pct: pctText(r.PctOfTargetYTD), Short: Bn(r.ShortfallYTDUSD), YTD2017: Bn(r.YTD2017USD),
			})
		}
		data.Tables = append(data.Tables, t)
	}
	return pageTmpl.Execute(w, data)
}

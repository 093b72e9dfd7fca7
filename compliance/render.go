package compliance

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/cockroachdb/apd/v3"

	"github.com/tradepipe/tradepipe/internal/reference"
	"github.com/tradepipe/tradepipe/internal/schema"
)

// Columns are the compliance dataset's columns, in order; JSON and CSV use
// them as names.
var Columns = []string{
	"basis", "period", "category", "value_usd", "covers_months", "ytd_usd", "baseline_2017_usd", "target_usd",
	"target_ytd_usd", "pct_of_target_ytd", "shortfall_ytd_usd", "ytd_2017_usd", "proration", "baseline_source",
}

// cells are a row's values as text, in Columns order; "" is null. Money is
// the exact decimal in USD with two places.
func cells(r *schema.Compliance) []string {
	opt := func(d *apd.Decimal) string {
		if d == nil {
			return ""
		}
		return d.Text('f')
	}
	p := ""
	if r.PctOfTargetYTD != nil {
		p = strconv.FormatFloat(*r.PctOfTargetYTD, 'f', -1, 64)
	}
	return []string{
		r.Basis, r.Period.First().String(), r.Category, r.ValueUSD.Text('f'), strconv.Itoa(max(r.CoversMonths, 1)), r.YTDUSD.Text('f'),
		opt(r.Baseline2017USD), opt(r.TargetUSD), opt(r.TargetYTDUSD), p, opt(r.ShortfallYTDUSD),
		opt(r.YTD2017USD), r.Proration, r.BaselineSource,
	}
}

// WriteJSON writes the rows as a JSON array of objects named by Columns:
// money as decimal strings, the percentage as a number, nulls as null.
func WriteJSON(w io.Writer, rep *Report) error {
	out := make([]map[string]any, 0, len(rep.Rows))
	for i := range rep.Rows {
		r := &rep.Rows[i]
		obj := map[string]any{}
		for k, c := range cells(r) {
			switch {
			case c == "" && Columns[k] != "basis":
				obj[Columns[k]] = nil
			case Columns[k] == "pct_of_target_ytd":
				obj[Columns[k]] = *r.PctOfTargetYTD
			case Columns[k] == "covers_months":
				obj[Columns[k]] = max(r.CoversMonths, 1)
			default:
				obj[Columns[k]] = c
			}
		}
		out = append(out, obj)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// WriteCSV writes a header of Columns and one record per row; nulls are
// empty cells.
func WriteCSV(w io.Writer, rep *Report) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(Columns); err != nil {
		return err
	}
	for i := range rep.Rows {
		if err := cw.Write(cells(&rep.Rows[i])); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// Bn formats a USD amount in billions with two decimals; "–" for nil.
func Bn(d *apd.Decimal) string {
	if d == nil {
		return "–"
	}
	var q apd.Decimal
	c := apd.BaseContext.WithPrecision(34)
	c.Rounding = apd.RoundHalfUp
	if _, err := c.Quo(&q, d, &billion); err != nil {
		return "?"
	}
	if _, err := c.Quantize(&q, &q, -2); err != nil {
		return "?"
	}
	return q.Text('f')
}

func pctText(p *float64) string {
	if p == nil {
		return "–"
	}
	return strconv.FormatFloat(*p, 'f', 1, 64) + "%"
}

// BasisTitle names a basis for people.
func BasisTitle(b string) string {
	switch reference.Basis(b) {
	case reference.USExports:
		return "US exports to China (Census, f.a.s.)"
	case reference.CNImports:
		return "China imports from the US (GACC, c.i.f.)"
	}
	return b
}

// Heading is the report's one-line description.
func (rep *Report) Heading() string {
	return fmt.Sprintf("Phase One compliance through %s: baseline %s, %s product set, proration %s; USD billions",
		rep.Through, rep.Baseline, rep.Definition, rep.Proration)
}

// WriteTable writes the report for a terminal: per basis, one line per
// month and category, amounts in USD billions; then the two-year totals
// and the notes.
func WriteTable(w io.Writer, rep *Report) error {
	fmt.Fprintln(w, rep.Heading())
	for _, h := range rep.Headline {
		fmt.Fprintf(w, "NOTE %s\n", h)
	}
	for _, b := range rep.Bases {
		fmt.Fprintf(w, "\n%s\n", BasisTitle(string(b)))
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "month\tcategory\tvalue\tytd\tbase 2017\ttarget\ttarget ytd\t% of target\tshortfall\tytd 2017\t")
		for i := range rep.Rows {
			r := &rep.Rows[i]
			if r.Basis != string(b) {
				continue
			}
			v, y := r.ValueUSD, r.YTDUSD
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", monthLabel(r), r.Category, Bn(&v), Bn(&y),
				Bn(r.Baseline2017USD), Bn(r.TargetUSD), Bn(r.TargetYTDUSD), pctText(r.PctOfTargetYTD),
				Bn(r.ShortfallYTDUSD), Bn(r.YTD2017USD))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	for _, ty := range rep.TwoYear {
		fmt.Fprintf(w, "\n%s", ty.Text())
	}
	if len(rep.Notes) > 0 {
		fmt.Fprintln(w, "\nnotes:")
		for _, n := range rep.Notes {
			fmt.Fprintf(w, "  %s\n", n)
		}
	}
	return nil
}

// monthLabel is the row's month, marked when its figure is China's
// combined January–February release ("2020-01..02").
func monthLabel(r *schema.Compliance) string {
	if r.CoversMonths > 1 {
		return fmt.Sprintf("%s..%02d", r.Period.AddMonths(1-r.CoversMonths), int(r.Period.Month))
	}
	return r.Period.String()
}

// Text describes the two-year result in a few lines.
func (ty TwoYear) Text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s, 2020–2021 total:\n", BasisTitle(string(ty.Basis)))
	fmt.Fprintf(&b, "  covered goods %s of %s target\n", Bn(&ty.GoodsUSD), Bn(&ty.GoodsTargetUSD))
	if ty.IncludesServices {
		fmt.Fprintf(&b, "  services      %s of %s target\n", Bn(ty.ServicesUSD), Bn(ty.ServicesTargetUSD))
	}
	fmt.Fprintf(&b, "  total         %s of %s target (%.1f%%)\n", Bn(&ty.TotalUSD), Bn(&ty.TotalTargetUSD), ty.PctOfTarget)
	what := "goods only; the $200bn includes services"
	if ty.IncludesServices {
		what = "goods and services"
	}
	fmt.Fprintf(&b, "  increase over twice 2017: %s of the committed %s (%s)\n", Bn(&ty.IncreaseUSD), Bn(&ty.CommittedIncrease), what)
	return b.String()
}

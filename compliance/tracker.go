package compliance

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/tradepipe/tradepipe/internal/civil"
	"github.com/tradepipe/tradepipe/internal/reference"
	"github.com/tradepipe/tradepipe/internal/schema"
)

// span names January through m for people: "Jan–Apr 2020".
func span(m civil.Month) string {
	if m.Month == time.January {
		return "Jan " + fmt.Sprint(m.Year)
	}
	return fmt.Sprintf("Jan–%s %d", m.Month.String()[:3], m.Year)
}

// lastRow is the newest month of basis b at or before through that has
// rows, and its rows by category.
func (rep *Report) lastRow(b reference.Basis) (civil.Month, map[string]*schema.Compliance) {
	var last civil.Month
	for i := range rep.Rows {
		r := &rep.Rows[i]
		if r.Basis == string(b) && r.Category != string(reference.Services) && last.Before(r.Period) {
			last = r.Period
		}
	}
	out := map[string]*schema.Compliance{}
	for i := range rep.Rows {
		r := &rep.Rows[i]
		if r.Basis == string(b) && r.Period == last {
			out[r.Category] = r
		}
	}
	return last, out
}

// WriteTracker writes the short tracker a run prints: per basis, January
// through its latest month, each category against its prorated target, the
// same months of 2017, PIIE's published figure where the tables carry one
// for the same method, where the figures come from, and the Annex
// sub-categories that make up the covered total.
func WriteTracker(w io.Writer, rep *Report) error {
	fmt.Fprintf(w, "Phase One tracker (baseline %s, %s product set, proration %s; USD billions)\n", rep.Baseline, rep.Definition, rep.Proration)
	for _, h := range rep.Headline {
		fmt.Fprintf(w, "NOTE %s\n", h)
	}
	for _, b := range rep.Bases {
		m, rows := rep.lastRow(b)
		if m.IsZero() {
			continue
		}
		fmt.Fprintf(w, "\n%s, %s\n  from: %s\n", BasisTitle(string(b)), span(m), rep.Provenance(b))
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintf(tw, "  category\tpurchases\ttarget\t%% of target\tsame months 2017\t2017 baseline\t\n")
		for _, c := range []reference.Category{reference.Manufactured, reference.Agriculture, reference.Energy, reference.AllCovered, reference.Uncovered, reference.Ambiguous} {
			r := rows[string(c)]
			if r == nil {
				continue
			}
			y := r.YTDUSD
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\t%s\t\n", c, Bn(&y), Bn(r.TargetYTDUSD), pctText(r.PctOfTargetYTD), Bn(r.YTD2017USD), Bn(r.Baseline2017USD))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		if rep.Proration == ProrationLinear {
			def := BaselinePIIEOriginal
			if rep.Definition == reference.Revised {
				def = BaselinePIIERevised
			}
			if tr, ok := reference.PublishedTracker(b, def, m.String()); ok {
				fmt.Fprintf(w, "  PIIE published: %s of %s; %s\n", tr.YTDBn.Text('f'), tr.TargetYTDBn.Text('f'), tr.Source)
			}
		}
		if bought, target, through, ok := rep.TwoYearSoFar(b); ok {
			fmt.Fprintf(w, "  2020–21 so far (Jan 2020–%s): %s of the two-year goods target %s (%s); the $200bn increase includes services\n",
				through, Bn(&bought), Bn(&target), pctText(pct(bought, target)))
		}
		subs := rep.SubcategoryYTD(b, m)
		names := slices.SortedFunc(func(yield func(string) bool) {
			for k := range subs {
				if !yield(k) {
					return
				}
			}
		}, func(a, c string) int {
			va, vc := subs[a], subs[c]
			if d := vc.Cmp(&va); d != 0 {
				return d
			}
			return strings.Compare(a, c)
		})
		var parts []string
		for i, k := range names {
			v := subs[k]
			if v.IsZero() || i == 8 {
				if i == 8 {
					parts = append(parts, fmt.Sprintf("%d more", len(names)-8))
				}
				break
			}
			parts = append(parts, fmt.Sprintf("%s %s", k, Bn(&v)))
		}
		if len(parts) > 0 {
			fmt.Fprintf(w, "  by Annex sub-category: %s\n", strings.Join(parts, "; "))
		}
	}
	return nil
}

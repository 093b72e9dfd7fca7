package gacc

import (
	"context"
	"fmt"
	"strings"

	"github.com/cockroachdb/apd/v3"

	"github.com/tradepipe/tradepipe/internal/money"
	"github.com/tradepipe/tradepipe/sources"
)

// isRegimeTable reports a table whose rows are customs regimes (GACC's
// table (5), "Imports and Exports by Customs Regime"), by the first
// header cell.
func isRegimeTable(header [][]string) bool {
	for _, row := range header {
		switch normName(cell(row, 0)) {
		case "customsregime", "customsregimes", "tradingmode", "trademode", "贸易方式":
			return true
		}
	}
	return false
}

// readRegimeTable reads a customs-regime table: China's trade with the
// world by regime, no partner. trade_totals holds partner rows, so nothing
// is stored; the table is still read cell by cell, so a page in this layout
// is checked (period, unit, columns, YoY rows, values), and the regimes are
// summed against the TOTAL row. It counts regime_rows and warns what it
// found; a value that does not read is an error naming row and column.
func readRegimeTable(ctx context.Context, r *sources.Release, e sources.Emitter, g [][]string, start int, cols []releaseCols, mult apd.Decimal, per period) error {
	type sums struct{ total, regimes apd.Decimal }
	got := map[string]*sums{}
	haveTotal := false
	prevLabel := ""
	n := 0
	for i := start; i < len(g); i++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		row := g[i]
		label := cell(row, 0)
		if nonEmpty(row) == 0 {
			continue
		}
		if isYoYRow(row, label, prevLabel) {
			e.Count("yoy_rows_skipped", 1)
			continue
		}
		prevLabel = label
		isTotal := aggregates[normName(label)]
		for _, c := range cols {
			for _, j := range []int{c.month, c.ytd} {
				if j < 0 {
					continue
				}
				v, _, err := releaseAmount(cell(row, j), mult)
				if err != nil {
					return sources.Permanent(fmt.Errorf("parse %s: customs-regime table row %d (%q) column %d: %v", r.URI, i+1, label, j+1, err))
				}
				if j != c.month {
					continue
				}
				s := got[c.flow]
				if s == nil {
					s = &sums{}
					got[c.flow] = s
				}
				if isTotal {
					s.total = money.Add(s.total, v)
				} else {
					s.regimes = money.Add(s.regimes, v)
				}
			}
		}
		if isTotal {
			haveTotal = true
		} else {
			n++
		}
	}
	e.Count("regime_rows", int64(n))
	var checks []string
	for _, c := range cols {
		s := got[c.flow]
		if s == nil || !haveTotal {
			continue
		}
		var d apd.Decimal
		if _, err := apd.BaseContext.Sub(&d, &s.regimes, &s.total); err != nil {
			return err
		}
		checks = append(checks, fmt.Sprintf("%s %s, regimes minus TOTAL %s USD (GACC rounds each cell to US$1,000)", c.flow, per, d.Text('f')))
	}
	e.Warn(fmt.Sprintf("%s: customs-regime table (China with the world, %d regimes, no partner): read and checked, not stored (trade_totals holds partner rows); %s",
		r.Name, n, strings.Join(checks, "; ")))
	return nil
}

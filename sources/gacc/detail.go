package gacc

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/cockroachdb/apd/v3"

	"github.com/tradepipe/tradepipe/internal/money"
	"github.com/tradepipe/tradepipe/internal/schema"
	"github.com/tradepipe/tradepipe/sources"
)

// headerScan is how many leading rows may precede the header (a title, a
// query description, a blank line).
const headerScan = 20

// table is a detail table as rows of cells, from CSV, xlsx or HTML.
type table struct {
	sheet string // xlsx sheet name; empty for CSV and HTML
	rows  [][]string
}

// findHeader returns the index of the header row and its layout.
func findHeader(t table) (int, layout, error) {
	var best []string
	for i := 0; i < len(t.rows) && i < headerScan; i++ {
		l, ok, missing := matchHeader(t.rows[i])
		if ok {
			return i, l, nil
		}
		if slices.Contains(missing, columns[fValueUSD].name) && len(missing) == 1 {
			for _, c := range t.rows[i] {
				if rmbHeaderRE.MatchString(c) {
					// A download valued in yuan: converting needs a monthly
					// rate table, which tradepipe does not take yet.
					return 0, layout{}, fmt.Errorf("row %d: values are in 人民币 (RMB, column %q), not US dollars; download the table in 美元 (US dollars)", i+1, strings.TrimSpace(c))
				}
			}
		}
		if best == nil || len(missing) < len(best) {
			if nonEmpty(t.rows[i]) > 0 {
				best = missing
			}
		}
	}
	if len(t.rows) == 0 {
		return 0, layout{}, fmt.Errorf("no rows")
	}
	return 0, layout{}, fmt.Errorf("no header row with the detail table's columns in the first %d rows (closest lacks %s; first row: %s)",
		headerScan, strings.Join(best, ", "), describeHeader(t.rows[0]))
}

var rmbHeaderRE = regexp.MustCompile(`(?i)人民币|^\s*(rmb|cny|yuan)\b|\brmb\b|元\s*$`)

func nonEmpty(row []string) int {
	n := 0
	for _, c := range row {
		if strings.TrimSpace(c) != "" {
			n++
		}
	}
	return n
}

// parsed is one data row's outcome: exactly one of flow and rej is set.
type parsed struct {
	row  int64 // 1-based row number in the input
	flow *schema.TradeFlow
	rej  *schema.Rejected
}

// parseDetail emits a detail table's rows as trade_flows.
func (s *Source) parseDetail(ctx context.Context, r *sources.Release, e sources.Emitter, t table) error {
	h, l, err := findHeader(t)
	if err != nil {
		return sources.Permanent(fmt.Errorf("parse %s%s: %w", r.URI, sheetNote(t.sheet), err))
	}
	if l[fValueUSD] < 0 && len(s.opts.RMBPerUSD) == 0 {
		return sources.Permanent(fmt.Errorf("parse %s%s: values are in 人民币 (RMB, column %q), not US dollars; download the table in 美元, or give the job a monthly rate table (rmb_per_usd)",
			r.URI, sheetNote(t.sheet), strings.TrimSpace(cell(t.rows[h], l[fValueRMB]))))
	}
	if l[fValueUSD] < 0 {
		e.Count("converted_from_rmb", 1)
	}
	width := 0
	for _, i := range l {
		width = max(width, i+1)
	}
	var out []parsed
	for i := h + 1; i < len(t.rows); i++ {
		if i%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		row := t.rows[i]
		if nonEmpty(row) == 0 {
			continue
		}
		if isTotalRow(row, l) {
			e.Count("total_rows_skipped", 1)
			continue
		}
		f, rej := s.detailRow(r, row, l, width)
		out = append(out, parsed{row: int64(i + 1), flow: f, rej: rej})
	}
	resolveOverlaps(out)
	rejectDuplicates(out, t.rows, l)
	for _, p := range out {
		if p.rej != nil {
			rej := p.rej
			rej.Dataset = schema.DatasetTradeFlows
			rej.Sheet = t.sheet
			rej.Row = p.row
			rej.RawCells = append([]string(nil), t.rows[p.row-1]...)
			rej.Source = Name
			rej.ReleaseID = r.ReleaseID
			rej.SourceURI = r.URI
			rej.SHA256 = r.SHA256
			if !rej.Period.IsZero() && rej.Target.Path == "" {
				rej.Target = schema.TradeFlowPartition(Name, s.flowOf(t.rows[p.row-1], l), rej.Period)
			}
			if err := e.Reject(rej); err != nil {
				return err
			}
			continue
		}
		if p.flow.CoversMonths == 2 {
			e.Count("combined_jan_feb_rows", 1)
		}
		if err := e.TradeFlow(p.flow); err != nil {
			return err
		}
	}
	return nil
}

func sheetNote(sheet string) string {
	if sheet == "" {
		return ""
	}
	return fmt.Sprintf(" sheet %q", sheet)
}

// isTotalRow reports a summary row (总计, 合计, Total) that a download may
// append; it is not a commodity.
func isTotalRow(row []string, l layout) bool {
	for _, f := range []field{fHSCode, fPeriod, fDescription} {
		if i := l[f]; i >= 0 && i < len(row) {
			switch normHeader(row[i]) {
			case "总计", "合计", "总值", "total", "grand total", "sum":
				return true
			}
		}
	}
	return false
}

func cell(row []string, i int) string {
	if i < 0 || i >= len(row) {
		return ""
	}
	return strings.TrimSpace(row[i])
}

// flowOf is the row's flow: its flow cell when the table has one, else the
// source's configured flow.
func (s *Source) flowOf(row []string, l layout) string {
	if f, ok := parseFlow(cell(row, l[fFlow])); ok {
		return f
	}
	return s.opts.Flow
}

func parseFlow(s string) (string, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "进口", "import", "imports", "i", "m":
		return "import", true
	case "出口", "export", "exports", "e", "x":
		return "export", true
	}
	return "", false
}

// detailRow normalises one data row; exactly one result is non-nil.
func (s *Source) detailRow(r *sources.Release, row []string, l layout, width int) (*schema.TradeFlow, *schema.Rejected) {
	if len(row) < width {
		// Trailing empty cells are often cut off; only a row that lacks
		// a required cell is short.
		for f, c := range columns {
			if c.required && l[f] >= len(row) {
				return nil, &schema.Rejected{ReasonCode: schema.ReasonShortRow, Reason: fmt.Sprintf("row has %d cells, the header has %d", len(row), width)}
			}
		}
	}
	p, err := parsePeriod(cell(row, l[fPeriod]))
	if err != nil {
		return nil, &schema.Rejected{ReasonCode: schema.ReasonBadDate, Field: columns[fPeriod].name, Reason: err.Error()}
	}
	bad := func(code string, f field, format string, args ...any) (*schema.TradeFlow, *schema.Rejected) {
		return nil, &schema.Rejected{Period: p.End, ReasonCode: code, Field: columns[f].name, Reason: fmt.Sprintf(format, args...)}
	}
	if !r.Month.IsZero() && p.End != r.Month {
		return bad(schema.ReasonWrongPeriod, fPeriod, "row is for %s, the release was fetched for %s", p, r.Month)
	}
	flow := s.opts.Flow
	if l[fFlow] >= 0 {
		v := cell(row, l[fFlow])
		f, ok := parseFlow(v)
		if !ok {
			return bad(schema.ReasonMissingField, fFlow, "flow %q is not 进口/出口 or import/export", v)
		}
		flow = f
	}
	hs, ok := hsCode(cell(row, l[fHSCode]))
	if !ok {
		return bad(schema.ReasonBadHSCode, fHSCode, "commodity code %q is not a 2, 4, 6 or 8 digit HS code", cell(row, l[fHSCode]))
	}
	pc, pn := cell(row, l[fPartnerCode]), cell(row, l[fPartnerName])
	partner, ok := lookupPartner(pc, pn)
	if !ok {
		return bad(schema.ReasonBadCountry, partnerField(l), "trading partner code %q / name %q is not in the embedded GACC partner table", pc, pn)
	}
	if partner.iso2 == "CN" {
		return bad(schema.ReasonBadCountry, partnerField(l), "trading partner is China itself")
	}
	valueField := fValueUSD
	if l[fValueUSD] < 0 {
		valueField = fValueRMB
	}
	raw := cell(row, l[valueField])
	if raw == "" || raw == "-" {
		return bad(schema.ReasonMissingField, valueField, "no value")
	}
	value, err := parseAmount(raw)
	if err != nil || value.Negative {
		return bad(schema.ReasonBadValue, valueField, "value %q is not a non-negative amount", raw)
	}
	if valueField == fValueRMB {
		rate, ok := s.opts.RMBPerUSD[p.End]
		if !ok {
			return bad(schema.ReasonBadValue, fValueRMB, "no RMB per USD rate for %s in rmb_per_usd", p.End)
		}
		var usd apd.Decimal
		if _, err := apd.BaseContext.WithPrecision(34).Quo(&usd, &value, &rate); err != nil {
			return bad(schema.ReasonBadValue, fValueRMB, "convert %q at %s: %v", raw, rate.Text('f'), err)
		}
		value = money.RoundCents(usd)
	}
	if _, err := money.Cents(value); err != nil {
		return bad(schema.ReasonBadValue, fValueUSD, "US dollar value %q: %v", raw, err)
	}
	f := &schema.TradeFlow{
		Period:       p.End,
		Reporter:     "CN",
		Partner:      partner.iso2,
		Flow:         flow,
		HSCode:       hs,
		Description:  cell(row, l[fDescription]),
		ValueUSD:     value,
		Valuation:    valuation(flow),
		CoversMonths: p.Covers,
		Source:       Name,
		ReleaseID:    r.ReleaseID,
		SourceURI:    r.URI,
		SourceSHA256: r.SHA256,
	}
	// One quantity column in the lake: the first quantity and unit. The
	// second quantity (often kilograms) is not kept.
	if u := cell(row, l[fUnit1]); u != "" && u != "-" {
		f.QuantityUnit = unitCode(u)
	}
	if q := cell(row, l[fQuantity1]); q != "" && q != "-" {
		if n, err := strconv.ParseFloat(strings.ReplaceAll(q, ",", ""), 64); err == nil && n >= 0 {
			f.Quantity = &n
		}
		// A quantity that is not a number loses only the quantity, never
		// the row's value.
	}
	if l[fRegime] >= 0 {
		f.CustomsRegime = strings.TrimSpace(cell(row, l[fRegime]))
	}
	if l[fRegistered] >= 0 {
		f.RegisteredPlace = strings.TrimSpace(cell(row, l[fRegistered]))
	}
	return f, nil
}

func partnerField(l layout) field {
	if l[fPartnerCode] >= 0 {
		return fPartnerCode
	}
	return fPartnerName
}

func valuation(flow string) string {
	if flow == "export" {
		return "FOB"
	}
	return "CIF"
}

// parseAmount reads a published amount: thousands separators allowed.
func parseAmount(s string) (apd.Decimal, error) {
	s = strings.ReplaceAll(strings.TrimSpace(s), ",", "")
	return money.Parse(s)
}

// hsCode returns the digits of a commodity code. GACC codes have an even
// number of digits (2, 4, 6, 8); a code with one digit fewer lost its
// leading zero in a spreadsheet and gets it back.
func hsCode(s string) (string, bool) {
	s = strings.TrimSuffix(strings.TrimSpace(s), ".0")
	s = strings.ReplaceAll(s, ".", "") // "1201.9000" as printed in tariff books
	if s == "" || len(s) > 8 {
		return "", false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return "", false
		}
	}
	if len(s)%2 == 1 {
		s = "0" + s
	}
	return s, true
}

// units maps GACC's Chinese units of quantity to short English codes;
// others are kept as published.
var units = map[string]string{
	"千克": "KG", "公斤": "KG", "吨": "T", "克": "G",
	"个": "NO", "台": "NO", "辆": "NO", "架": "NO", "件": "NO", "只": "NO", "套": "NO", "艘": "NO", "头": "NO",
	"升": "L", "立方米": "M3", "平方米": "M2", "米": "M", "千瓦时": "KWH", "对": "PR", "双": "PR",
}

func unitCode(u string) string {
	if c, ok := units[u]; ok {
		return c
	}
	return u
}

// rejectDuplicates quarantines (duplicate_key) every row whose key, the
// period, flow, partner and code, plus customs regime and registered place
// when the table has them, was already read from an earlier row of the same
// input: a repeated line would otherwise double its value, and choosing
// one would be a guess. The first row stays.
func rejectDuplicates(rows []parsed, cells [][]string, l layout) {
	type key struct {
		period              string
		covers              int
		flow, partner, code string
		regime, registered  string
	}
	first := map[key]int64{}
	for i, p := range rows {
		f := p.flow
		if f == nil {
			continue
		}
		raw := cells[p.row-1]
		k := key{f.Period.String(), f.CoversMonths, f.Flow, f.Partner, f.HSCode, "", ""}
		if l[fRegime] >= 0 {
			k.regime = strings.TrimSpace(cell(raw, l[fRegime]))
		}
		if l[fRegistered] >= 0 {
			k.registered = strings.TrimSpace(cell(raw, l[fRegistered]))
		}
		if at, dup := first[k]; dup {
			rows[i] = parsed{row: p.row, rej: &schema.Rejected{
				Period: f.Period, Target: f.Partition(), ReasonCode: schema.ReasonDuplicateKey, Field: columns[fHSCode].name,
				Reason: fmt.Sprintf("%s %s %s %s repeats row %d; not summed", f.Period, f.Flow, f.Partner, f.HSCode, at),
			}}
			continue
		}
		first[k] = p.row
	}
}

// resolveOverlaps keeps a combined January–February figure from being
// counted twice: when the same file also has a single-month January or
// February row for the same flow, partner and code, the single-month row is
// rejected (wrong_period) and the combined one kept.
func resolveOverlaps(rows []parsed) {
	type key struct {
		year                int
		flow, partner, code string
	}
	combinedAt := map[key]int64{}
	for _, p := range rows {
		if f := p.flow; f != nil && f.CoversMonths == 2 {
			combinedAt[key{f.Period.Year, f.Flow, f.Partner, f.HSCode}] = p.row
		}
	}
	if len(combinedAt) == 0 {
		return
	}
	for i, p := range rows {
		f := p.flow
		if f == nil || f.CoversMonths == 2 || f.Period.Month > 2 {
			continue
		}
		if at, ok := combinedAt[key{f.Period.Year, f.Flow, f.Partner, f.HSCode}]; ok {
			rows[i] = parsed{row: p.row, rej: &schema.Rejected{
				Period: f.Period, Target: f.Partition(), ReasonCode: schema.ReasonWrongPeriod, Field: columns[fPeriod].name,
				Reason: fmt.Sprintf("%s is also covered by the combined January–February figure in row %d; the combined figure is kept", f.Period, at),
			}}
		}
	}
}

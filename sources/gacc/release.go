package gacc

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/cockroachdb/apd/v3"

	"github.com/tradepipe/tradepipe/internal/civil"
	"github.com/tradepipe/tradepipe/internal/money"
	"github.com/tradepipe/tradepipe/internal/schema"
	"github.com/tradepipe/tradepipe/sources"
)

// releaseCols are the value columns of a release table for one flow.
type releaseCols struct {
	flow       string
	month, ytd int // -1 when absent
}

var (
	// "Unit: US$1,000", "US$ 1,000", "USD 1,000", "in thousand US dollars", "千美元"
	unitThousandRE = regexp.MustCompile(`(?i)(us\$|usd|美元)\s*1,?000\b|thousands?\s+(of\s+)?(us\s+dollars|usd|us\$)|千美元`)
	unitMillionRE  = regexp.MustCompile(`(?i)(us\$|usd)\s*(1\s*)?(million|mn|mln)\b|millions?\s+(of\s+)?(us\s+dollars|usd|us\$)|百万美元`)
	unitTenThouRE  = regexp.MustCompile(`万美元`)
	unitRMBRE      = regexp.MustCompile(`(?i)\b(rmb|cny|yuan)\b|万元|亿元|人民币`)

	releaseDateRE = regexp.MustCompile(`(?i)(?:release\s*date|released(?:\s+on)?|date\s+of\s+release|publication\s+date|published(?:\s+on)?|发布时间|发布日期)\s*[:：]?\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})`)
	metaDateRE    = regexp.MustCompile(`^(\d{4})-(\d{1,2})-(\d{1,2})`)
	ytdRE         = regexp.MustCompile(`(?i)ytd|year[- ]to[- ]date|cumulative|accumulat|\b1\s*(?:to|-|–|~)\s*\d{1,2}\b|\bjan(?:uary)?\.?\s*(?:to|-|–)|累计|1\s*至\s*\d{1,2}`)
	yoyRE         = regexp.MustCompile(`(?i)yoy|y-o-y|year[- ]on[- ]year|change|growth|%|同比|增减|增长`)
)

// aggregates are release rows that are not one partner.
var aggregates = map[string]bool{
	"total": true, "grandtotal": true, "总值": true, "总计": true, "合计": true,
	"asia": true, "africa": true, "europe": true, "latinamerica": true, "northamerica": true, "oceania": true,
	"asean": true, "europeanunion": true, "eu": true, "apec": true, "beltandroad": true, "rcep": true,
	"亚洲": true, "非洲": true, "欧洲": true, "拉丁美洲": true, "北美洲": true, "大洋洲": true, "东盟": true, "欧盟": true,
	"countryregion": true, "countryterritory": true, "国别地区": true,
}

// parseRelease emits a monthly release table's country rows as
// trade_totals.
func (s *Source) parseRelease(ctx context.Context, r *sources.Release, e sources.Emitter, pg *page, g [][]string) error {
	fail := func(format string, args ...any) error {
		return sources.Permanent(fmt.Errorf("parse %s: release table: %s", r.URI, fmt.Sprintf(format, args...)))
	}
	per, err := pagePeriod(pg, g)
	if err != nil {
		return fail("%v", err)
	}
	mult, assumed, err := pageUnit(pg, g)
	if err != nil {
		return fail("%v", err)
	}
	if assumed {
		e.Count("unit_assumed_usd_1000", 1)
		e.Warn(fmt.Sprintf("%s: no unit line; read as US$1,000, the unit of every GACC English monthly table (whole numbers, \"Figures in shaded areas\" note)", r.Name))
	}
	if d, ok := releaseDate(pg); ok {
		// GACC dated the page: that date names the vintage.
		r.ReleaseID = sources.ReleaseID(d.In(), r.SHA256)
	}
	start := dataStart(g)
	if start < 0 {
		return fail("no row names a partner or a total (first column: %s)", firstColumn(g))
	}
	cols, err := releaseColumns(g[:start], per)
	if err != nil {
		return fail("%v", err)
	}
	if !r.Month.IsZero() && r.Month != per.End && !(per.Covers == 2 && r.Month == per.End.AddMonths(-1)) {
		e.Warn(fmt.Sprintf("%s: fetched for %s, the page is for %s; rows go to %s", r.Name, r.Month, per, per.End))
	}
	if per.Covers == 2 {
		e.Warn(fmt.Sprintf("%s: combined January–February %d release; totals are at February with covers_months=2", r.Name, per.End.Year))
	}
	if isRegimeTable(g[:start]) {
		return readRegimeTable(ctx, r, e, g, start, cols, mult, per)
	}
	seen := map[string]int{} // partner → row it was first read from
	prevLabel := ""
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
		if aggregates[normName(label)] || isUnitLine(label) {
			e.Count("aggregate_rows_skipped", 1)
			continue
		}
		p, ok := lookupPartner("", label)
		reject := func(code, fieldName, reason, flow string) error {
			return e.Reject(&schema.Rejected{
				Dataset: schema.DatasetTradeTotals, Target: schema.TradeTotalPartition(Name, flow, per.End), Period: per.End,
				ReasonCode: code, Field: fieldName, Reason: reason, Row: int64(i + 1),
				RawCells: append([]string(nil), row...), Source: Name, ReleaseID: r.ReleaseID, SourceURI: r.URI, SHA256: r.SHA256,
			})
		}
		if !ok {
			if err := reject(schema.ReasonBadCountry, "country", fmt.Sprintf("country/region %q is not in the embedded GACC partner table", label), cols[0].flow); err != nil {
				return err
			}
			continue
		}
		if first, dup := seen[p.iso2]; dup {
			// Summing would double the partner; keeping either row would
			// be a guess.
			for _, c := range cols {
				if err := reject(schema.ReasonDuplicateKey, "country", fmt.Sprintf("%s (%s) listed again; first at row %d", label, p.iso2, first), c.flow); err != nil {
					return err
				}
			}
			continue
		}
		seen[p.iso2] = i + 1
		for _, c := range cols {
			raw := cell(row, c.month)
			v, nilOK, err := releaseAmount(raw, mult)
			if err != nil {
				if err := reject(schema.ReasonBadValue, c.flow+"_month", fmt.Sprintf("%s value %q: %v", c.flow, raw, err), c.flow); err != nil {
					return err
				}
				continue
			}
			if nilOK {
				e.Count("nil_values", 1)
			}
			t := &schema.TradeTotal{
				Period: per.End, Reporter: "CN", Partner: p.iso2, Flow: c.flow, ValueUSD: v,
				CoversMonths: per.Covers, Source: Name, ReleaseID: r.ReleaseID, SourceURI: r.URI, SourceSHA256: r.SHA256,
			}
			if c.ytd >= 0 {
				rawY := cell(row, c.ytd)
				if rawY != "" {
					y, _, err := releaseAmount(rawY, mult)
					if err != nil {
						if err := reject(schema.ReasonBadValue, c.flow+"_ytd", fmt.Sprintf("%s year-to-date value %q: %v", c.flow, rawY, err), c.flow); err != nil {
							return err
						}
						continue
					}
					t.YTDValueUSD = &y
					if per.Covers == 2 && y.Cmp(&v) != 0 {
						e.Warn(fmt.Sprintf("%s: %s %s: January–February value %s differs from its year-to-date %s", r.Name, label, c.flow, v.String(), y.String()))
					}
				}
			}
			if err := e.TradeTotal(t); err != nil {
				return err
			}
		}
	}
	return nil
}

// releaseAmount converts a release cell in the table's unit to dollars,
// exactly. "-" is nil (no trade) and reads as zero.
func releaseAmount(raw string, mult apd.Decimal) (apd.Decimal, bool, error) {
	switch raw {
	case "":
		return apd.Decimal{}, false, fmt.Errorf("empty cell")
	case "-", "–", "—", "－":
		return apd.Decimal{}, true, nil
	}
	v, err := parseAmount(raw)
	if err != nil {
		return apd.Decimal{}, false, err
	}
	if v.Negative {
		return apd.Decimal{}, false, fmt.Errorf("negative")
	}
	d := money.Mul(v, mult)
	if _, err := money.Cents(d); err != nil {
		return apd.Decimal{}, false, err
	}
	return d, false, nil
}

// isYoYRow reports the year-on-year row under a value row: no label, a
// YoY label, the value row's label repeated by a rowspan, or percentages.
func isYoYRow(row []string, label, prevLabel string) bool {
	if label == "" || (prevLabel != "" && label == prevLabel) {
		return true
	}
	if yoyRE.MatchString(label) && !aggregates[normName(label)] {
		if _, ok := lookupPartner("", label); !ok {
			return true
		}
	}
	for _, c := range row[1:] {
		if strings.HasSuffix(strings.TrimSpace(c), "%") {
			return true
		}
	}
	return false
}

var unitLineRE = regexp.MustCompile(`(?i)^\s*unit\b|单位`)

func isUnitLine(s string) bool { return unitLineRE.MatchString(s) }

// dataStart is the first row whose first cell names a partner or a total.
func dataStart(g [][]string) int {
	for i, row := range g {
		label := cell(row, 0)
		if label == "" {
			continue
		}
		k := normName(label)
		if k == "countryregion" || k == "countryterritory" || k == "国别地区" {
			continue
		}
		if _, ok := lookupPartner("", label); ok || aggregates[k] {
			return i
		}
	}
	return -1
}

func firstColumn(g [][]string) string {
	var out []string
	for i := 0; i < len(g) && i < 8; i++ {
		out = append(out, fmt.Sprintf("%q", cell(g[i], 0)))
	}
	return strings.Join(out, ", ")
}

// releaseColumns finds the month and year-to-date columns of exports and
// imports from the header rows.
func releaseColumns(header [][]string, per period) ([]releaseCols, error) {
	// A row spanning the whole table (a title, the unit) names no column.
	var rows [][]string
	width := 0
	for _, row := range header {
		if !spansAll(row) {
			rows = append(rows, row)
			width = max(width, len(row))
		}
	}
	header = rows
	byFlow := map[string][]int{}
	explicitYTD := map[int]bool{}
	var texts []string
	for j := 1; j < width; j++ {
		var parts []string
		for _, row := range header {
			c := cell(row, j)
			if c != "" && (len(parts) == 0 || parts[len(parts)-1] != c) {
				parts = append(parts, c)
			}
		}
		h := strings.Join(parts, " / ")
		texts = append(texts, fmt.Sprintf("%q", h))
		lh := strings.ToLower(h)
		flow := ""
		switch {
		case strings.Contains(h, "进出口") || strings.Contains(lh, "total") ||
			(strings.Contains(lh, "export") && strings.Contains(lh, "import")) || strings.Contains(lh, "trade balance") || strings.Contains(lh, "balance"):
			continue
		case strings.Contains(lh, "export") || strings.Contains(h, "出口"):
			flow = "export"
		case strings.Contains(lh, "import") || strings.Contains(h, "进口"):
			flow = "import"
		default:
			continue
		}
		if yoyRE.MatchString(stripFlowWords(lh)) {
			continue // a year-on-year column
		}
		byFlow[flow] = append(byFlow[flow], j)
		if ytdRE.MatchString(h) {
			explicitYTD[j] = true
		}
	}
	var out []releaseCols
	for _, flow := range []string{"export", "import"} {
		js := byFlow[flow]
		if len(js) == 0 {
			continue
		}
		c := releaseCols{flow: flow, month: -1, ytd: -1}
		for _, j := range js {
			if explicitYTD[j] {
				if c.ytd < 0 {
					c.ytd = j
				}
			} else if c.month < 0 {
				c.month = j
			}
		}
		// In a January–February release the month column reads "1-2" and
		// looks cumulative; the leftmost column is then the month.
		if c.month < 0 {
			c.month = js[0]
			if c.ytd == js[0] {
				c.ytd = -1
				if len(js) > 1 {
					c.ytd = js[1]
				}
			}
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no export or import value columns in the header (columns: %s)", strings.Join(texts, ", "))
	}
	return out, nil
}

// stripFlowWords keeps "exports" and "imports" from hiding a YoY word and
// "value" columns from looking like change columns.
func stripFlowWords(s string) string {
	return strings.NewReplacer("exports", "", "imports", "", "export", "", "import", "").Replace(s)
}

// pagePeriod reads the reporting period from the title, headings, the
// table's own top rows, then the page text.
func pagePeriod(pg *page, g [][]string) (period, error) {
	cands := append([]string{pg.title}, pg.headings...)
	for i := 0; i < len(g) && i < 3; i++ {
		cands = append(cands, strings.Join(g[i], " "))
	}
	cands = append(cands, pg.text)
	for _, c := range cands {
		p, ok, err := findPeriod(c)
		if err != nil {
			return period{}, fmt.Errorf("period in %q: %w", clip(c), err)
		}
		if ok {
			return p, nil
		}
	}
	return period{}, fmt.Errorf("no reporting month (e.g. \"December 2017\", \"January-February 2020\", \"2020年1-2月\") in the title %q or headings", clip(pg.title))
}

// pageUnit reads the table's unit; values must be in US dollars. Several
// real GACC English pages (2. 2019, 10.2023) print no unit line. The rule
// for them: a page that names no unit anywhere is read as US$1,000 (assumed
// true) only when it is a GACC English statistics table, recognised by the
// note every one carries ("Figures in shaded areas refer to percentage
// change ...") or a numbered table title ("(5) Imports and Exports ..."),
// and every value cell is a whole number; every stored page that states a
// unit states US$1,000. Otherwise it is an error.
func pageUnit(pg *page, g [][]string) (apd.Decimal, bool, error) {
	var cands []string
	for i := 0; i < len(g) && i < 6; i++ {
		cands = append(cands, strings.Join(g[i], " "))
	}
	cands = append(cands, pg.headings...)
	cands = append(cands, pg.text)
	for _, c := range cands {
		switch {
		case unitThousandRE.MatchString(c):
			return *apd.New(1000, 0), false, nil
		case unitMillionRE.MatchString(c):
			return *apd.New(1000000, 0), false, nil
		case unitTenThouRE.MatchString(c):
			return *apd.New(10000, 0), false, nil
		case unitRMBRE.MatchString(c) && strings.Contains(strings.ToLower(c), "unit"):
			return apd.Decimal{}, false, fmt.Errorf("values are in RMB (%q); only US dollar tables are read", clip(c))
		}
	}
	if gaccEnglishTable(pg) && wholeNumbers(g) {
		return *apd.New(1000, 0), true, nil
	}
	return apd.Decimal{}, false, fmt.Errorf("no unit such as \"Unit: US$1,000\" stated near the table, and the page is not a GACC English statistics table with whole-number values (the rule for pages without a unit line)")
}

var (
	shadedNoteRE = regexp.MustCompile(`(?i)figures in shaded areas refer to percentage change`)
	numberedRE   = regexp.MustCompile(`^\(?\d{1,2}\)?\s*(imports|exports|china)`)
)

func gaccEnglishTable(pg *page) bool {
	if shadedNoteRE.MatchString(pg.text) {
		return true
	}
	for _, h := range append([]string{pg.title}, pg.headings...) {
		if numberedRE.MatchString(strings.ToLower(strings.TrimSpace(h))) {
			return true
		}
	}
	return false
}

var wholeRE = regexp.MustCompile(`^[\d,]+$`)

// wholeNumbers reports whether the value rows (not the YoY rows) hold only
// whole numbers or nils, as a table in US$1,000 does.
func wholeNumbers(g [][]string) bool {
	start := dataStart(g)
	if start < 0 {
		return false
	}
	prev, any := "", false
	for _, row := range g[start:] {
		label := cell(row, 0)
		if nonEmpty(row) == 0 || isYoYRow(row, label, prev) {
			continue
		}
		prev = label
		for _, c := range row[1:] {
			c = strings.TrimSpace(c)
			switch {
			case c == "" || c == "-" || c == "–" || c == "—":
			case wholeRE.MatchString(c):
				any = true
			default:
				return false
			}
		}
	}
	return any
}

// releaseDate is the publication date the page states, if any.
func releaseDate(pg *page) (civil.Date, bool) {
	for _, k := range []string{"pubdate", "publishdate", "publish_date", "article:published_time", "dc.date", "dcterms.issued"} {
		if m := metaDateRE.FindStringSubmatch(strings.TrimSpace(pg.meta[k])); m != nil {
			if d, ok := dateOf(m[1], m[2], m[3]); ok {
				return d, true
			}
		}
	}
	for _, t := range append(append([]string{}, pg.headings...), pg.text) {
		if m := releaseDateRE.FindStringSubmatch(t); m != nil {
			if d, ok := dateOf(m[1], m[2], m[3]); ok {
				return d, true
			}
		}
	}
	return civil.Date{}, false
}

func dateOf(y, m, d string) (civil.Date, bool) {
	t, err := time.Parse("2006-1-2", y+"-"+strings.TrimLeft(m, "0")+"-"+strings.TrimLeft(d, "0"))
	if err != nil {
		return civil.Date{}, false
	}
	return civil.DateOf(t), true
}

func clip(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > 120 {
		return string(r[:120]) + "…"
	}
	return s
}

// spansAll reports a row whose non-empty cells all hold the same text.
func spansAll(row []string) bool {
	first := ""
	for _, c := range row {
		c = strings.TrimSpace(c)
		if c == "" {
			continue
		}
		if first == "" {
			first = c
		} else if c != first {
			return false
		}
	}
	return true
}

package census

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/cockroachdb/apd/v3"
	"github.com/klauspost/compress/gzip"

	"github.com/tradepipe/tradepipe/internal/civil"
	"github.com/tradepipe/tradepipe/internal/money"
	"github.com/tradepipe/tradepipe/internal/reference"
	"github.com/tradepipe/tradepipe/internal/schema"
	"github.com/tradepipe/tradepipe/sources"
)

// columns are the positions of the variables in a response's header.
type columns struct {
	commodity, desc, value, qty, unit, country, time, level int
	consumption                                             int // -1: not in the response
}

func findColumns(header []string, v variables) (columns, error) {
	idx := map[string]int{}
	for i, h := range header {
		if _, dup := idx[h]; !dup { // a predicate also requested in get= repeats; the first wins
			idx[h] = i
		}
	}
	col := func(name string) int {
		if i, ok := idx[name]; ok {
			return i
		}
		return -1
	}
	c := columns{
		commodity: col(v.commodity), desc: col(v.desc), value: col(v.value),
		qty: col(v.qty), unit: col(v.unit), country: col("CTY_CODE"),
		time: col("time"), level: col("COMM_LVL"), consumption: -1,
	}
	if v.consumption != "" {
		// Optional: saved general-import responses may lack it.
		c.consumption = col(v.consumption)
	}
	var missing []string
	for name, i := range map[string]int{v.commodity: c.commodity, v.value: c.value, "CTY_CODE": c.country, "time": c.time} {
		if i < 0 {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		slices.Sort(missing)
		return c, fmt.Errorf("header lacks %s (found %s)", strings.Join(missing, ", "), strings.Join(header, ","))
	}
	return c, nil
}

// Parse implements sources.Parser for an API response body. The body is
// read as a stream, one record at a time, so memory stays flat whatever
// its size; only the cells of the columns used are copied out.
func (s *Source) Parse(ctx context.Context, r *sources.Release, e sources.Emitter) error {
	f, err := os.Open(r.Path)
	if err != nil {
		return fmt.Errorf("read %s: %w", r.URI, err)
	}
	defer f.Close()
	body, err := openResponse(f)
	if err != nil {
		return sources.Permanent(fmt.Errorf("parse %s: %w", r.URI, err))
	}
	counted := &countingReader{r: io.LimitReader(body, MaxStreamed+1)}
	sc := newRecordScanner(counted)
	permanent := func(err error) error {
		if counted.n > MaxStreamed {
			err = fmt.Errorf("response is more than %d MiB (inflated), the limit for one response", MaxStreamed>>20)
		}
		return sources.Permanent(fmt.Errorf("parse %s: %w", r.URI, err))
	}
	if err := sc.next(); err != nil {
		return permanent(err)
	}
	if _, cellErr, err := sc.split(); err != nil {
		return permanent(err)
	} else if cellErr != nil {
		return permanent(fmt.Errorf("header: %w", cellErr))
	}
	header := sc.all()
	v := varsFor(s.opts.Flow)
	cols, err := findColumns(header, v)
	if err != nil {
		return sources.Permanent(fmt.Errorf("parse %s: %w; is this a %s response?", r.URI, err, s.opts.Flow))
	}
	p := parser{Source: s, r: r, c: cols, v: v, width: len(header), units: map[string]string{}}
	// Every string of a row is valid UTF-8 when the release's provenance
	// and the flow are: cells are (the scanner's fast path checks them,
	// encoding/json replaces invalid bytes, one-byte escapes give ASCII,
	// TrimSpace cuts whole runes), the HS code is digits, the partner an
	// ISO code of internal/reference (TestScheduleCCodesAreISO), the rest
	// constants. Such a row skips SafeParse's check of its eleven strings.
	emit := e.TradeFlow
	if checked, ok := e.(sources.CheckedEmitter); ok && utf8.ValidString(r.ReleaseID) && utf8.ValidString(r.URI) &&
		utf8.ValidString(r.SHA256) && utf8.ValidString(s.opts.Flow) {
		emit = checked.TradeFlowValidUTF8
	}
	for i := 1; ; i++ {
		if i%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if err := sc.next(); err == io.EOF {
			break
		} else if err != nil {
			return permanent(err)
		}
		_, cellErr, err := sc.split()
		if err != nil {
			return permanent(err)
		}
		var flow *schema.TradeFlow
		var rej *schema.Rejected
		var drop string
		if cellErr != nil {
			rej = &schema.Rejected{ReasonCode: schema.ReasonShortRow, Reason: "record is not an array of strings: " + cellErr.Error()}
		} else {
			flow, rej, drop = p.row(sc)
		}
		if drop != "" {
			e.Count(drop, 1)
			continue
		}
		if rej != nil {
			rej.Dataset = schema.DatasetTradeFlows
			rej.Row = int64(i)
			rej.RawCells = sc.all()
			rej.Source = "census"
			rej.ReleaseID = r.ReleaseID
			rej.SourceURI = r.URI
			rej.SHA256 = r.SHA256
			if !rej.Period.IsZero() {
				rej.Target = schema.TradeFlowPartition("census", s.opts.Flow, rej.Period)
			}
			if err := e.Reject(rej); err != nil {
				return err
			}
			continue
		}
		if err := emit(flow); err != nil {
			return err
		}
	}
	return nil
}

// parser holds what the rows of one response share.
type parser struct {
	*Source
	r     *sources.Release
	c     columns
	v     variables
	width int
	// months and units repeat on every row: one string each per response.
	lastMonth []byte
	month     civil.Month
	units     map[string]string
	// A response lists a commodity's partners one after another: its
	// code and description are the row before's, kept as one string
	// each instead of a copy per row.
	lastHSCell, lastHSLevel string
	lastHS                  string
	lastHSOK                bool
	lastDesc                string
	// partners caches, by four-digit CTY_CODE, what the code is.
	partners *[10000]partnerOf
	// A row's record and its quantity and consumption value come out of
	// blocks of rowBlock (take): one allocation a block, not up to three
	// a row, for the same bytes.
	flows []schema.TradeFlow
	qtys  []float64
	decs  []apd.Decimal
}

// rowBlock is how many rows' records one allocation holds.
const rowBlock = 256

// take returns the next zero element of *block, which it refills with
// rowBlock new ones when it is used up. Each element is handed out once,
// so an emitter may keep what it gets.
func take[T any](block *[]T) *T {
	if len(*block) == 0 {
		*block = make([]T, rowBlock)
	}
	v := &(*block)[0]
	*block = (*block)[1:]
	return v
}

// partnerOf is what a four-digit CTY_CODE is to a job: a partner's ISO
// code (iso), a row to drop (drop, the counter) or neither (not a Schedule
// C country; the row is quarantined); known is false until looked up.
type partnerOf struct {
	known bool
	iso   string
	drop  string
}

// partner looks up a row's CTY_CODE; a code of four digits, as all of
// Schedule C's are, is looked up once a response.
func (p *parser) partner(code []byte) partnerOf {
	i := -1
	if len(code) == 4 {
		i = 0
		for _, c := range code {
			if c < '0' || c > '9' {
				i = -1
				break
			}
			i = i*10 + int(c-'0')
		}
	}
	if i >= 0 && p.partners != nil && p.partners[i].known {
		return p.partners[i]
	}
	var o partnerOf
	switch country, ok := reference.ScheduleC(string(code)); {
	case GroupCode(string(code)):
		o.drop = CounterGroupRows
	case !ok:
	case p.want != nil && !p.want[string(code)]:
		o.drop = CounterOtherPartnerRows
	default:
		o.iso = country.ISO2
	}
	o.known = true
	if i >= 0 {
		if p.partners == nil {
			p.partners = new([10000]partnerOf)
		}
		p.partners[i] = o
	}
	return o
}

// MaxStreamed bounds a response read by Parse, inflated. Parse reads a
// stream in flat memory, so the bound is only against a zip bomb in the
// inbox filling the spool: an all-partners HS10 month is under 100 MiB.
const MaxStreamed = 4 << 30

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// MaxInflated bounds a fetched gzipped body once inflated, which Fetch
// holds in memory to check it is whole JSON. A month of HS10
// exports to one partner is about 5 MB of JSON; the bound keeps a zip bomb
// in the inbox from taking the process's memory.
const MaxInflated = 256 << 20

// isGzip says body starts with the gzip magic (1f 8b).
func isGzip(body []byte) bool { return len(body) >= 2 && body[0] == 0x1f && body[1] == 0x8b }

// gunzipped returns body inflated when it starts with the gzip magic
// (1f 8b), whatever the file is called (responses saved as .json.gz or
// .csv.gz), else body itself.
func gunzipped(body []byte) ([]byte, error) {
	if !isGzip(body) {
		return body, nil
	}
	zr, err := gzip.NewReader(bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("gzip: %w", err)
	}
	out, err := io.ReadAll(io.LimitReader(zr, MaxInflated+1))
	if err != nil {
		return nil, fmt.Errorf("gzip: %w", err)
	}
	if len(out) > MaxInflated {
		return nil, fmt.Errorf("gzip: inflates to more than %d MiB, the limit for one response", MaxInflated>>20)
	}
	return out, nil
}

// The counters of rows Parse leaves out on purpose, in the manifest.
const (
	// CounterGroupRows counts rows of the API's country groupings
	// (GroupCode), which an all-partner answer carries beside the
	// countries and which would count every dollar again.
	CounterGroupRows = "census_group_rows_dropped"
	// CounterOtherPartnerRows counts rows of Schedule C countries the job
	// does not cover (an all-partner response dropped in a one-partner
	// job's inbox).
	CounterOtherPartnerRows = "census_other_partner_rows_dropped"
)

// row normalises the scanner's current record: a row, a rejected row, or
// the name of the counter of a row left out on purpose (exactly one).
func (p *parser) row(sc *recordScanner) (*schema.TradeFlow, *schema.Rejected, string) {
	c, v, r := p.c, p.v, p.r
	if n := sc.width(); n < p.width {
		return nil, &schema.Rejected{ReasonCode: schema.ReasonShortRow, Reason: fmt.Sprintf("record has %d cells, header has %d", n, p.width)}, ""
	}
	tb := bytes.TrimSpace(sc.cellBytes(c.time))
	if p.lastMonth == nil || !bytes.Equal(tb, p.lastMonth) {
		m, err := monthOf(string(tb))
		if err != nil {
			return nil, &schema.Rejected{ReasonCode: schema.ReasonBadDate, Field: "time", Reason: err.Error()}, ""
		}
		p.lastMonth, p.month = append(p.lastMonth[:0], tb...), m
	}
	m := p.month
	if !r.Month.IsZero() && m != r.Month {
		return nil, &schema.Rejected{Period: m, ReasonCode: schema.ReasonWrongPeriod, Field: "time",
			Reason: fmt.Sprintf("record is for %s, the request was for %s", m, r.Month)}, ""
	}
	bad := func(code, field, reason string) (*schema.TradeFlow, *schema.Rejected, string) {
		return nil, &schema.Rejected{Period: m, ReasonCode: code, Field: field, Reason: reason}, ""
	}
	ctyCode := bytes.TrimSpace(sc.cellBytes(c.country))
	country := p.partner(ctyCode)
	if country.drop != "" {
		return nil, nil, country.drop
	}
	if country.iso == "" {
		return bad(schema.ReasonBadCountry, "CTY_CODE", fmt.Sprintf("CTY_CODE %q is not a Schedule C country with an ISO code", ctyCode))
	}
	level := ""
	if c.level >= 0 {
		level = p.intern(sc.cellBytes(c.level))
	}
	if hsCell := sc.cellBytes(c.commodity); string(hsCell) != p.lastHSCell || level != p.lastHSLevel {
		p.lastHSCell, p.lastHSLevel = string(hsCell), level
		p.lastHS, p.lastHSOK = hsCode(p.lastHSCell, level)
	}
	hs := p.lastHS
	if !p.lastHSOK {
		return bad(schema.ReasonBadHSCode, v.commodity, fmt.Sprintf("%s %q is not a 2–10 digit HS code", v.commodity, sc.cell(c.commodity)))
	}
	value, reason := amount(sc.cellBytes(c.value), v.value)
	if reason != "" {
		return bad(schema.ReasonBadValue, v.value, reason)
	}
	var consumption *apd.Decimal
	if c.consumption >= 0 {
		// Imports for consumption: general imports less those entering
		// bonded warehouses and foreign-trade zones, plus withdrawals
		// from them; a number like the general value, never blank.
		d, reason := amount(sc.cellBytes(c.consumption), v.consumption)
		if reason != "" {
			return bad(schema.ReasonBadValue, v.consumption, reason)
		}
		consumption = take(&p.decs)
		*consumption = d
	}
	f := take(&p.flows)
	*f = schema.TradeFlow{
		Period:              m,
		Reporter:            "US",
		Partner:             country.iso,
		Flow:                p.opts.Flow,
		HSCode:              hs,
		ValueUSD:            value,
		ConsumptionValueUSD: consumption,
		Valuation:           v.valuation,
		CoversMonths:        1,
		Source:              "census",
		ReleaseID:           r.ReleaseID,
		SourceURI:           r.URI,
		SourceSHA256:        r.SHA256,
	}
	if c.desc >= 0 {
		if d := bytes.TrimSpace(sc.cellBytes(c.desc)); string(d) != p.lastDesc {
			p.lastDesc = string(d)
		}
		f.Description = p.lastDesc
	}
	if c.unit >= 0 {
		if u := bytes.TrimSpace(sc.cellBytes(c.unit)); len(u) > 0 && string(u) != "-" {
			f.QuantityUnit = p.intern(u)
		}
	}
	if c.qty >= 0 {
		// A quantity Census leaves out is null; one that is not a number
		// loses only the quantity, never the row's value.
		if q := bytes.TrimSpace(sc.cellBytes(c.qty)); len(q) > 0 && string(q) != "-" && f.QuantityUnit != "" {
			if n, err := strconv.ParseFloat(string(q), 64); err == nil && n >= 0 {
				f.Quantity = take(&p.qtys)
				*f.Quantity = n
			}
		}
	}
	return f, nil, ""
}

// intern returns b as a string, one per distinct value in a response: units
// and levels repeat on every row. The table is bounded by the few values
// the API has; a hostile file with many is cut off at 1024.
// amount reads the value cell b of variable name: a non-negative amount
// that fits DECIMAL(18,2), else the reason it is not. The API sends
// whole dollars; a plain integer of up to 15 digits (always fits) is read
// without apd's string parse, a string copy or the cents check, to the
// same decimal money.Parse gives (TestAmountIsMoneyParse).
func amount(b []byte, name string) (apd.Decimal, string) {
	if len(b) > 0 && len(b) <= 15 {
		var n int64
		i := 0
		for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
			n = n*10 + int64(b[i]-'0')
		}
		if i == len(b) {
			var d apd.Decimal
			d.SetInt64(n)
			return d, ""
		}
	}
	text := string(b)
	d, err := money.Parse(text)
	if err != nil || d.Negative {
		return apd.Decimal{}, fmt.Sprintf("%s %q is not a non-negative amount", name, text)
	}
	if _, err := money.Cents(d); err != nil {
		return apd.Decimal{}, fmt.Sprintf("%s %q: %v", name, text, err)
	}
	return d, ""
}

func (p *parser) intern(b []byte) string {
	if s, ok := p.units[string(b)]; ok {
		return s
	}
	s := string(b)
	if len(p.units) < 1024 {
		p.units[s] = s
	}
	return s
}

// hsCode returns the digits of a commodity code. When COMM_LVL says how many
// digits the code has and a spreadsheet round trip dropped one leading zero,
// the zero is put back.
func hsCode(s, level string) (string, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return "", false
		}
	}
	if want, err := strconv.Atoi(strings.TrimPrefix(level, "HS")); err == nil && len(s) == want-1 {
		s = "0" + s
	}
	// HS levels have an even number of digits; an odd code that is not
	// the level's code missing a zero names no level (found by fuzzing).
	if len(s) < 2 || len(s) > 10 || len(s)%2 != 0 {
		return "", false
	}
	return s, true
}

// cells decodes one record: strings stay as they are, null is empty, and a
// bare number keeps its literal text.
func cells(raw []json.RawMessage) ([]string, error) {
	out := make([]string, len(raw))
	for i, c := range raw {
		switch {
		case len(c) > 0 && c[0] == '"':
			if err := json.Unmarshal(c, &out[i]); err != nil {
				return nil, err
			}
		case string(c) == "null":
		default:
			var n json.Number
			if err := json.Unmarshal(c, &n); err != nil {
				return nil, fmt.Errorf("cell %d: %s is not a string", i, c)
			}
			out[i] = n.String()
		}
	}
	return out, nil
}

func mustJSON(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}

package census

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/tradepipe/tradepipe/internal/money"
	"github.com/tradepipe/tradepipe/internal/reference"
	"github.com/tradepipe/tradepipe/internal/schema"
	"github.com/tradepipe/tradepipe/sources"
)

// columns are the positions of the variables in a response's header.
type columns struct {
	commodity, desc, value, qty, unit, country, time, level int
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
		time: col("time"), level: col("COMM_LVL"),
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

// Parse implements sources.Parser for an API response body.
func (s *Source) Parse(ctx context.Context, r *sources.Release, e sources.Emitter) error {
	body, err := r.ReadAll()
	if err != nil {
		return err
	}
	if body, err = gunzipped(body); err != nil {
		return sources.Permanent(fmt.Errorf("parse %s: %w", r.URI, err))
	}
	var raw [][]json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil {
		return sources.Permanent(fmt.Errorf("parse %s: not a Census API response (JSON array of arrays): %w", r.URI, err))
	}
	if len(raw) == 0 {
		return sources.Permanent(fmt.Errorf("parse %s: empty response: no header row", r.URI))
	}
	header, err := cells(raw[0])
	if err != nil {
		return sources.Permanent(fmt.Errorf("parse %s: header: %w", r.URI, err))
	}
	v := varsFor(s.opts.Flow)
	cols, err := findColumns(header, v)
	if err != nil {
		return sources.Permanent(fmt.Errorf("parse %s: %w; is this a %s response?", r.URI, err, s.opts.Flow))
	}
	for i := 1; i < len(raw); i++ {
		if i%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		row, err := cells(raw[i])
		if err != nil {
			row = []string{string(mustJSON(raw[i]))}
		}
		flow, rej := s.row(r, row, cols, v, len(header))
		if err != nil && rej == nil {
			rej = &schema.Rejected{ReasonCode: schema.ReasonShortRow, Reason: "record is not an array of strings: " + err.Error()}
		}
		if rej != nil {
			rej.Dataset = schema.DatasetTradeFlows
			rej.Row = int64(i)
			rej.RawCells = row
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
		if err := e.TradeFlow(flow); err != nil {
			return err
		}
	}
	return nil
}

// MaxInflated bounds a gzipped response once inflated. A month of HS10
// exports to one partner is about 5 MB of JSON; the bound keeps a zip bomb
// in the inbox from taking the process's memory.
const MaxInflated = 256 << 20

// gunzipped returns body inflated when it starts with the gzip magic
// (1f 8b), whatever the file is called (responses saved as .json.gz or
// .csv.gz), else body itself.
func gunzipped(body []byte) ([]byte, error) {
	if len(body) < 2 || body[0] != 0x1f || body[1] != 0x8b {
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

// row normalises one record; exactly one of the results is non-nil.
func (s *Source) row(r *sources.Release, row []string, c columns, v variables, width int) (*schema.TradeFlow, *schema.Rejected) {
	if len(row) < width {
		return nil, &schema.Rejected{ReasonCode: schema.ReasonShortRow, Reason: fmt.Sprintf("record has %d cells, header has %d", len(row), width)}
	}
	m, err := monthOf(strings.TrimSpace(row[c.time]))
	if err != nil {
		return nil, &schema.Rejected{ReasonCode: schema.ReasonBadDate, Field: "time", Reason: err.Error()}
	}
	if !r.Month.IsZero() && m != r.Month {
		return nil, &schema.Rejected{Period: m, ReasonCode: schema.ReasonWrongPeriod, Field: "time",
			Reason: fmt.Sprintf("record is for %s, the request was for %s", m, r.Month)}
	}
	bad := func(code, field, reason string) (*schema.TradeFlow, *schema.Rejected) {
		return nil, &schema.Rejected{Period: m, ReasonCode: code, Field: field, Reason: reason}
	}
	ctyCode := strings.TrimSpace(row[c.country])
	country, ok := reference.ScheduleC(ctyCode)
	if !ok {
		return bad(schema.ReasonBadCountry, "CTY_CODE", fmt.Sprintf("CTY_CODE %q is not a Schedule C country with an ISO code", ctyCode))
	}
	level := ""
	if c.level >= 0 {
		level = row[c.level]
	}
	hs, ok := hsCode(row[c.commodity], level)
	if !ok {
		return bad(schema.ReasonBadHSCode, v.commodity, fmt.Sprintf("%s %q is not a 2–10 digit HS code", v.commodity, row[c.commodity]))
	}
	value, err := money.Parse(row[c.value])
	if err != nil || value.Negative {
		return bad(schema.ReasonBadValue, v.value, fmt.Sprintf("%s %q is not a non-negative amount", v.value, row[c.value]))
	}
	if _, err := money.Cents(value); err != nil {
		return bad(schema.ReasonBadValue, v.value, fmt.Sprintf("%s %q: %v", v.value, row[c.value], err))
	}
	f := &schema.TradeFlow{
		Period:       m,
		Reporter:     "US",
		Partner:      country.ISO2,
		Flow:         s.opts.Flow,
		HSCode:       hs,
		ValueUSD:     value,
		Valuation:    v.valuation,
		CoversMonths: 1,
		Source:       "census",
		ReleaseID:    r.ReleaseID,
		SourceURI:    r.URI,
		SourceSHA256: r.SHA256,
	}
	if c.desc >= 0 {
		f.Description = strings.TrimSpace(row[c.desc])
	}
	if c.unit >= 0 {
		if u := strings.TrimSpace(row[c.unit]); u != "" && u != "-" {
			f.QuantityUnit = u
		}
	}
	if c.qty >= 0 {
		// A quantity Census leaves out is null; one that is not a number
		// loses only the quantity, never the row's value.
		if q := strings.TrimSpace(row[c.qty]); q != "" && q != "-" && f.QuantityUnit != "" {
			if n, err := strconv.ParseFloat(q, 64); err == nil && n >= 0 {
				f.Quantity = &n
			}
		}
	}
	return f, nil
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

package census

import (
	"testing"
	"unicode/utf8"

	"github.com/tradepipe/tradepipe/internal/civil"
	"github.com/tradepipe/tradepipe/internal/schema"
	"github.com/tradepipe/tradepipe/sources"
)

// checkedEmitter is a sources.CheckedEmitter that fails t when a row the
// parser vouched for (TradeFlowValidUTF8) holds invalid UTF-8, and counts
// the rows of each kind.
type checkedEmitter struct {
	sources.Emitter
	t              testing.TB
	checked, plain int
}

func (c *checkedEmitter) TradeFlow(f *schema.TradeFlow) error {
	c.plain++
	return c.Emitter.TradeFlow(f)
}

func (c *checkedEmitter) TradeFlowValidUTF8(f *schema.TradeFlow) error {
	c.checked++
	for _, v := range []string{f.Reporter, f.Partner, f.Flow, f.HSCode, f.Description, f.QuantityUnit,
		f.Valuation, f.Source, f.ReleaseID, f.SourceURI, f.SourceSHA256} {
		if !utf8.ValidString(v) {
			c.t.Errorf("row %s %s vouched for with invalid UTF-8 %q", f.HSCode, f.Partner, v)
		}
	}
	return c.Emitter.TradeFlow(f)
}

func (c *checkedEmitter) ShipmentValidUTF8(s *schema.Shipment) error {
	c.t.Errorf("shipment from the census parser: %+v", s)
	return c.Emitter.Shipment(s)
}

var _ sources.CheckedEmitter = (*checkedEmitter)(nil)

// The parser vouches for its rows' UTF-8 when the release's provenance is
// valid, whatever the cells hold (invalid bytes in a cell reach
// encoding/json, which replaces them); a release named with invalid UTF-8
// sends every row through TradeFlow, so SafeParse repairs and counts.
func TestCheckedUTF8(t *testing.T) {
	body := "[[\"E_COMMODITY\",\"E_COMMODITY_LDESC\",\"ALL_VAL_MO\",\"QTY_1_MO\",\"UNIT_QY1\",\"CTY_CODE\",\"COMM_LVL\",\"time\"],\n" +
		"[\"020130\",\"BOVINE CUTS\",\"1234\",\"10\",\"KG\",\"5700\",\"HS6\",\"2020-04\"],\n" +
		"[\"020140\",\"BAD \xff BYTE\",\"5\",\"1\",\"K\xfeG\",\"5700\",\"HS6\",\"2020-04\"],\n" +
		"[\"020150\",\"ESCAPED \\\"5\\\" \\u00e9\",\"5\",\"1\",\"KG\",\"5700\",\"HS6\",\"2020-04\"],\n" +
		"[\"020160\",\"ÜBER\",\"5\",\"1\",\"KG\",\"5700\",\"HS6\",\"2020-04\"]]"
	s, err := New(Options{Flow: "export", Partner: "5700"}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	apr := civil.Month{Year: 2020, Month: 4}
	for _, tc := range []struct {
		uri            string
		checked, plain int
	}{
		{"test://resp.json", 4, 0},
		{"test://r\xffesp.json", 0, 4},
	} {
		r := release(t, body, apr)
		r.URI = tc.uri
		rec := &recorder{}
		c := &checkedEmitter{Emitter: rec, t: t}
		if err := s.Parse(t.Context(), r, c); err != nil {
			t.Fatal(err)
		}
		if c.checked != tc.checked || c.plain != tc.plain || len(rec.flows) != 4 {
			t.Errorf("%q: %d vouched, %d not, %d rows; want %d, %d, 4", tc.uri, c.checked, c.plain, len(rec.flows), tc.checked, tc.plain)
		}
		// Through SafeParse the invalid URI is repaired and counted once a row.
		rec = &recorder{}
		if err := sources.SafeParse(t.Context(), s, r, rec); err != nil {
			t.Fatal(err)
		}
		if n := rec.counts[sources.CounterInvalidUTF8]; n != int64(tc.plain) {
			t.Errorf("%q: %d repaired, want %d", tc.uri, n, tc.plain)
		}
		if d := rec.flows[1].Description; d != "BAD \uFFFD BYTE" {
			t.Errorf("%q: description %q", tc.uri, d)
		}
	}
}

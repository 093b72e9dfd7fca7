package panjiva

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/tradepipe/tradepipe/internal/schema"
	"github.com/tradepipe/tradepipe/sources"
)

// checkedEmitter is a sources.CheckedEmitter that fails t when a row the
// reader vouched for (ShipmentValidUTF8) holds invalid UTF-8, and counts
// the rows of each kind.
type checkedEmitter struct {
	sources.Emitter
	t              testing.TB
	checked, plain int
}

func (c *checkedEmitter) Shipment(s *schema.Shipment) error {
	c.plain++
	return c.Emitter.Shipment(s)
}

func (c *checkedEmitter) ShipmentValidUTF8(s *schema.Shipment) error {
	c.checked++
	for _, v := range append([]string{s.BillOfLading, s.Shipper, s.Consignee, s.OriginCountry, s.DestinationCountry,
		s.PortOfLading, s.PortOfUnlading, s.HSCode, s.GoodsDescription, s.Source, s.SourceURI, s.SourceSHA256, s.Sheet}, s.HSCodes...) {
		if !utf8.ValidString(v) {
			c.t.Errorf("row %d vouched for with invalid UTF-8 %q", s.SourceRow, v)
		}
	}
	return c.Emitter.Shipment(s)
}

// TradeFlowValidUTF8 is never called: the reader emits shipments only.
func (c *checkedEmitter) TradeFlowValidUTF8(f *schema.TradeFlow) error {
	c.t.Errorf("trade flow vouched for by the shipments reader: %+v", f)
	return c.Emitter.TradeFlow(f)
}

var _ sources.CheckedEmitter = (*checkedEmitter)(nil)

// The reader vouches for a row's UTF-8 only when every string of it is
// valid: shared strings (checked once each, whatever the number of rows
// using one), cached names and texts copied to the slab. Any other row
// goes through Shipment, so SafeParse still repairs and counts each bad
// field.
func TestCheckedUTF8(t *testing.T) {
	header := `<row r="1"><c r="A1" t="inlineStr"><is><t>Arrival Date</t></is></c><c r="B1" t="inlineStr"><is><t>HS Code</t></is></c><c r="C1" t="inlineStr"><is><t>Value of Goods (USD)</t></is></c><c r="D1" t="inlineStr"><is><t>Shipper</t></is></c><c r="E1" t="inlineStr"><is><t>Bill of Lading</t></is></c></row>`
	shared := "<sst><si><t>Acme</t></si><si><t>Ac\xffme</t></si></sst>"
	type row struct {
		shipper string // cell D: s:N a shared string, else inline text
		bol     string // cell E, inline (not cached)
		valid   bool
	}
	rows := []row{
		{"s:0", "B1", true},
		{"s:1", "B2", false},
		{"s:1", "B3", false}, // the same bad shared string, from its bit
		{"s:0", "B4", true},
		{"Bad\xfe", "B5", false}, // inline, not cached because invalid
		{"Bad\xfe", "B6", false},
		{"Good", "B7", true},
		{"Good", "B8", true}, // cached
		{"Good", "B\xc3", false},
		{"Übersee & Co", "Ω9", true},
	}
	var b strings.Builder
	b.WriteString(`<worksheet><sheetData>` + header)
	for i, r := range rows {
		n := i + 2
		d := fmt.Sprintf(`<c r="D%d" t="inlineStr"><is><t>%s</t></is></c>`, n, strings.ReplaceAll(r.shipper, "&", "&amp;"))
		if v, ok := strings.CutPrefix(r.shipper, "s:"); ok {
			d = fmt.Sprintf(`<c r="D%d" t="s"><v>%s</v></c>`, n, v)
		}
		fmt.Fprintf(&b, `<row r="%d"><c r="A%d"><v>43845</v></c><c r="B%d"><v>847130</v></c><c r="C%d"><v>5</v></c>%s<c r="E%d" t="inlineStr"><is><t>%s</t></is></c></row>`,
			n, n, n, n, d, n, r.bol)
	}
	b.WriteString(`</sheetData></worksheet>`)
	path := hostileWorkbook(t, b.String(), shared)
	src, err := New(Options{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Straight to the reader: which rows it vouches for.
	m := &memEmitter{}
	c := &checkedEmitter{Emitter: m, t: t}
	if err := src.Parse(t.Context(), release(path), c); err != nil {
		t.Fatal(err)
	}
	if len(m.ships) != len(rows) {
		t.Fatalf("%d shipments, want %d", len(m.ships), len(rows))
	}
	want := 0
	for _, r := range rows {
		if r.valid {
			want++
		}
	}
	if c.checked != want || c.plain != len(rows)-want {
		t.Errorf("vouched for %d rows and not %d, want %d and %d", c.checked, c.plain, want, len(rows)-want)
	}
	// Through SafeParse: every bad field repaired and counted, as before.
	m = &memEmitter{}
	if err := sources.SafeParse(t.Context(), src, release(path), m); err != nil {
		t.Fatal(err)
	}
	for _, s := range m.ships {
		if !utf8.ValidString(s.Shipper) || !utf8.ValidString(s.BillOfLading) {
			t.Errorf("row %d: %q %q not repaired", s.SourceRow, s.Shipper, s.BillOfLading)
		}
	}
	if got := m.counters[sources.CounterInvalidUTF8]; got != 5 {
		t.Errorf("%s = %d, want 5", sources.CounterInvalidUTF8, got)
	}
	if m.ships[len(rows)-1].Shipper != "Übersee & Co" {
		t.Errorf("last shipper %q", m.ships[len(rows)-1].Shipper)
	}
}

// A release URI or sheet name that is not valid UTF-8 makes no row
// vouched for.
func TestCheckedUTF8Provenance(t *testing.T) {
	path := hostileWorkbook(t, `<worksheet><sheetData>`+hostileHeader+
		`<row r="2"><c r="A2"><v>43845</v></c><c r="B2"><v>847130</v></c><c r="C2"><v>5</v></c><c r="D2" t="inlineStr"><is><t>Acme</t></is></c></row></sheetData></worksheet>`, "")
	src, err := New(Options{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	rel := release(path)
	rel.URI = "inbox/bad\xff.xlsx"
	c := &checkedEmitter{Emitter: &memEmitter{}, t: t}
	if err := src.Parse(t.Context(), rel, c); err != nil {
		t.Fatal(err)
	}
	if c.checked != 0 || c.plain != 1 {
		t.Errorf("vouched for %d rows, not %d; want 0 and 1", c.checked, c.plain)
	}
}

package panjiva

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/apd/v3"
	"github.com/xuri/excelize/v2"

	"github.com/tradepipe/tradepipe/internal/money"
	"github.com/tradepipe/tradepipe/internal/panjivagen"
	"github.com/tradepipe/tradepipe/internal/schema"
	"github.com/tradepipe/tradepipe/sources"
)

// memEmitter keeps everything a parse emits.
type memEmitter struct {
	ships    []*schema.Shipment
	rejects  []*schema.Rejected
	counters map[string]int64
	warnings []string
}

func (m *memEmitter) TradeFlow(*schema.TradeFlow) error { return errors.New("unexpected trade flow") }
func (m *memEmitter) TradeTotal(*schema.TradeTotal) error {
	return errors.New("unexpected trade total")
}
func (m *memEmitter) Shipment(s *schema.Shipment) error { m.ships = append(m.ships, s); return nil }
func (m *memEmitter) Reject(r *schema.Rejected) error   { m.rejects = append(m.rejects, r); return nil }
func (m *memEmitter) Count(n string, v int64) {
	if m.counters == nil {
		m.counters = map[string]int64{}
	}
	m.counters[n] += v
}
func (m *memEmitter) Warn(s string) { m.warnings = append(m.warnings, s) }

func release(path string) *sources.Release {
	return &sources.Release{Source: Name, URI: "file://" + path, Name: filepath.Base(path), Path: path, SHA256: "abc123", ReleaseID: "r1"}
}

func parseFile(t *testing.T, opts Options, path string) (*memEmitter, error) {
	t.Helper()
	src, err := New(opts, nil)
	if err != nil {
		t.Fatal(err)
	}
	m := &memEmitter{}
	err = src.Parse(context.Background(), release(path), m)
	return m, err
}

func generate(t *testing.T, o panjivagen.Options) (string, panjivagen.Stats) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "export.xlsx")
	st, err := panjivagen.WriteFile(path, o)
	if err != nil {
		t.Fatal(err)
	}
	return path, st
}

// Every quirk, in the shares the generator controls: what lands, what is
// dropped and what is quarantined must match what the generator wrote.
func TestGeneratedWorkbookQuirks(t *testing.T) {
	for _, o := range []panjivagen.Options{
		{Rows: 3000, Seed: 1, QuirkShare: 0.03, TitleRows: true},
		{Rows: 3000, Seed: 1, QuirkShare: 0.03, TitleRows: true, Date1904: true},
		{Rows: 3000, Seed: 1, QuirkShare: 0.03, WeightTonnes: true},
		{Rows: 3000, Seed: 2, QuirkShare: 0.02, Sheets: 3, NotesSheet: true},
	} {
		path, st := generate(t, o)
		m, err := parseFile(t, Options{}, path)
		if err != nil {
			t.Fatalf("%+v: %v", o, err)
		}
		if len(m.ships) != st.Published {
			t.Errorf("%+v: %d shipments, generator published %d", o, len(m.ships), st.Published)
		}
		if m.counters[CounterFROBDropped] != int64(st.FROB) || st.FROB == 0 {
			t.Errorf("%+v: frob_dropped = %d, generator wrote %d", o, m.counters[CounterFROBDropped], st.FROB)
		}
		got := map[string]int{}
		for _, r := range m.rejects {
			got[r.ReasonCode]++
			if r.Sheet == "" || r.Row < 2 || len(r.RawCells) < 20 {
				t.Errorf("reject without provenance: %+v", r)
			}
		}
		for code, n := range st.Rejected {
			if got[code] != n {
				t.Errorf("%+v: %d %s rejects, generator wrote %d", o, got[code], code, n)
			}
		}
		var cents int64
		byMonth := map[string]int{}
		for _, s := range m.ships {
			if s.ValueUSD != nil {
				c, err := money.Cents(*s.ValueUSD)
				if err != nil {
					t.Fatal(err)
				}
				cents += c
			}
			byMonth[s.ShipmentDate.MonthOf().String()]++
			if s.HSCode != s.HSCodes[0] || len(s.HSCode)%2 != 0 {
				t.Errorf("row %d: hs_code %q, hs_codes %v", s.SourceRow, s.HSCode, s.HSCodes)
			}
			if s.OriginCountry == "" || len(s.OriginCountry) != 2 || s.DestinationCountry != "US" {
				t.Errorf("row %d: countries %q → %q", s.SourceRow, s.OriginCountry, s.DestinationCountry)
			}
		}
		if cents != st.ValueCents {
			t.Errorf("%+v: value sum %d cents, generator %d", o, cents, st.ValueCents)
		}
		for month, n := range st.ByMonth {
			if byMonth[month] != n {
				t.Errorf("%+v: %s has %d rows, generator %d", o, month, byMonth[month], n)
			}
		}
		if o.NotesSheet && m.counters[CounterSheetsSkipped] != 1 {
			t.Errorf("sheets_skipped = %d, want 1 (Notes)", m.counters[CounterSheetsSkipped])
		}
		if m.counters[CounterUnknownColumns] == 0 {
			t.Error("unknown columns (Carrier, Vessel, ...) not counted")
		}
	}
}

// The same seed in the 1900 and the 1904 date system, and in kg and t,
// must give the same shipments.
func TestDateSystemsAndWeightUnitsAgree(t *testing.T) {
	base := panjivagen.Options{Rows: 500, Seed: 7, QuirkShare: 0.02}
	p1, _ := generate(t, base)
	o := base
	o.Date1904 = true
	p2, _ := generate(t, o)
	o = base
	o.WeightTonnes = true
	p3, _ := generate(t, o)
	m1, err1 := parseFile(t, Options{}, p1)
	m2, err2 := parseFile(t, Options{}, p2)
	m3, err3 := parseFile(t, Options{}, p3)
	if err := errors.Join(err1, err2, err3); err != nil {
		t.Fatal(err)
	}
	if len(m1.ships) != len(m2.ships) || len(m1.ships) != len(m3.ships) {
		t.Fatalf("shipments: %d, %d, %d", len(m1.ships), len(m2.ships), len(m3.ships))
	}
	for i, a := range m1.ships {
		b, c := m2.ships[i], m3.ships[i]
		if a.ShipmentDate != b.ShipmentDate {
			t.Errorf("row %d: 1900 date %v, 1904 date %v", a.SourceRow, a.ShipmentDate, b.ShipmentDate)
		}
		if (a.WeightKg == nil) != (c.WeightKg == nil) || a.WeightKg != nil && abs(*a.WeightKg-*c.WeightKg) > 1e-6 {
			t.Errorf("row %d: weight kg %v, from t %v", a.SourceRow, deref(a.WeightKg), deref(c.WeightKg))
		}
	}
}

// cents formats an amount as DECIMAL(18,2) text, "null" for nil.
func cents(t *testing.T, d *apd.Decimal) string {
	t.Helper()
	if d == nil {
		return "null"
	}
	c, err := money.Cents(*d)
	if err != nil {
		t.Fatal(err)
	}
	v := money.FromCents(c)
	return v.Text('f')
}

func abs(f float64) float64 {
	if f < 0 {
		return -f
	}
	return f
}

func deref(f *float64) any {
	if f == nil {
		return nil
	}
	return *f
}

// writeSheet writes a small workbook with excelize from rows of values.
func writeSheet(t *testing.T, sheets map[string][][]any) string {
	t.Helper()
	f := excelize.NewFile()
	first := true
	for name, rows := range sheets {
		if first {
			if err := f.SetSheetName("Sheet1", name); err != nil {
				t.Fatal(err)
			}
			first = false
		} else if _, err := f.NewSheet(name); err != nil {
			t.Fatal(err)
		}
		for i, r := range rows {
			cellName, _ := excelize.CoordinatesToCellName(1, i+1)
			if err := f.SetSheetRow(name, cellName, &r); err != nil {
				t.Fatal(err)
			}
		}
	}
	path := filepath.Join(t.TempDir(), "small.xlsx")
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
	return path
}

// Each quirk row by row, through a workbook with shared strings
// (excelize's SetSheetRow), so the assertions name the exact values.
func TestQuirkRows(t *testing.T) {
	path := writeSheet(t, map[string][][]any{"Export": {
		{"Shipments matching: HS 0201, 8471"},
		{},
		{"Arrival Date", "Bill of Lading Number", "Shipment Origin", "HS Code", "Value of Goods (USD)", "Weight (t)", "Volume (TEU)", "FROB", "Goods Shipped", "Consignee"},
		{43845, "B1", "China", 201.3, 1234.5, 2.5, 1, "N", "beef", "Acme"},
		{"01/16/2020", "B2", "CHN", "8471.30; 9403.60", "$1,234.56", "N/A", "-", "", "laptops", "N/A"},
		{"16-Feb-2020", "B3", "Viet Nam", "847130 - Portable computers", "(99.95)", "", 2, "", "", ""},
		{43845, "B4", "China", "020130", 10, 1, 1, "Y", "", ""},
		{"soon", "B5", "China", "020130", 10, 1, 1, "", "", ""},
		{43845, "B6", "China", "junk", 10, 1, 1, "", "", ""},
		{43845, "B7", "China", "020130", "lots", 1, 1, "", "", ""},
		{43845, "B8", "Atlantis", "020130", 10, 1, 1, "", "", ""},
		{43845, "B9", "China", "020130", 10, "heavy", 1, "", "", ""},
		{},
		{43845, "B10", "", "020130", "N/A", "", "", "", "", ""},
	}})
	m, err := parseFile(t, Options{}, path)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		bol, date, origin, hs, codes, value string
		kg                                  any
		teu                                 any
		consignee                           string
	}{
		{"B1", "2020-01-15", "CN", "020130", "020130", "1234.50", 2500.0, 1.0, "Acme"},
		{"B2", "2020-01-16", "CN", "847130", "847130,940360", "1234.56", nil, nil, ""},
		{"B3", "2020-02-16", "VN", "847130", "847130", "-99.95", nil, 2.0, ""},
		{"B10", "2020-01-15", "", "020130", "020130", "null", nil, nil, ""},
	}
	if len(m.ships) != len(want) {
		t.Fatalf("%d shipments, want %d: %+v", len(m.ships), len(want), m.ships)
	}
	for i, w := range want {
		s := m.ships[i]
		value := cents(t, s.ValueUSD)
		if s.BillOfLading != w.bol || s.ShipmentDate.String() != w.date || s.OriginCountry != w.origin ||
			s.HSCode != w.hs || strings.Join(s.HSCodes, ",") != w.codes || value != w.value ||
			deref(s.WeightKg) != w.kg || deref(s.TEU) != w.teu || s.Consignee != w.consignee || s.Sheet != "Export" {
			t.Errorf("shipment %d = %+v (value %s, kg %v, teu %v), want %+v", i, s, value, deref(s.WeightKg), deref(s.TEU), w)
		}
	}
	if m.ships[0].SourceRow != 4 || m.ships[3].SourceRow != 14 {
		t.Errorf("source rows %d, %d; want 4, 14", m.ships[0].SourceRow, m.ships[3].SourceRow)
	}
	if m.counters[CounterFROBDropped] != 1 {
		t.Errorf("frob_dropped = %d", m.counters[CounterFROBDropped])
	}
	var got []string
	for _, r := range m.rejects {
		got = append(got, r.ReasonCode+"@"+r.RawCells[1])
	}
	if w := "bad_date@B5 bad_hs_code@B6 bad_value@B7 bad_country@B8 bad_weight@B9"; strings.Join(got, " ") != w {
		t.Errorf("rejects = %v, want %s", got, w)
	}
	if r := m.rejects[0]; r.Target.Path != "" || !r.Period.IsZero() {
		t.Errorf("a bad date has no target partition: %+v", r)
	}
	if r := m.rejects[1]; r.Target.Path != "shipments/source=panjiva/year=2020/month=01" || r.Row != 9 || r.Sheet != "Export" {
		t.Errorf("reject target/row = %q %d", r.Target.Path, r.Row)
	}
}

func TestConfiguredAliases(t *testing.T) {
	path := writeSheet(t, map[string][][]any{"S": {
		{"Arrival Dt", "Tariff Line", "Declared USD"},
		{"2020-03-01", "020130", 5},
	}})
	_, err := parseFile(t, Options{}, path)
	if err == nil || !errors.Is(err, sources.ErrPermanent) {
		t.Fatalf("unknown headers: err = %v, want a permanent error", err)
	}
	m, err := parseFile(t, Options{Aliases: map[string]string{"arrival dt": "shipment_date", "TARIFF LINE": "hs_code", "Declared USD": "value_usd"}}, path)
	if err != nil || len(m.ships) != 1 || m.ships[0].HSCode != "020130" {
		t.Fatalf("with aliases: %v, %+v", err, m)
	}
	m, err = parseFile(t, Options{CountryAliases: map[string]string{"Formosa": "TW"}}, writeSheet(t, map[string][][]any{"S": {
		{"Date", "HS Code", "Value", "Origin"}, {"2020-03-01", "020130", 5, "Formosa"},
	}}))
	if err != nil || len(m.ships) != 1 || m.ships[0].OriginCountry != "TW" {
		t.Fatalf("country alias: %v, %+v", err, m)
	}
}

// Whole-file problems are permanent errors naming the file and what is
// wrong with it.
func TestBadFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	zipOf := func(files map[string]string) []byte {
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		for n, c := range files {
			w, _ := zw.Create(n)
			_, _ = w.Write([]byte(c))
		}
		_ = zw.Close()
		return buf.Bytes()
	}
	good, _ := generate(t, panjivagen.Options{Rows: 50, Seed: 1})
	goodBytes, _ := os.ReadFile(good)
	ole := []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}
	enc := append(append([]byte{}, ole...), make([]byte, 512)...)
	enc = append(enc, utf16("EncryptedPackage")...)
	workbookXML := `<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Data" sheetId="1" r:id="rId1"/></sheets></workbook>`
	rels := `<Relationships><Relationship Id="rId1" Target="worksheets/sheet1.xml"/></Relationships>`
	bomb := `<worksheet><sheetData>` + strings.Repeat(`<row r="1"><c r="A1" t="inlineStr"><is><t>x</t></is></c></row>`, 40000) + `</sheetData></worksheet>`
	cases := []struct {
		name string
		path string
		lim  Limits
		want []string
	}{
		{"text", write("notes.xlsx", []byte("Date,HS,Value\n2020-01-01,0201,5\n")), Limits{}, []string{"notes.xlsx", "not an .xlsx workbook"}},
		{"truncated", write("cut.xlsx", goodBytes[:len(goodBytes)/2]), Limits{}, []string{"cut.xlsx", "corrupt zip"}},
		{"encrypted", write("secret.xlsx", enc), Limits{}, []string{"secret.xlsx", "password-protected"}},
		{"xls", write("old.xlsx", append(ole, make([]byte, 600)...)), Limits{}, []string{"old.xlsx", "legacy .xls"}},
		{"plain zip", write("archive.xlsx", zipOf(map[string]string{"a.txt": "hello"})), Limits{}, []string{"archive.xlsx", "without xl/workbook.xml"}},
		{"bomb total", write("bomb.xlsx", zipOf(map[string]string{"xl/workbook.xml": workbookXML, "xl/_rels/workbook.xml.rels": rels, "xl/worksheets/sheet1.xml": bomb})), Limits{UnzipSizeLimit: 1 << 20, UnzipXMLSizeLimit: 1 << 10, MaxCompressionRatio: 1 << 30}, []string{"bomb.xlsx", "exceeds the limit of 1048576", "zip bomb"}},
		{"bomb ratio", write("bomb3.xlsx", zipOf(map[string]string{"xl/workbook.xml": workbookXML, "xl/_rels/workbook.xml.rels": rels, "xl/worksheets/sheet1.xml": bomb})), Limits{}, []string{"bomb3.xlsx", "sheet1.xml", "a ratio no real workbook has", "zip bomb"}},
		{"bomb part", write("bomb2.xlsx", zipOf(map[string]string{"xl/workbook.xml": workbookXML + strings.Repeat(" ", 4096), "xl/_rels/workbook.xml.rels": rels, "xl/worksheets/sheet1.xml": "<worksheet/>"})), Limits{UnzipSizeLimit: 1 << 20, UnzipXMLSizeLimit: 1 << 10}, []string{"bomb2.xlsx", "xl/workbook.xml", "exceeds the limit of 1024"}},
		{"no header", writeSheet(t, map[string][][]any{"Summary": {{"Panjiva"}, {"nothing here", 5}}}), Limits{}, []string{"small.xlsx", "no sheet has a recognisable header", `"Summary"`, "Panjiva"}},
		{"missing value column", writeSheet(t, map[string][][]any{"Data": {{"Title"}, {"Arrival Date", "HS Code", "Consignee", "Carrier"}, {"2020-01-01", "0201", "A", "B"}}}), Limits{}, []string{"small.xlsx", `sheet "Data"`, "header row 2 lacks required column(s) value_usd", `"Arrival Date", "HS Code", "Consignee", "Carrier"`}},
		{"truncated sheet", write("cutsheet.xlsx", zipOf(map[string]string{"xl/workbook.xml": workbookXML, "xl/_rels/workbook.xml.rels": rels, "xl/worksheets/sheet1.xml": `<worksheet><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>Arrival Date</t></is></c><c r="B1" t="inlineStr"><is><t>HS Code</t></is></c><c r="C1" t="inlineStr"><is><t>Value</t></is></c></row><row r="2"><c r="A2"><v>43845</v></c><c r="B2"`})), Limits{}, []string{"cutsheet.xlsx", "truncated"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m, err := parseFile(t, Options{Limits: c.lim}, c.path)
			if err == nil {
				t.Fatalf("parsed: %d shipments", len(m.ships))
			}
			if !errors.Is(err, sources.ErrPermanent) {
				t.Errorf("not permanent: %v", err)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q: %v", w, err)
				}
			}
		})
	}
}

func TestParseCancelled(t *testing.T) {
	path, _ := generate(t, panjivagen.Options{Rows: 20000, Seed: 1})
	src, _ := New(Options{}, nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := src.Parse(ctx, release(path), &memEmitter{})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

// An emitter failure (spool disk full) stops the parse with that error.
func TestEmitterFailureStops(t *testing.T) {
	path, _ := generate(t, panjivagen.Options{Rows: 5000, Seed: 1})
	src, _ := New(Options{}, nil)
	boom := errors.New("disk full")
	e := &failingEmitter{after: 100, err: boom}
	start := time.Now()
	err := src.Parse(context.Background(), release(path), e)
	if !errors.Is(err, boom) || errors.Is(err, sources.ErrPermanent) {
		t.Fatalf("err = %v, want disk full, not permanent", err)
	}
	if e.calls > 101 || time.Since(start) > 10*time.Second {
		t.Errorf("emitter called %d times after failing", e.calls)
	}
}

type failingEmitter struct {
	memEmitter
	after, calls int
	err          error
}

func (f *failingEmitter) Shipment(*schema.Shipment) error {
	f.calls++
	if f.calls > f.after {
		return f.err
	}
	return nil
}

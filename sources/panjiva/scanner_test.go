package panjiva

import (
	"archive/zip"
	"os"
	"path/filepath"
	"testing"
)

// Layouts other writers produce: shared strings with rich-text runs and
// phonetic runs, cells without references, formulas with cached values,
// booleans, ISO date cells, a self-closing row, whitespace between
// elements, single-quoted attributes, and the 1904 date system.
func TestScannerLayouts(t *testing.T) {
	files := map[string]string{
		"xl/workbook.xml":            `<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><workbookPr date1904="1"/><sheets><sheet name="Hand &amp; Made" sheetId="1" r:id="rId7"/></sheets></workbook>`,
		"xl/_rels/workbook.xml.rels": `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId7" Type="worksheet" Target="/xl/worksheets/data.xml"/></Relationships>`,
		"xl/sharedStrings.xml":       `<sst count="5" uniqueCount="5"><si><t>Arrival Date</t></si><si><r><rPr><b/></rPr><t>HS </t></r><r><t xml:space="preserve">Code</t></r></si><si><t>Value of Goods (USD)</t><rPh sb="0" eb="1"><t>ignored</t></rPh></si><si><t>Shipment Origin</t></si><si><t>Korea, Republic of</t></si><si/></sst>`,
		"xl/worksheets/data.xml": `<worksheet><sheetData>
  <row r="1"><c r="A1" t="s"><v>0</v></c><c t="s"><v>1</v></c><c t='s'><v>2</v></c><c r="D1" t="s"><v>3</v></c><c r="E1" t="s" s="2"/></row>
  <row r="2" spans="1:4"/>
  <row r="3">
    <c r="A3" s="1"><v>42383</v></c>
    <c r="B3" t="str"><f>TEXT(847130,"0")</f><v>847130</v></c>
    <c r="C3"><f>1+1</f><v>2.5</v></c>
    <c r="D3" t="s"><v>4</v></c>
    <extLst><ext uri="x"><note>skipped</note></ext></extLst>
  </row>
  <row r="4"><c r="A4" t="d"><v>2020-02-29T00:00:00</v></c><c r="B4" t="inlineStr"><is><r><t>0201</t></r><r><t>.30</t></r></is></c><c r="C4" t="b"><v>1</v></c><c r="D4" t="e"><v>#N/A</v></c></row>
</sheetData></worksheet>`,
	}
	path := filepath.Join(t.TempDir(), "hand.xlsx")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	for n, c := range files {
		w, _ := zw.Create(n)
		_, _ = w.Write([]byte(c))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	m, err := parseFile(t, Options{}, path)
	if err != nil {
		t.Fatal(err)
	}
	// Row 4's value is a boolean: not an amount.
	if len(m.ships) != 1 || len(m.rejects) != 1 {
		t.Fatalf("shipments %+v, rejects %+v", m.ships, m.rejects)
	}
	s := m.ships[0]
	if s.Sheet != "Hand & Made" || s.SourceRow != 3 || s.ShipmentDate.String() != "2020-01-15" || s.HSCode != "847130" || cents(t, s.ValueUSD) != "2.50" || s.OriginCountry != "KR" {
		t.Errorf("shipment = %+v (value %s)", s, s.ValueUSD.Text('f'))
	}
	r := m.rejects[0]
	if r.ReasonCode != "bad_value" || r.Row != 4 || r.RawCells[1] != "0201.30" || r.RawCells[2] != "TRUE" || r.RawCells[0] != "2020-02-29T00:00:00" {
		t.Errorf("reject = %+v", r)
	}
}

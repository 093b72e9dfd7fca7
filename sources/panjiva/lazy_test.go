package panjiva

import (
	"strings"
	"testing"
)

// Cells of columns no field reads are left undecoded while rows stream
// (cell.lazy), yet quarantine's raw cells show them decoded, a row with
// text only there is not blank, and their values are still checked: a
// shared string index out of range condemns the file as before.
func TestLazyColumns(t *testing.T) {
	header := `<row r="1"><c r="A1" t="inlineStr"><is><t>Arrival Date</t></is></c><c r="B1" t="inlineStr"><is><t>HS Code</t></is></c><c r="C1" t="inlineStr"><is><t>Value of Goods (USD)</t></is></c><c r="D1" t="inlineStr"><is><t>Notes</t></is></c><c r="E1" t="inlineStr"><is><t>Shipper</t></is></c></row>`
	shared := `<sst><si><t>note &amp; more</t></si><si><t>Acme</t></si></sst>`
	sheet := func(rows string) string { return `<worksheet><sheetData>` + header + rows + `</sheetData></worksheet>` }
	rows := `<row r="2"><c r="A2" t="inlineStr"><is><t>TBD</t></is></c><c r="B2"><v>847130</v></c><c r="C2"><v>5</v></c><c r="D2" t="s"><v>0</v></c><c r="E2" t="s"><v>1</v></c><c r="F2" t="inlineStr"><is><t>x &lt; y</t></is></c><c r="G2" t="str"><v>a&amp;b</v></c><c r="H2"><v>7.5</v></c></row>` +
		`<row r="3"><c r="D3" t="inlineStr"><is><t>only a note</t></is></c></row>` +
		`<row r="4"><c r="D4" t="inlineStr"><is><t>-</t></is></c></row>` +
		`<row r="5"><c r="A5"><v>43845</v></c><c r="B5"><v>847130</v></c><c r="C5"><v>5</v></c><c r="D5" t="s"><v>0</v></c><c r="E5" t="s"><v>1</v></c></row>`
	src, err := New(Options{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	m := &memEmitter{}
	if err := src.Parse(t.Context(), release(hostileWorkbook(t, sheet(rows), shared)), m); err != nil {
		t.Fatal(err)
	}
	if len(m.ships) != 1 || m.ships[0].Shipper != "Acme" || m.ships[0].SourceRow != 5 {
		t.Fatalf("shipments %+v", m.ships)
	}
	if len(m.rejects) != 2 {
		t.Fatalf("%d rejects, want 2 (rows 2 and 3; row 4 is blank)", len(m.rejects))
	}
	got := strings.Join(m.rejects[0].RawCells, "|")
	if want := "TBD|847130|5|note & more|Acme|x < y|a&b|7.5"; got != want {
		t.Errorf("raw cells of row 2:\n got %s\nwant %s", got, want)
	}
	if m.rejects[1].Row != 3 || m.rejects[1].RawCells[3] != "only a note" {
		t.Errorf("row 3: %+v", m.rejects[1])
	}

	bad := `<row r="2"><c r="A2"><v>43845</v></c><c r="B2"><v>847130</v></c><c r="C2"><v>5</v></c><c r="D2" t="s"><v>9</v></c></row>`
	err = src.Parse(t.Context(), release(hostileWorkbook(t, sheet(bad), shared)), &memEmitter{})
	if err == nil || !strings.Contains(err.Error(), "out of range") {
		t.Errorf("bad shared index in an unread column: %v", err)
	}
}

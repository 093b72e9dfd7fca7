package panjiva

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/tradepipe/tradepipe/sources"
)

// hostileWorkbook writes a one-sheet workbook with the given sheet XML
// and shared strings (none when empty).
func hostileWorkbook(t testing.TB, sheet, shared string) string {
	t.Helper()
	files := map[string]string{
		"xl/workbook.xml":            `<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Data" sheetId="1" r:id="rId1"/></sheets></workbook>`,
		"xl/_rels/workbook.xml.rels": `<Relationships><Relationship Id="rId1" Target="worksheets/sheet1.xml"/></Relationships>`,
		"xl/worksheets/sheet1.xml":   sheet,
	}
	if shared != "" {
		files["xl/sharedStrings.xml"] = shared
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for n, c := range files {
		w, err := zw.Create(n)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(c)); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "hostile.xlsx")
	if err := os.WriteFile(p, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

const hostileHeader = `<row r="1"><c r="A1" t="inlineStr"><is><t>Arrival Date</t></is></c><c r="B1" t="inlineStr"><is><t>HS Code</t></is></c><c r="C1" t="inlineStr"><is><t>Value of Goods (USD)</t></is></c><c r="D1" t="inlineStr"><is><t>Shipper</t></is></c></row>`

// Inputs from issue 12 that panicked (and so killed the daemon) or blew
// up memory: each is now a permanent error naming the file and the place.
func TestHostileWorkbooks(t *testing.T) {
	sheet := func(rows string) string {
		return `<worksheet><sheetData>` + hostileHeader + rows + `</sheetData></worksheet>`
	}
	cases := []struct {
		name          string
		sheet, shared string
		want          []string
	}{
		// Was: index out of range [-…] in put (column overflowed int).
		{"column overflow", sheet(`<row r="4"><c r="DDDDDDDDDDDDDD4"><v>1</v></c></row>`), "",
			[]string{"hostile.xlsx", `sheet "Data"`, "row 4", "bad cell reference"}},
		{"column past XFD", sheet(`<row r="2"><c r="XFE2"><v>1</v></c></row>`), "",
			[]string{"row 2", "bad cell reference"}},
		// Was: slice bounds out of range in parseSharedStrings.
		{"shared string without start tag end", sheet(""), `<sst><si </si></sst>`,
			[]string{"sharedStrings.xml", "string 0: truncated <si>"}},
		{"truncated shared string", sheet(""), `<sst><si><t>abc`,
			[]string{"sharedStrings.xml", "truncated <si>"}},
		// Was: a 60 MB cell read whole (1.28 GB RSS).
		{"huge inline cell", sheet(`<row r="2"><c r="A2" t="inlineStr"><is><t>` + strings.Repeat("x", 200<<10) + `</t></is></c></row>`), "",
			[]string{"row 2", "more than a cell holds"}},
		{"huge number cell", sheet(`<row r="2"><c r="A2"><v>` + strings.Repeat("9", 200<<10) + `</v></c></row>`), "",
			[]string{"row 2", "more than a cell holds"}},
		{"huge shared string", sheet(""), `<sst><si><t>` + strings.Repeat("y", 200<<10) + `</t></si></sst>`,
			[]string{"sharedStrings.xml", "string 0", "more than a cell holds"}},
		{"huge row", sheet(`<row r="2">` + strings.Repeat(`<c t="inlineStr"><is><t>`+strings.Repeat("z", 100<<10)+`</t></is></c>`, 200) + `</row>`), "",
			[]string{"a row is longer than"}},
	}
	// Past the ratio check, so that the row bound itself is exercised.
	loose := Options{Limits: Limits{MaxCompressionRatio: 1 << 30}}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := hostileWorkbook(t, c.sheet, c.shared)
			_, err := parseFile(t, loose, path)
			if err == nil {
				t.Fatal("parsed")
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

// A shared strings table over its memory bound is refused while it is
// read, not after it has been held.
func TestSharedStringsMemoryBound(t *testing.T) {
	shared := `<sst>` + strings.Repeat(`<si><t>abcdefgh</t></si>`, 100000) + `</sst>`
	ss, err := scanSharedStrings(strings.NewReader(shared), 1<<30, int64(len(shared)))
	if err != nil || ss.len() != 100000 || string(ss.at(99999)) != "abcdefgh" {
		t.Fatalf("unbounded: %v, %d strings", err, ss.len())
	}
	// 900 kB of text and lengths, 50 kB of index.
	_, err = scanSharedStrings(strings.NewReader(shared), 1<<19, int64(len(shared)))
	if err == nil || !strings.Contains(err.Error(), "larger than the limit of 524288 bytes") {
		t.Fatalf("bounded: %v", err)
	}
}

// Invalid UTF-8 in a cell reaches no dataset: SafeParse repairs it and
// counts the repair.
func TestInvalidUTF8Repaired(t *testing.T) {
	path := hostileWorkbook(t, `<worksheet><sheetData>`+hostileHeader+
		"<row r=\"2\"><c r=\"A2\" t=\"inlineStr\"><is><t>2020-01-15</t></is></c><c r=\"B2\" t=\"inlineStr\"><is><t>020130</t></is></c><c r=\"C2\"><v>5</v></c><c r=\"D2\" t=\"inlineStr\"><is><t>Ac\xffme</t></is></c></row>"+
		"<row r=\"3\"><c r=\"A3\" t=\"inlineStr\"><is><t>no\xfe date</t></is></c><c r=\"B3\" t=\"inlineStr\"><is><t>020130</t></is></c><c r=\"C3\"><v>5</v></c></row>"+
		`</sheetData></worksheet>`, "")
	src, err := New(Options{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	m := &memEmitter{}
	if err := sources.SafeParse(t.Context(), src, release(path), m); err != nil {
		t.Fatal(err)
	}
	if len(m.ships) != 1 || m.ships[0].Shipper != "Ac\uFFFDme" {
		t.Fatalf("shipments %+v", m.ships)
	}
	if len(m.rejects) != 1 || m.rejects[0].RawCells[0] != "no\uFFFD date" {
		t.Fatalf("rejects %+v", m.rejects)
	}
	if m.counters[sources.CounterInvalidUTF8] < 2 {
		t.Errorf("counts %v", m.counters)
	}
}

// The arena gives back every string as written, across chunk boundaries,
// in the fast form and the general one (rich runs, phonetic runs,
// entities, empty strings), with a true, false or missing uniqueCount.
func TestSharedStringsArena(t *testing.T) {
	var want []string
	var b strings.Builder
	for i := range 300000 {
		s := strings.Repeat("x", i%97) + strconv.Itoa(i)
		switch i % 7 {
		case 0:
			fmt.Fprintf(&b, "<si><t>%s</t></si>", s)
		case 1:
			fmt.Fprintf(&b, `<si><r><rPr><b/></rPr><t xml:space="preserve">%s </t></r><r><t>&amp;</t></r></si>`, s)
			s += " &"
		case 2:
			b.WriteString("<si/>")
			s = ""
		case 3:
			fmt.Fprintf(&b, "<si><t>%s</t><rPh sb=\"0\" eb=\"1\"><t>ph</t></rPh></si>", s)
		case 4:
			fmt.Fprintf(&b, "<si><t>a&lt;b_x0041_%s</t></si>", s)
			s = "a<bA" + s
		default:
			fmt.Fprintf(&b, "<si>\n<t>%s</t>\n</si>", s)
		}
		want = append(want, s)
	}
	body := b.String()
	for _, head := range []string{`<sst count="1" uniqueCount="300000">`, `<sst uniqueCount="7">`, `<sst>`} {
		xml := head + body + `</sst>`
		ss, err := scanSharedStrings(strings.NewReader(xml), 1<<30, int64(len(xml)))
		if err != nil {
			t.Fatal(err)
		}
		if ss.len() != len(want) || len(ss.chunks) < 2 {
			t.Fatalf("%s: %d strings in %d chunks", head, ss.len(), len(ss.chunks))
		}
		for i, w := range want {
			if got := string(ss.at(i)); got != w {
				t.Fatalf("%s: string %d = %q, want %q", head, i, got, w)
			}
		}
		if m := ss.memory(); m > 2*int64(len(body)) {
			t.Errorf("%s: %d bytes for %d of XML", head, m, len(body))
		}
	}
}

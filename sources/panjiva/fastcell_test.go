package panjiva

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"testing"
)

// scanned is a cell as a test compares it: its bytes copied out of the
// window.
type scanned struct {
	kind                 byte
	v                    string
	ao                   int32
	shared, lazy, hasAny bool
}

// scanAll runs the sheet scanner over data (a window of size win), with
// read as the columns decoded, and returns every row's cells or the error.
func scanAll(t testing.TB, shared sharedStrings, data string, win int, read []bool) ([][]scanned, error) {
	wb := &workbook{shared: shared}
	p := &sheetParser{wb: wb, w: window{r: strings.NewReader(data), buf: make([]byte, win), max: 1 << 16, what: "a row"}, read: &read}
	var rows [][]scanned
	err := p.run(t.Context(), func(row int, cells []cell) error {
		var out []scanned
		for _, c := range cells {
			s := scanned{kind: c.kind, v: string(c.v), shared: c.shared, lazy: c.lazy, hasAny: c.v != nil}
			if c.shared {
				s.ao = c.ao
			}
			out = append(out, s)
		}
		rows = append(rows, out)
		return nil
	})
	return rows, err
}

// sameScan compares the scanner on start tags <c r=... and <row r=...
// (which the fast paths read when they can) and on <c  r=... and
// "\n<row  r=..." (which only the general loops read): they must agree,
// values, errors and all.
func sameScan(t *testing.T, shared sharedStrings, row string, read []bool) {
	t.Helper()
	slow := strings.ReplaceAll(strings.ReplaceAll(row, "<c r=", "<c  r="), "<row r=", "\n<row  r=")
	for _, win := range []int{16, 1 << 12} {
		fr, ferr := scanAll(t, shared, row, win, read)
		sr, serr := scanAll(t, shared, slow, win, read)
		if (ferr == nil) != (serr == nil) {
			t.Fatalf("window %d, %s:\nfast error %v\ngeneral error %v", win, row, ferr, serr)
		}
		if ferr != nil && !strings.Contains(ferr.Error(), "malformed attribute") && ferr.Error() != serr.Error() {
			t.Fatalf("window %d, %s:\nfast error %v\ngeneral error %v", win, row, ferr, serr)
		}
		if fmt.Sprint(fr) != fmt.Sprint(sr) {
			t.Fatalf("window %d, %s:\nfast    %+v\ngeneral %+v", win, row, fr, sr)
		}
	}
}

func TestFastCellsMatchGeneral(t *testing.T) {
	shared := tableOf(t, "zero", "one &amp; two", "two")
	rows := []string{
		`<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" s="1" t="s"><v>1</v></c><c r="C1" s="3"><v>44171</v></c><c r="D1"><v>1.5</v></c></row>`,
		`<row r="2"><c r="A2" t="inlineStr"><is><t>plain</t></is></c><c r="B2" s="2" t="inlineStr"><is><t>a &amp; b_x0041_ and more than eight bytes</t></is></c><c r="C2" t="n"><v>1&#48;</v></c><c r="D2" t="inlineStr"><is><t>_x0041_</t></is></c><c r="E2" t="inlineStr"><is><t>eight by_x0041_</t></is></c><c r="F2"><v>_x0031_</v></c></row>`,
		`<row r="3"><c r="AA3" t="s"><v>002</v></c><c r="AB3" t="s"><v>1234567890</v></c></row>`,
		`<row r="4"><c r="A4" t="s"><v>3</v></c></row>`,
		`<row r="5"><c r="A5" t="s"><v>x</v></c></row>`,
		`<row r="6"><c r="a6" t="s"><v>0</v></c></row>`,
		`<row r="7"><c r="XFE7"><v>1</v></c></row>`,
		`<row r="8"><c r="XFD8"><v>1</v></c><c r="B8" s="1"/><c r="C8" t="s"/><c r="D8" t="inlineStr"><is><t xml:space="preserve"> x </t></is></c></row>`,
		`<row r="9"><c r="A9" t="str"><v>text_</v></c><c r="B9" t="b"><v>1</v></c><c r="C9" t="e"><v>#N/A</v></c><c r="D9" t="d"><v>2020-01-02</v></c></row>`,
		`<row r="10"><c r="A10" t="s"><v>0</v><extra/></c><c r="B10"><f>1+1</f><v>2</v></c><c r="C10" t="inlineStr"><is><r><t>a</t></r><r><t>b</t></r></is></c></row>`,
		`<row r="11"><c r="A11" s="1" t="s" x="y"><v>0</v></c><c r="B11" t="s" s="1"><v>1</v></c><c r="C11" t='s'><v>2</v></c></row>`,
		`<row r="12"><c r="A12" t="inlineStr"><is><t>` + strings.Repeat("x", maxCellBytes+1) + `</t></is></c></row>`,
		`<row r="13"><c r="A13"><v>` + strings.Repeat("9", maxCellBytes+1) + `</v></c></row>`,
		`<row r="14"><c r="A14" t="s"><v></v></c><c r="B14"><v></v></c><c r="C14" t="inlineStr"><is><t></t></is></c></row>`,
		`<row r="15"><c r="A15" t=""><v>7</v></c><c r="B15" s=""><v>8</v></c><c r=""><v>9</v></c></row>`,
	}
	for _, row := range rows {
		for _, read := range [][]bool{nil, {true, false, true}, {false, true}} {
			sameScan(t, shared, row, read)
		}
	}
}

// FuzzFastCell builds one cell from fuzzed parts, written as the fast
// path reads it and as only the general loop does: the two must agree.
func FuzzFastCell(f *testing.F) {
	f.Add("B5", "1", "s", "<v>1</v>", false)
	f.Add("C5", "", "", "<v>1.5e3</v>", true)
	f.Add("D5", "2", "inlineStr", "<is><t>a &amp; b</t></is>", false)
	f.Add("E5", "", "n", "<v>_x0031_</v>", false)
	f.Add("XFD1", "", "s", "<v>999</v>", true)
	shared := tableOf(f, "a", "b")
	f.Fuzz(func(t *testing.T, ref, style, typ, content string, lazy bool) {
		var b bytes.Buffer
		b.WriteString(`<row r="`)
		b.WriteString(strings.TrimPrefix(ref, strings.TrimRight(ref, "0123456789")))
		b.WriteString(`"><c r="`)
		b.WriteString(ref)
		b.WriteByte('"')
		if style != "" {
			fmt.Fprintf(&b, ` s="%s"`, style)
		}
		if typ != "" {
			fmt.Fprintf(&b, ` t="%s"`, typ)
		}
		b.WriteByte('>')
		b.WriteString(content)
		b.WriteString(`</c></row>`)
		var read []bool
		if lazy {
			read = []bool{true}
		}
		sameScan(t, shared, b.String(), read)
	})
}

// TestRowNumberMatchesAttr compares rowNumber with attr and strconv.Atoi
// on the start tags of rows; fast marks those rowNumber must read.
func TestRowNumberMatchesAttr(t *testing.T) {
	for _, c := range []struct {
		tag  string
		fast bool
	}{
		{`<row r="1"`, true}, {`<row r="12" spans="1:25"`, true}, {`<row r="007"`, true}, {`<row r="999999999"`, true}, {`<row r="6"/`, true},
		{`<row r="1234567890"`, false}, {`<row r=""`, false}, {`<row r="1`, false}, {`<row r="1a"`, false}, {`<row r="-1"`, false},
		{`<row r='3'`, false}, {`<row  r="4"`, false}, {`<row spans="1:2" r="5"`, false},
	} {
		want, wantOK := 0, false
		if v := attr([]byte(c.tag), "r"); v != nil {
			if r, err := strconv.Atoi(string(v)); err == nil {
				want, wantOK = r, true
			}
		}
		got, ok := rowNumber([]byte(c.tag))
		if ok != c.fast || ok && (!wantOK || got != want) {
			t.Errorf("rowNumber(%s) = %d, %v; attr and Atoi: %d, %v", c.tag, got, ok, want, wantOK)
		}
	}
}

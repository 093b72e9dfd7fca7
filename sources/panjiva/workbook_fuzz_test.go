package panjiva

import (
	"testing"

	"github.com/tradepipe/tradepipe/internal/fuzztest"
)

// FuzzWorkbook runs the whole workbook reader (zip, workbook, shared
// strings, sheet, header matching, normalisers) over a workbook whose
// sheet XML and shared strings are the fuzz input. Rows must keep the
// source's promises; the parse must not panic.
func FuzzWorkbook(f *testing.F) {
	f.Add([]byte(`<worksheet><sheetData>`+hostileHeader+`<row r="2"><c r="A2"><v>43845</v></c><c r="B2" t="s"><v>0</v></c><c r="C2"><v>12.5</v></c><c r="D2" t="s"><v>1</v></c></row></sheetData></worksheet>`),
		[]byte(`<sst><si><t>0201.30</t></si><si><t>Acme</t></si></sst>`))
	f.Add([]byte(`<worksheet><sheetData>`+hostileHeader+`<row r="4"><c r="DDDDDDDDDDDDDD4"><v>1</v></c></row></sheetData></worksheet>`), []byte(`<sst><si </si></sst>`))
	src, err := New(Options{}, nil)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, sheet, shared []byte) {
		path := hostileWorkbook(t, string(sheet), string(shared))
		// Rows the reader vouches for must hold valid UTF-8 (checkedEmitter).
		e := &checkedEmitter{Emitter: &fuzztest.Emitter{T: t}, t: t}
		_ = src.Parse(t.Context(), release(path), e)
	})
}

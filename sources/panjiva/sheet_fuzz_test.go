package panjiva

import (
	"bytes"
	"testing"
)

// FuzzSheetScanner feeds arbitrary sheet XML to the row and cell scanner,
// through a small window so that every element also crosses a refill. It
// must not panic, and the cells it reports must respect the bounds.
func FuzzSheetScanner(f *testing.F) {
	f.Add([]byte(`<worksheet><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="inlineStr"><is><t>a&amp;b</t></is></c><c r="C1"><v>1.5</v></c></row></sheetData></worksheet>`))
	f.Add([]byte(`<row r="4"><c r="DDDDDDDDDDDDDD4"><v>1</v></c></row>`))
	shared := tableOf(f, "a", "b")
	f.Fuzz(func(t *testing.T, data []byte) {
		wb := &workbook{shared: shared}
		p := &sheetParser{wb: wb, w: window{r: bytes.NewReader(data), buf: make([]byte, 16), max: 1 << 16, what: "a row"}}
		_ = p.run(t.Context(), func(row int, cells []cell) error {
			if len(cells) > maxColumns {
				t.Fatalf("row %d: %d cells", row, len(cells))
			}
			for _, c := range cells {
				if len(c.v) > maxCellBytes {
					t.Fatalf("row %d: cell of %d bytes", row, len(c.v))
				}
			}
			return nil
		})
	})
}

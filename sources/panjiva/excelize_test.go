package panjiva

import (
	"context"
	"fmt"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/tradepipe/tradepipe/internal/panjivagen"
)

// The streaming scanner must see exactly the cells excelize's own Rows
// iterator sees (raw values), on workbooks with inline strings (the
// generator), shared strings (excelize SetSheetRow) and openpyxl output.
func TestScannerAgreesWithExcelize(t *testing.T) {
	gen, _ := generate(t, panjivagen.Options{Rows: 2000, Seed: 9, QuirkShare: 0.03, TitleRows: true, Sheets: 2, NotesSheet: true})
	shared := writeSheet(t, map[string][][]any{"S": {
		{"Title & more"}, {}, {"Arrival Date", "HS Code", "Value"},
		{43845, "0201.30", "$1,234.56"}, {"01/16/2020", 201.3, 12.5}, {nil, "x", "<tag>"},
	}})
	for _, path := range []string{gen, shared, "testdata/openpyxl_export.xlsx"} {
		f, err := excelize.OpenFile(path, excelize.Options{UnzipSizeLimit: 1 << 30, UnzipXMLSizeLimit: 1 << 26})
		if err != nil {
			t.Fatal(err)
		}
		wb, err := openWorkbook(path, Limits{UnzipSizeLimit: 1 << 30, UnzipXMLSizeLimit: 1 << 26})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := len(wb.sheets), len(f.GetSheetList()); got != want {
			t.Fatalf("%s: %d sheets, excelize %d", path, got, want)
		}
		for _, sh := range wb.sheets {
			want := map[string]string{}
			rows, err := f.Rows(sh.name)
			if err != nil {
				t.Fatal(err)
			}
			for r := 1; rows.Next(); r++ {
				cols, err := rows.Columns(excelize.Options{RawCellValue: true})
				if err != nil {
					t.Fatal(err)
				}
				for c, v := range cols {
					if v != "" {
						want[fmt.Sprintf("%d/%d", r, c)] = v
					}
				}
			}
			_ = rows.Close()
			got := map[string]string{}
			err = wb.streamSheet(context.Background(), sh, func(r int, cells []cell) error {
				for c, v := range cells {
					if v.kind != kindEmpty && len(v.v) > 0 {
						got[fmt.Sprintf("%d/%d", r, c)] = string(v.v)
					}
				}
				return nil
			}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(want) || len(got) == 0 {
				t.Errorf("%s sheet %q: %d cells, excelize %d", path, sh.name, len(got), len(want))
			}
			n := 0
			for k, w := range want {
				if got[k] != w && n < 5 {
					t.Errorf("%s sheet %q cell %s = %q, excelize %q", path, sh.name, k, got[k], w)
					n++
				}
			}
		}
		_ = wb.Close()
		_ = f.Close()
	}
}

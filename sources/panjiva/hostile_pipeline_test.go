package panjiva_test

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tradepipe/tradepipe/internal/duckdbtest"
	"github.com/tradepipe/tradepipe/pipeline"
)

const hostileHeader = `<row r="1"><c r="A1" t="inlineStr"><is><t>Arrival Date</t></is></c><c r="B1" t="inlineStr"><is><t>HS Code</t></is></c><c r="C1" t="inlineStr"><is><t>Value of Goods (USD)</t></is></c><c r="D1" t="inlineStr"><is><t>Shipper</t></is></c></row>`

func writeWorkbook(t *testing.T, path, sheet, shared string) string {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	files := map[string]string{
		"xl/workbook.xml":            `<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Data" sheetId="1" r:id="rId1"/></sheets></workbook>`,
		"xl/_rels/workbook.xml.rels": `<Relationships><Relationship Id="rId1" Target="worksheets/sheet1.xml"/></Relationships>`,
		"xl/worksheets/sheet1.xml":   `<worksheet><sheetData>` + hostileHeader + sheet + `</sheetData></worksheet>`,
	}
	if shared != "" {
		files["xl/sharedStrings.xml"] = shared
	}
	for n, c := range files {
		w, _ := zw.Create(n)
		_, _ = w.Write([]byte(c))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// Issue 12 through the engine: the inputs that panicked (exit 2, every
// later run dying on the same file) fail alone with a clear error, and a
// shipper with an invalid UTF-8 byte lands repaired, so DuckDB can still
// read shipments/** (it failed with "Invalid string encoding").
func TestHostileInputsThroughTheEngine(t *testing.T) {
	ctx := context.Background()
	r, job, root := newRunner(t)
	in := t.TempDir()
	good := `<row r="2"><c r="A2"><v>43845</v></c><c r="B2" t="inlineStr"><is><t>020130</t></is></c><c r="C2"><v>5</v></c><c r="D2" t="inlineStr"><is><t>Ac` + "\xff" + `me</t></is></c></row>`
	paths := []string{
		writeWorkbook(t, filepath.Join(in, "col-overflow.xlsx"), `<row r="4"><c r="DDDDDDDDDDDDDD4"><v>1</v></c></row>`, ""),
		writeWorkbook(t, filepath.Join(in, "si-no-end.xlsx"), "", `<sst><si </si></sst>`),
		writeWorkbook(t, filepath.Join(in, "bad-utf8.xlsx"), good, ""),
	}
	s := r.Ingest(ctx, job, paths)
	failed := map[string]string{}
	for _, res := range s.Results {
		if res.Status == pipeline.StatusFailed {
			failed[filepath.Base(res.Input)] = fmt.Sprint(res.Err)
		}
	}
	for name, want := range map[string]string{"col-overflow.xlsx": "bad cell reference", "si-no-end.xlsx": "truncated <si>"} {
		if !strings.Contains(failed[name], want) || !strings.Contains(failed[name], name) {
			t.Errorf("%s: failed with %q, want an error naming it and %q", name, failed[name], want)
		}
	}
	if _, bad := failed["bad-utf8.xlsx"]; bad {
		t.Fatalf("bad-utf8.xlsx failed: %s", failed["bad-utf8.xlsx"])
	}
	db := duckdbtest.Open(t)
	var shipper string
	q := fmt.Sprintf("SELECT shipper FROM read_parquet('%s/shipments/**/*.parquet', hive_partitioning=true)", root)
	if err := db.QueryRow(q).Scan(&shipper); err != nil {
		t.Fatalf("DuckDB over shipments/**: %v", err)
	}
	if shipper != "Ac\uFFFDme" {
		t.Errorf("shipper %q", shipper)
	}
}

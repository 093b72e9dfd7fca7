package gacc

import "testing"

// FuzzGACCXLSX parses arbitrary bytes that start as a zip, as a detail
// table workbook (excelize). Its seed is a real detail workbook.
func FuzzGACCXLSX(f *testing.F) {
	f.Add([]byte("PK\x03\x04"))
	fuzzParse(f, "detail.xlsx")
}

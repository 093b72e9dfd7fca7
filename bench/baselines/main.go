// Command baselines reads every row of every sheet of a workbook with
// another Go xlsx reader, for bench/panjiva.sh to compare tradepipe with:
//
//	baselines excelize FILE.xlsx     excelize's streaming Rows() iterator
//	baselines xlsxreader FILE.xlsx   github.com/thedatashed/xlsxreader
//
// It prints the rows and non-empty cells read (the readers only tokenise
// and decode cells: no normalisation, no output), so that the work cannot
// be skipped. It is a module of its own so that the main module does not
// depend on xlsxreader.
package main

import (
	"fmt"
	"os"

	"github.com/thedatashed/xlsxreader"
	"github.com/xuri/excelize/v2"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: baselines excelize|xlsxreader FILE.xlsx")
		os.Exit(2)
	}
	var rows, cells int64
	var err error
	switch os.Args[1] {
	case "excelize":
		rows, cells, err = readExcelize(os.Args[2])
	case "xlsxreader":
		rows, cells, err = readXlsxreader(os.Args[2])
	default:
		err = fmt.Errorf("unknown reader %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "baselines:", err)
		os.Exit(1)
	}
	fmt.Printf("rows=%d cells=%d\n", rows, cells)
}

func readExcelize(path string) (rows, cells int64, err error) {
	// The limits are raised so that a million-row workbook's parts are
	// read at all; excelize then holds the shared strings table itself.
	f, err := excelize.OpenFile(path, excelize.Options{UnzipSizeLimit: 16 << 30, UnzipXMLSizeLimit: 1 << 30})
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	for _, sheet := range f.GetSheetList() {
		it, err := f.Rows(sheet)
		if err != nil {
			return 0, 0, err
		}
		for it.Next() {
			cols, err := it.Columns()
			if err != nil {
				return 0, 0, err
			}
			rows++
			for _, c := range cols {
				if c != "" {
					cells++
				}
			}
		}
		if err := it.Close(); err != nil {
			return 0, 0, err
		}
	}
	return rows, cells, nil
}

func readXlsxreader(path string) (rows, cells int64, err error) {
	f, err := xlsxreader.OpenFile(path)
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	for _, sheet := range f.Sheets {
		for r := range f.ReadRows(sheet) {
			if r.Error != nil {
				return 0, 0, r.Error
			}
			rows++
			for _, c := range r.Cells {
				if c.Value != "" {
					cells++
				}
			}
		}
	}
	return rows, cells, nil
}

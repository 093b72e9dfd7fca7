// Command panjivagen writes a Panjiva-style workbook of N rows for
// benchmarks: panjivagen -rows 1000000 -out /tmp/p.xlsx
//
// With -shared the text cells go to a shared strings table, as Excel,
// LibreOffice and most exporters write them, instead of excelize's inline
// strings: the same rows, each distinct text stored once in
// xl/sharedStrings.xml and referenced by index from the sheets.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/tradepipe/tradepipe/internal/panjivagen"
)

func main() {
	rows := flag.Int("rows", 100000, "data rows")
	out := flag.String("out", "panjiva.xlsx", "output path")
	seed := flag.Uint64("seed", 1, "random seed")
	quirks := flag.Float64("quirks", 0.005, "share of rows per quirk")
	sheets := flag.Int("sheets", 0, "sheets to spread the rows over (0: as few as Excel allows)")
	shared := flag.Bool("shared", false, "text cells in a shared strings table (as Excel writes) instead of inline strings")
	flag.Parse()
	if *sheets == 0 {
		*sheets = panjivagen.SheetsFor(*rows)
	}
	path := *out
	if *shared {
		path = strings.TrimSuffix(*out, ".xlsx") + ".inline.xlsx"
		defer os.Remove(path)
	}
	st, err := panjivagen.WriteFile(path, panjivagen.Options{Rows: *rows, Seed: *seed, QuirkShare: *quirks, TitleRows: true, Months: 12, Sheets: *sheets})
	if err != nil {
		fmt.Fprintln(os.Stderr, "panjivagen:", err)
		os.Exit(1)
	}
	if *shared {
		n, err := panjivagen.ToSharedStrings(path, *out)
		if err != nil {
			fmt.Fprintln(os.Stderr, "panjivagen:", err)
			os.Exit(1)
		}
		fmt.Fprintf(os.Stderr, "panjivagen: %d distinct shared strings\n", n)
	}
	b, _ := json.Marshal(st)
	fmt.Println(string(b))
}

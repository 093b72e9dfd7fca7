// Command panjivagen writes a Panjiva-style workbook of N rows for
// benchmarks: panjivagen -rows 1000000 -out /tmp/p.xlsx
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"

	"github.com/tradepipe/tradepipe/internal/panjivagen"
)

func main() {
	rows := flag.Int("rows", 100000, "data rows")
	out := flag.String("out", "panjiva.xlsx", "output path")
	seed := flag.Uint64("seed", 1, "random seed")
	quirks := flag.Float64("quirks", 0.005, "share of rows per quirk")
	sheets := flag.Int("sheets", 0, "sheets to spread the rows over (0: as few as Excel allows)")
	flag.Parse()
	if *sheets == 0 {
		*sheets = panjivagen.SheetsFor(*rows)
	}
	st, err := panjivagen.WriteFile(*out, panjivagen.Options{Rows: *rows, Seed: *seed, QuirkShare: *quirks, TitleRows: true, Months: 12, Sheets: *sheets})
	if err != nil {
		fmt.Fprintln(os.Stderr, "panjivagen:", err)
		os.Exit(1)
	}
	b, _ := json.Marshal(st)
	fmt.Println(string(b))
}

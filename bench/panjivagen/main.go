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
	flag.Parse()
	st, err := panjivagen.WriteFile(*out, panjivagen.Options{Rows: *rows, Seed: *seed, QuirkShare: *quirks, TitleRows: true, Months: 12})
	if err != nil {
		fmt.Fprintln(os.Stderr, "panjivagen:", err)
		os.Exit(1)
	}
	b, _ := json.Marshal(st)
	fmt.Println(string(b))
}

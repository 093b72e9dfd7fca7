// Command floor measures the floor of reading a workbook: inflating every
// worksheet's XML with Go's archive/zip and discarding it (io.Copy to
// io.Discard). It prints the seconds taken and the bytes inflated.
package main

import (
	"archive/zip"
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: floor FILE.xlsx")
		os.Exit(2)
	}
	start := time.Now()
	zr, err := zip.OpenReader(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "floor:", err)
		os.Exit(1)
	}
	defer zr.Close()
	var n int64
	for _, f := range zr.File {
		if !strings.HasPrefix(f.Name, "xl/worksheets/") || !strings.HasSuffix(f.Name, ".xml") {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			fmt.Fprintln(os.Stderr, "floor:", err)
			os.Exit(1)
		}
		m, err := io.Copy(io.Discard, rc)
		rc.Close()
		if err != nil {
			fmt.Fprintln(os.Stderr, "floor:", err)
			os.Exit(1)
		}
		n += m
	}
	fmt.Printf("%.3f %d\n", time.Since(start).Seconds(), n)
}

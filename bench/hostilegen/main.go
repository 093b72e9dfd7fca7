// Command hostilegen writes the hostile inputs of issue 12 into a
// directory, for bench/hostile.sh:
//
//	sst-bomb.xlsx     1.3 MB workbook whose sharedStrings.xml inflates to 500 MB
//	big-cell.xlsx     one 60 MB inline-string cell (incompressible text)
//	zip-bomb.xlsx     a sheet of 4 GiB of whitespace, a few MB compressed
//	col-overflow.xlsx <c r="DDDDDDDDDDDDDD4">
//	si-no-end.xlsx    sharedStrings.xml holding <si </si>
//	bad-utf8.xlsx     a shipper name with an invalid UTF-8 byte
//	inexact.html      a GACC release cell 1.000000000000000000000000000000000001
//	gacc-50mb.html    a 50 MB GACC release page (its Japan rows repeated)
//
// The GACC pages are made from TEMPLATE, a release page such as
// examples/gacc/release-2017-12.html.
//
// usage: hostilegen DIR TEMPLATE [BOMB_GIB]
package main

import (
	"archive/zip"
	"bufio"
	"compress/flate"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

const header = `<row r="1"><c r="A1" t="inlineStr"><is><t>Arrival Date</t></is></c><c r="B1" t="inlineStr"><is><t>HS Code</t></is></c><c r="C1" t="inlineStr"><is><t>Value of Goods (USD)</t></is></c><c r="D1" t="inlineStr"><is><t>Shipper</t></is></c></row>`

const goodRow = `<row r="2"><c r="A2"><v>43845</v></c><c r="B2" t="inlineStr"><is><t>020130</t></is></c><c r="C2"><v>1250.5</v></c><c r="D2" t="inlineStr"><is><t>Acme</t></is></c></row>`

// part is one zip entry: its bytes come from write.
type part struct {
	name  string
	write func(w io.Writer) error
}

func text(s string) func(io.Writer) error {
	return func(w io.Writer) error { _, err := io.WriteString(w, s); return err }
}

func workbook(path string, parts ...part) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	zw := zip.NewWriter(f)
	zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) { return flate.NewWriter(w, flate.BestCompression) })
	all := append([]part{
		{"xl/workbook.xml", text(`<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Data" sheetId="1" r:id="rId1"/></sheets></workbook>`)},
		{"xl/_rels/workbook.xml.rels", text(`<Relationships><Relationship Id="rId1" Target="worksheets/sheet1.xml"/></Relationships>`)},
	}, parts...)
	for _, p := range all {
		w, err := zw.Create(p.name)
		if err != nil {
			return err
		}
		bw := bufio.NewWriterSize(w, 1<<20)
		if err := p.write(bw); err != nil {
			return err
		}
		if err := bw.Flush(); err != nil {
			return err
		}
	}
	if err := zw.Close(); err != nil {
		return err
	}
	return f.Close()
}

func sheet(rows string) part {
	return part{"xl/worksheets/sheet1.xml", text(`<worksheet><sheetData>` + header + rows + `</sheetData></worksheet>`)}
}

func repeat(s string, total int64) func(io.Writer) error {
	return func(w io.Writer) error {
		chunk := strings.Repeat(s, int(max(1, (1<<20)/int64(len(s)))))
		for n := int64(0); n < total; n += int64(len(chunk)) {
			if _, err := io.WriteString(w, chunk); err != nil {
				return err
			}
		}
		return nil
	}
}

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: hostilegen DIR TEMPLATE [BOMB_GIB]")
		os.Exit(2)
	}
	dir := os.Args[1]
	tmpl, err := os.ReadFile(os.Args[2])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	page := string(tmpl)
	const cell, japan = "<td>11,500,000</td>", `<tr><td rowspan="2">Japan</td>`
	i := strings.Index(page, japan)
	if !strings.Contains(page, cell) || i < 0 {
		fmt.Fprintln(os.Stderr, "template: no Japan row with 11,500,000")
		os.Exit(1)
	}
	// The Japan value row and its year-on-year row.
	end := i
	for range 2 {
		end += strings.Index(page[end:], "</tr>") + len("</tr>\n")
	}
	pair := page[i:end]
	bombGiB := int64(4)
	if len(os.Args) > 3 {
		n, err := strconv.ParseInt(os.Args[3], 10, 64)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		bombGiB = n
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	randomText := func(n int) string {
		const letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 "
		b := make([]byte, n)
		for i := range b {
			b[i] = letters[rng.IntN(len(letters))]
		}
		return string(b)
	}
	jobs := []struct {
		name string
		make func(path string) error
	}{
		{"sst-bomb.xlsx", func(p string) error {
			return workbook(p, sheet(goodRow), part{"xl/sharedStrings.xml", func(w io.Writer) error {
				if _, err := io.WriteString(w, `<sst>`); err != nil {
					return err
				}
				if err := repeat(`<si><t>x</t></si>`, 500<<20)(w); err != nil {
					return err
				}
				_, err := io.WriteString(w, `</sst>`)
				return err
			}})
		}},
		{"big-cell.xlsx", func(p string) error {
			return workbook(p, sheet(`<row r="2"><c r="A2"><v>43845</v></c><c r="B2" t="inlineStr"><is><t>020130</t></is></c><c r="C2"><v>5</v></c><c r="D2" t="inlineStr"><is><t>`+randomText(60<<20)+`</t></is></c></row>`))
		}},
		{"zip-bomb.xlsx", func(p string) error {
			return workbook(p, part{"xl/worksheets/sheet1.xml", func(w io.Writer) error {
				if _, err := io.WriteString(w, `<worksheet><sheetData>`+header); err != nil {
					return err
				}
				if err := repeat(" ", bombGiB<<30)(w); err != nil {
					return err
				}
				_, err := io.WriteString(w, `</sheetData></worksheet>`)
				return err
			}})
		}},
		{"col-overflow.xlsx", func(p string) error {
			return workbook(p, sheet(goodRow+`<row r="4"><c r="DDDDDDDDDDDDDD4"><v>1</v></c></row>`))
		}},
		{"si-no-end.xlsx", func(p string) error {
			return workbook(p, sheet(goodRow), part{"xl/sharedStrings.xml", text(`<sst><si </si></sst>`)})
		}},
		{"bad-utf8.xlsx", func(p string) error {
			return workbook(p, sheet("<row r=\"2\"><c r=\"A2\"><v>43845</v></c><c r=\"B2\" t=\"inlineStr\"><is><t>020130</t></is></c><c r=\"C2\"><v>5</v></c><c r=\"D2\" t=\"inlineStr\"><is><t>Ac\xffme</t></is></c></row>"))
		}},
		{"inexact.html", func(p string) error {
			return os.WriteFile(p, []byte(strings.Replace(page, cell, "<td>1.000000000000000000000000000000000001</td>", 1)), 0o644)
		}},
		{"gacc-50mb.html", func(p string) error {
			n := (50 << 20) / len(pair)
			return os.WriteFile(p, []byte(page[:end]+strings.Repeat(pair, n)+page[end:]), 0o644)
		}},
	}
	for _, j := range jobs {
		p := filepath.Join(dir, j.name)
		if err := j.make(p); err != nil {
			fmt.Fprintf(os.Stderr, "%s: %v\n", j.name, err)
			os.Exit(1)
		}
		fi, _ := os.Stat(p)
		fmt.Printf("%-18s %12d bytes\n", j.name, fi.Size())
	}
}

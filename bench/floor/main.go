// Command floor measures the least any reader of a workbook must spend:
// inflating the XML parts that hold cells, every worksheet and
// xl/sharedStrings.xml, with the inflater tradepipe itself uses
// (github.com/klauspost/compress/flate), then finding each cell's value in
// that XML.
//
// It reads the workbook twice and prints one line of key=value pairs:
//
//	inflate_s, inflate_cpu_s  inflating the parts to io.Discard
//	scan_s, scan_cpu_s        inflating them again and tokenising: every
//	                          <v> and <t> value located (one IndexByte
//	                          per tag), nothing decoded or kept
//	xml_bytes, values         what was inflated and found, so the scan
//	                          cannot be optimised away
//
// The floor in docs/BENCHMARKS.md is scan_s: a reader that does not at
// least inflate and tokenise has not read the cells.
package main

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"
	"syscall"
	"time"

	kflate "github.com/klauspost/compress/flate"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: floor FILE.xlsx")
		os.Exit(2)
	}
	if err := run(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "floor:", err)
		os.Exit(1)
	}
}

func run(path string) error {
	zr, err := zip.OpenReader(path)
	if err != nil {
		return err
	}
	defer zr.Close()
	zr.RegisterDecompressor(zip.Deflate, func(r io.Reader) io.ReadCloser { return kflate.NewReader(r) })
	var parts []*zip.File
	for _, f := range zr.File {
		n := strings.ToLower(f.Name)
		if strings.HasPrefix(n, "xl/worksheets/") && strings.HasSuffix(n, ".xml") || n == "xl/sharedstrings.xml" {
			parts = append(parts, f)
		}
	}
	buf := make([]byte, 1<<20)

	t0, c0 := time.Now(), cpu()
	var total int64
	for _, f := range parts {
		n, err := each(f, buf, func([]byte) {})
		if err != nil {
			return err
		}
		total += n
	}
	inflate, inflateCPU := time.Since(t0), cpu()-c0

	t0, c0 = time.Now(), cpu()
	var values, valueBytes int64
	var tail []byte
	for _, f := range parts {
		tail = tail[:0]
		if _, err := each(f, buf, func(b []byte) {
			// Carry the last unfinished tag into the next block.
			tail = append(tail, b...)
			v, vb, keep := scan(tail)
			values += v
			valueBytes += vb
			tail = append(tail[:0], tail[keep:]...)
		}); err != nil {
			return err
		}
	}
	scanT, scanCPU := time.Since(t0), cpu()-c0
	fmt.Printf("inflate_s=%.3f inflate_cpu_s=%.3f scan_s=%.3f scan_cpu_s=%.3f xml_bytes=%d values=%d value_bytes=%d\n",
		inflate.Seconds(), inflateCPU.Seconds(), scanT.Seconds(), scanCPU.Seconds(), total, values, valueBytes)
	return nil
}

// each inflates f in blocks of len(buf), calling fn on each.
func each(f *zip.File, buf []byte, fn func([]byte)) (int64, error) {
	rc, err := f.Open()
	if err != nil {
		return 0, err
	}
	defer rc.Close()
	var n int64
	for {
		m, err := io.ReadFull(rc, buf)
		n += int64(m)
		fn(buf[:m])
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return n, nil
		}
		if err != nil {
			return n, fmt.Errorf("%s: %w", f.Name, err)
		}
	}
}

// scan finds every <v> and <t> value in b. It returns how many it found,
// their bytes, and where the first tag it could not finish starts.
func scan(b []byte) (values, valueBytes int64, keep int) {
	pos := 0
	for {
		i := bytes.IndexByte(b[pos:], '<')
		if i < 0 {
			return values, valueBytes, len(b)
		}
		i += pos
		if i+2 >= len(b) {
			return values, valueBytes, i
		}
		c, d := b[i+1], b[i+2]
		if (c == 'v' || c == 't') && (d == '>' || d == ' ') {
			gt := bytes.IndexByte(b[i+2:], '>')
			if gt < 0 {
				return values, valueBytes, i
			}
			start := i + 2 + gt + 1
			end := bytes.IndexByte(b[start:], '<')
			if end < 0 {
				return values, valueBytes, i
			}
			values++
			valueBytes += int64(end)
			pos = start + end
			continue
		}
		pos = i + 1
	}
}

func cpu() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

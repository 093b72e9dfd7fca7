package gacc

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/tradepipe/tradepipe/sources"
)

// BenchmarkParseLargeReleasePage parses a country table padded to just
// under MaxHTML (8 MiB) with unknown partner rows, the worst page the
// bound lets through; -benchmem's B/op is the allocation behind the
// "about 35× the page" figure in doc.go (docs/BENCHMARKS.md has the run).
func BenchmarkParseLargeReleasePage(b *testing.B) {
	var page bytes.Buffer
	page.WriteString(`<html><head><title>(2) Imports and Exports by Country (Region), 12. 2019</title></head><body><table>
<tr><td colspan="5">Unit: US$1,000</td></tr>
<tr><td rowspan="2">Country (Region)</td><td colspan="2">Exports</td><td colspan="2">Imports</td></tr>
<tr><td>12</td><td>1to12</td><td>12</td><td>1to12</td></tr>
<tr><td rowspan="2">United States</td><td>1</td><td>2</td><td>3</td><td>4</td></tr><tr><td>1.0</td><td>1.0</td><td>1.0</td><td>1.0</td></tr>
`)
	for i := 0; page.Len() < MaxHTML-4096; i++ {
		fmt.Fprintf(&page, `<tr><td rowspan="2">Atlantis %d</td><td>1,000</td><td>2,000</td><td>3,000</td><td>4,000</td></tr><tr><td>1.0</td><td>1.0</td><td>1.0</td><td>1.0</td></tr>`+"\n", i)
	}
	page.WriteString("</table></body></html>\n")
	p := filepath.Join(b.TempDir(), "big.html")
	if err := os.WriteFile(p, page.Bytes(), 0o644); err != nil {
		b.Fatal(err)
	}
	src, err := New(Options{}, nil, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(page.Len()))
	b.ReportAllocs()
	for b.Loop() {
		rel := &sources.Release{Source: Name, URI: "file://" + p, Name: "big.html", Path: p, Size: int64(page.Len()), SHA256: "00", Ext: "html"}
		if err := src.Parse(context.Background(), rel, &sink{}); err != nil {
			b.Fatal(err)
		}
	}
}

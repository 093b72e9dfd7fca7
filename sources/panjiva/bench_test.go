package panjiva

import (
	"context"
	"os"
	"testing"

	"github.com/tradepipe/tradepipe/internal/panjivagen"
	"github.com/tradepipe/tradepipe/internal/schema"
)

type countEmitter struct{ memEmitter }

func (c *countEmitter) Shipment(*schema.Shipment) error { return nil }
func (c *countEmitter) Reject(*schema.Rejected) error   { return nil }

// BenchmarkParse measures the reader and normalisation alone (no Parquet),
// per generated row, on both workbook kinds: excelize's inline strings and
// the shared strings table Excel writes.
// go test -run - -bench Parse ./sources/panjiva/
func BenchmarkParse(b *testing.B) {
	const rows = 20000
	dir := b.TempDir()
	inline := dir + "/inline.xlsx"
	if _, err := panjivagen.WriteFile(inline, panjivagen.Options{Rows: rows, Seed: 1, QuirkShare: 0.005, TitleRows: true}); err != nil {
		b.Fatal(err)
	}
	shared := dir + "/shared.xlsx"
	if _, err := panjivagen.ToSharedStrings(inline, shared); err != nil {
		b.Fatal(err)
	}
	src, err := New(Options{}, nil)
	if err != nil {
		b.Fatal(err)
	}
	for _, k := range []struct{ name, path string }{{"inline", inline}, {"shared", shared}} {
		b.Run(k.name, func(b *testing.B) {
			fi, _ := os.Stat(k.path)
			b.SetBytes(fi.Size())
			b.ReportAllocs()
			for b.Loop() {
				if err := src.Parse(context.Background(), release(k.path), &countEmitter{}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/rows, "ns/row")
		})
	}
}

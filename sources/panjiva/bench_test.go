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
// per generated row: go test -run - -bench Parse ./sources/panjiva/
func BenchmarkParse(b *testing.B) {
	path := b.TempDir() + "/bench.xlsx"
	const rows = 20000
	if _, err := panjivagen.WriteFile(path, panjivagen.Options{Rows: rows, Seed: 1, QuirkShare: 0.005, TitleRows: true}); err != nil {
		b.Fatal(err)
	}
	fi, _ := os.Stat(path)
	src, err := New(Options{}, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(fi.Size())
	b.ResetTimer()
	for b.Loop() {
		if err := src.Parse(context.Background(), release(path), &countEmitter{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/rows, "ns/row")
}

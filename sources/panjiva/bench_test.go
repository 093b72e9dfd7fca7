package panjiva

import (
	"context"
	"os"
	"strconv"
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

// BenchmarkFastPaths compares the fast paths of normalisation and the row
// loop with the general code they stand in for, per call, on the cells
// and tags the generator writes.
// go test -run - -bench FastPaths ./sources/panjiva/
func BenchmarkFastPaths(b *testing.B) {
	weights := [][]byte{[]byte("12345.6"), []byte("2.5"), []byte("830"), []byte("19876.25")}
	tags := [][]byte{[]byte(`<row r="5"`), []byte(`<row r="123456"`), []byte(`<row r="999999" spans="1:25"`)}
	var sink float64
	var n int
	b.Run("weight/plainFloat", func(b *testing.B) {
		for b.Loop() {
			for _, w := range weights {
				f, _ := plainFloat(w)
				sink += f
			}
		}
	})
	b.Run("weight/strconv", func(b *testing.B) {
		for b.Loop() {
			for _, w := range weights {
				f, _ := strconv.ParseFloat(view(w), 64)
				sink += f
			}
		}
	})
	b.Run("row/rowNumber", func(b *testing.B) {
		for b.Loop() {
			for _, t := range tags {
				r, _ := rowNumber(t)
				n += r
			}
		}
	})
	b.Run("row/attr", func(b *testing.B) {
		for b.Loop() {
			for _, t := range tags {
				r, _ := strconv.Atoi(string(attr(t, "r")))
				n += r
			}
		}
	})
	_, _ = sink, n
}

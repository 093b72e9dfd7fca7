package parquetfile

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"

	"github.com/tradepipe/tradepipe/internal/buildinfo"
	"github.com/tradepipe/tradepipe/internal/schema"
)

var update = flag.Bool("update", false, "rewrite the golden footers under testdata/golden")

// golden is what a file's layout looks like to parquet-go's reader, less
// the byte positions: the footer (schema, row groups, chunk metadata,
// statistics, encodings), the page index, the bloom filters' answers to
// values that are not in the file, and a digest of the rows read back.
// The files of TestGoldenLayout were first written by parquet-go's
// GenericWriter; a writer that changes any of it fails the test.
type golden struct {
	Schema       string // parquet-go's view, with the logical types the footer's JSON leaves out
	Footer       format.FileMetaData
	ColumnIndex  []format.ColumnIndex
	OffsetIndex  []format.OffsetIndex
	BloomAbsent  map[string]string // "row group/column": a 1 for each absent probe the filter lets through
	RowsSHA256   string
	Bytes        int64 // compared within 1%
	Uncompressed int64 // exact: the sum of the chunks' uncompressed sizes
}

// TestGoldenLayout writes fill rows of every table in several row groups
// and pages and compares the layout with testdata/golden (go test -run
// TestGoldenLayout -update rewrites it).
func TestGoldenLayout(t *testing.T) {
	for _, tbl := range schema.Tables() {
		t.Run(tbl.Name, func(t *testing.T) {
			var got golden
			switch tbl.Record.(type) {
			case schema.TradeFlowRecord:
				got = goldenOf[schema.TradeFlowRecord](t, tbl)
			case schema.TradeTotalRecord:
				got = goldenOf[schema.TradeTotalRecord](t, tbl)
			case schema.ShipmentRecord:
				got = goldenOf[schema.ShipmentRecord](t, tbl)
			case schema.QuarantineRecord:
				got = goldenOf[schema.QuarantineRecord](t, tbl)
			case schema.ComplianceRecord:
				got = goldenOf[schema.ComplianceRecord](t, tbl)
			default:
				t.Fatalf("no golden test for %T", tbl.Record)
			}
			path := filepath.Join("testdata", "golden", tbl.Name+".json")
			if *update {
				b, err := json.MarshalIndent(got, "", " ")
				if err != nil {
					t.Fatal(err)
				}
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			// Only the size is read back: the footer's logical types are
			// interfaces, so the files compare as JSON text.
			var want struct{ Bytes int64 }
			if err := json.Unmarshal(b, &want); err != nil {
				t.Fatal(err)
			}
			if d := float64(got.Bytes-want.Bytes) / float64(want.Bytes); d > 0.01 || d < -0.01 {
				t.Errorf("file of %d bytes, want %d within 1%%", got.Bytes, want.Bytes)
			}
			got.Bytes = want.Bytes
			gb, err := json.MarshalIndent(got, "", " ")
			if err != nil {
				t.Fatal(err)
			}
			if gb = append(gb, '\n'); !bytes.Equal(gb, b) {
				t.Errorf("layout differs from %s:\n%s", path, firstDiff(string(b), string(gb)))
			}
		})
	}
}

// firstDiff shows the lines around the first line that differs.
func firstDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := range min(len(w), len(g)) {
		if w[i] != g[i] {
			lo := max(0, i-8)
			return fmt.Sprintf("line %d\nwant:\n%s\ngot:\n%s", i+1,
				strings.Join(w[lo:min(len(w), i+3)], "\n"), strings.Join(g[lo:min(len(g), i+3)], "\n"))
		}
	}
	return fmt.Sprintf("%d lines, want %d", len(g), len(w))
}

func goldenOf[T any](t *testing.T, tbl schema.Table) golden {
	rows := fill[T](30_000, 3)
	f := writeAll(t, t.TempDir(), rows, Table(tbl), RowGroupRows(12_000), Release("rel-1"))
	_, size, pf := openParquet(t, f.Path)
	g := golden{Bytes: size, BloomAbsent: map[string]string{}}
	md := *pf.Metadata()
	if want := "tradepipe version " + createdByVersion() + "(build " + buildinfo.Commit() + ")"; md.CreatedBy != want {
		t.Errorf("created_by %q, want %q", md.CreatedBy, want)
	}
	md.CreatedBy = "CREATED_BY"
	md.KeyValueMetadata = append([]format.KeyValue(nil), md.KeyValueMetadata...)
	for i, kv := range md.KeyValueMetadata {
		if kv.Key == KeyVersion || kv.Key == KeyCommit {
			md.KeyValueMetadata[i].Value = "BUILD"
		}
	}
	md.RowGroups = append([]format.RowGroup(nil), md.RowGroups...)
	for i := range md.RowGroups {
		rg := &md.RowGroups[i]
		rg.FileOffset, rg.TotalCompressedSize = 0, 0
		rg.Columns = append([]format.ColumnChunk(nil), rg.Columns...)
		for j := range rg.Columns {
			c := &rg.Columns[j]
			g.Uncompressed += c.MetaData.TotalUncompressedSize
			c.FileOffset, c.ColumnIndexOffset, c.ColumnIndexLength, c.OffsetIndexOffset, c.OffsetIndexLength = 0, 0, 0, 0, 0
			m := &c.MetaData
			m.TotalCompressedSize, m.DataPageOffset, m.DictionaryPageOffset, m.BloomFilterOffset = 0, 0, 0, 0
			if m.BloomFilterLength != 0 {
				// The filter's size follows from the values it holds.
				g.BloomAbsent[fmt.Sprintf("%d/%s", i, strings.Join(m.PathInSchema, "."))] = bloomAbsent(t, pf.RowGroups()[i].ColumnChunks()[j])
			}
		}
	}
	g.Footer = md
	g.Schema = pf.Schema().String()
	for _, oi := range pf.OffsetIndexes() {
		oi.PageLocations = append([]format.PageLocation(nil), oi.PageLocations...)
		for k := range oi.PageLocations {
			oi.PageLocations[k].Offset, oi.PageLocations[k].CompressedPageSize = 0, 0
		}
		g.OffsetIndex = append(g.OffsetIndex, oi)
	}
	g.ColumnIndex = pf.ColumnIndexes()
	g.RowsSHA256 = rowsDigest[T](t, pf)
	return g
}

// bloomAbsent asks the chunk's filter about values fill never makes: a
// filter with other bits lets other ones through.
func bloomAbsent(t *testing.T, c parquet.ColumnChunk) string {
	t.Helper()
	bf := c.BloomFilter()
	if bf == nil {
		t.Fatalf("column %d has a bloom filter length and no filter", c.Column())
	}
	var b strings.Builder
	for i := range 2000 {
		ok, err := bf.Check(parquet.ValueOf(fmt.Sprintf("absent-%d", i)))
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			b.WriteByte('1')
		} else {
			b.WriteByte('0')
		}
	}
	return b.String()
}

// rowsDigest is the sha256 of the file's rows as parquet-go reads them,
// in file order, as JSON.
func rowsDigest[T any](t *testing.T, pf *parquet.File) string {
	t.Helper()
	r := parquet.NewGenericReader[T](pf)
	defer r.Close()
	h := sha256.New()
	enc := json.NewEncoder(h)
	buf := make([]T, 512)
	for {
		n, err := r.Read(buf)
		for _, row := range buf[:n] {
			if err := enc.Encode(row); err != nil {
				t.Fatal(err)
			}
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

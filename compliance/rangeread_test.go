package compliance

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/tradepipe/tradepipe/internal/reference"
	"github.com/tradepipe/tradepipe/internal/schema"
	"github.com/tradepipe/tradepipe/sinks/lake"
	"github.com/tradepipe/tradepipe/sinks/publish"
)

// rangeLake is a directory lake that is a lake.RangeReader, as the S3
// lake is, and counts the bytes read through it.
type rangeLake struct {
	lake.Conditional
	read  atomic.Int64
	opens atomic.Int64
}

func (l *rangeLake) OpenReaderAt(ctx context.Context, key string) (lake.ObjectReader, error) {
	l.opens.Add(1)
	r, err := lake.OpenReaderAt(ctx, l.Conditional, key)
	if err != nil {
		return nil, err
	}
	return countingReader{ObjectReader: r, n: &l.read}, nil
}

type countingReader struct {
	lake.ObjectReader
	n *atomic.Int64
}

func (c countingReader) ReadAt(p []byte, off int64) (int, error) {
	n, err := c.ObjectReader.ReadAt(p, off)
	c.n.Add(int64(n))
	return n, err
}

// TestReadSeriesReadsPartOfAnAllPartnerFile: compliance opens a lake's
// files through lake.OpenReaderAt, so on a lake that reads ranges (S3)
// an all-partner month costs the footer and China's pages, not the file:
// here under a fifth of its bytes, for the same figures.
func TestReadSeriesReadsPartOfAnAllPartnerFile(t *testing.T) {
	ctx := context.Background()
	dir := newLake(t).(lake.Conditional)
	b := allPartnerFile(t, 4096)
	path := filepath.Join(t.TempDir(), "all.parquet")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	pub := &publish.Publisher{Lake: dir}
	if _, err := pub.Publish(ctx, publish.Commit{
		Partition: schema.TradeFlowPartition("census", "export", month("2020-01")),
		Group:     publish.Group{Name: "partners-all", Rows: 40000},
		Local: []publish.LocalFile{{Name: "partners-all.parquet", Path: path, Rows: 40000, Bytes: int64(len(b)),
			SHA256: hex.EncodeToString(sum[:])}},
	}); err != nil {
		t.Fatal(err)
	}
	want, err := ReadSeries(ctx, dir, reference.USExports)
	if err != nil {
		t.Fatal(err)
	}
	rl := &rangeLake{Conditional: dir}
	got, err := ReadSeries(ctx, rl, reference.USExports)
	if err != nil {
		t.Fatal(err)
	}
	fw, fg := want.Figures[month("2020-01")], got.Figures[month("2020-01")]
	if fw == nil || fg == nil || len(fw.Cents) == 0 || len(fg.Cents) != len(fw.Cents) {
		t.Fatalf("figures %+v and %+v, want China's rows in both", fg, fw)
	}
	for hs, c := range fw.Cents {
		if fg.Cents[hs] != c {
			t.Errorf("%s: %d cents through ranges, %d read in place", hs, fg.Cents[hs], c)
		}
	}
	if rl.opens.Load() != 1 {
		t.Errorf("%d opens through the range reader, want 1", rl.opens.Load())
	}
	if n := rl.read.Load(); n == 0 || n > int64(len(b))/5 {
		t.Errorf("read %d of the file's %d bytes, want under a fifth", n, len(b))
	}
	t.Logf("read %d of %d bytes", rl.read.Load(), len(b))
}

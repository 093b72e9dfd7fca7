package pipeline

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/tradepipe/tradepipe/internal/civil"
	"github.com/tradepipe/tradepipe/internal/money"
	"github.com/tradepipe/tradepipe/internal/schema"
	"github.com/tradepipe/tradepipe/sinks/lake"
	"github.com/tradepipe/tradepipe/sources"
)

// spread emits rows over parts partitions (consecutive months): the
// stand-in for one all-partner month laid out with a partner= path key
// (one partition per partner) against the file identity (one partition).
type spread struct{ parts, rows int }

func (s spread) Parse(ctx context.Context, r *sources.Release, e sources.Emitter) error {
	for i := range s.rows {
		k := i % s.parts
		m := civil.Month{Year: 2000 + k/12, Month: time.Month(k%12 + 1)}
		if err := e.TradeFlow(&schema.TradeFlow{Period: m, Reporter: "US", Partner: "CN", Flow: "export", HSCode: fmt.Sprintf("%010d", i),
			ValueUSD: money.MustParse("100"), Valuation: "FAS", Source: "census", ReleaseID: r.ReleaseID, SourceURI: r.URI, SourceSHA256: r.SHA256}); err != nil {
			return err
		}
	}
	return nil
}

// BenchmarkReleasePartitions commits one release of 23,000 rows (a fifth
// of an all-partner HS10 month) as 1 partition and as 230, the number of
// partners: what a partner= path key would cost per month against the
// partner-named file (docs/ARCHITECTURE.md, "Partners in the lake").
//
//	go test ./pipeline/ -run XXX -bench ReleasePartitions -benchtime 3x
func BenchmarkReleasePartitions(b *testing.B) {
	for _, parts := range []int{1, 230} {
		b.Run(fmt.Sprintf("partitions=%d", parts), func(b *testing.B) {
			ctx := context.Background()
			job := &Job{Name: "bench", Source: "census", Parser: spread{parts: parts, rows: 23000}}
			i := 0
			for b.Loop() {
				b.StopTimer()
				i++
				root := b.TempDir()
				l, err := lake.NewDir(root)
				if err != nil {
					b.Fatal(err)
				}
				r, err := New(Options{Lake: l, SpoolDir: b.TempDir(), Now: func() time.Time { return fixedNow }}, nil, nil)
				if err != nil {
					b.Fatal(err)
				}
				body := []byte(fmt.Sprintf("release %d", i))
				p := filepath.Join(b.TempDir(), "in.txt")
				if err := os.WriteFile(p, body, 0o600); err != nil {
					b.Fatal(err)
				}
				sum := sha256.Sum256(body)
				sha := hex.EncodeToString(sum[:])
				rel := &sources.Release{Source: "census", URI: "bench://in", Name: "in", Path: p, SHA256: sha, Ext: "txt",
					ReleaseID: sources.ReleaseID(time.Unix(0, 0), sha)}
				b.StartTimer()
				rs := r.ProcessRelease(ctx, job, rel)
				b.StopTimer()
				if len(rs) != parts {
					b.Fatalf("%d results, want %d", len(rs), parts)
				}
				for _, res := range rs {
					if res.Status != StatusWritten {
						b.Fatalf("%s: %s %v", res.Partition, res.Status, res.Err)
					}
				}
				b.StartTimer()
			}
		})
	}
}

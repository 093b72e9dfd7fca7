package iceberg

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// BenchmarkCommitAfterReleases measures one snapshot commit of a
// trade_flows table after 200 releases (one every 6 hours, each revising
// month 1 and writing another month), keeping every snapshot or
// expiring them with the defaults (24h, 1 kept, 10 metadata versions);
// it reports the commit's CPU time (user and system, every thread; the
// machine's load inflates the wall time), the metadata file's size and
// the files under metadata/.
// Speed figures are in docs/BENCHMARKS.md, never in a test.
func BenchmarkCommitAfterReleases(b *testing.B) {
	for _, tc := range []struct {
		name string
		ex   *Expire
	}{
		{"keep-all", nil},
		{"expire", &Expire{MaxSnapshotAge: 24 * time.Hour, MinSnapshotsToKeep: 1, PreviousVersionsMax: 10, DeleteAfterCommit: true}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			ctx := context.Background()
			h := newHarness(b, tc.ex)
			for i := range 200 {
				if _, err := h.w.Catchup(ctx); err != nil {
					b.Fatal(err)
				}
				h.release(map[int]int{1: 1 + i%3, 2 + i%11: 2}, 6*time.Hour)
			}
			var cpu time.Duration
			b.ResetTimer()
			for i := range b.N {
				b.StopTimer()
				txn := h.commit(map[int]int{1: 1 + i%3, 2 + i%11: 3})
				b.StartTimer()
				c0 := cpuTime()
				if _, err := h.w.CommitTxn(ctx, txn); err != nil {
					b.Fatal(err)
				}
				cpu += cpuTime() - c0
				b.StopTimer()
				h.clock = h.clock.Add(6 * time.Hour)
				if _, err := h.w.Catchup(ctx); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
			}
			b.StopTimer()
			_, v, err := h.w.Current(ctx, "trade_flows")
			if err != nil {
				b.Fatal(err)
			}
			fi, err := os.Stat(filepath.Join(h.root, MetadataKey("trade_flows", v)))
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
			b.ReportMetric(float64(fi.Size()), "metadata-bytes")
			b.ReportMetric(float64(len(h.files())), "metadata-files")
		})
	}
}

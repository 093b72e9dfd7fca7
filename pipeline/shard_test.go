package pipeline

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/tradepipe/tradepipe/internal/civil"
	"github.com/tradepipe/tradepipe/sinks/lake"
)

func TestShardMonths(t *testing.T) {
	months := civil.Range(month(2017, 1), month(2017, 12))
	tests := []struct {
		name   string
		months []civil.Month
		count  int
		want   [][]string // per shard index
	}{
		{"unsharded", months[:3], 0, [][]string{{"2017-01", "2017-02", "2017-03"}}},
		{"one shard", months[:3], 1, [][]string{{"2017-01", "2017-02", "2017-03"}}},
		{"even", months[:6], 3, [][]string{{"2017-01", "2017-04"}, {"2017-02", "2017-05"}, {"2017-03", "2017-06"}}},
		{"uneven", months[:5], 3, [][]string{{"2017-01", "2017-04"}, {"2017-02", "2017-05"}, {"2017-03"}}},
		{"more shards than months", months[:2], 4, [][]string{{"2017-01"}, {"2017-02"}, nil, nil}},
		{"none", nil, 3, [][]string{nil, nil, nil}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for i, want := range tc.want {
				var got []string
				for _, m := range ShardMonths(tc.months, Shard{Index: i, Count: tc.count}) {
					got = append(got, m.String())
				}
				if !slices.Equal(got, want) {
					t.Errorf("shard %d/%d = %v, want %v", i, tc.count, got, want)
				}
			}
		})
	}
}

// Whatever the range and count: every month in exactly one shard, sizes
// within one of each other, each shard in the range's order.
func TestShardMonthsPartition(t *testing.T) {
	for n := 1; n <= 150; n += 7 {
		months := civil.Range(month(2010, 1), month(2010, 1).AddMonths(n-1))
		for count := 1; count <= 13; count++ {
			seen := map[civil.Month]int{}
			lo, hi := len(months), 0
			for i := range count {
				got := ShardMonths(months, Shard{Index: i, Count: count})
				lo, hi = min(lo, len(got)), max(hi, len(got))
				if !slices.IsSortedFunc(got, func(a, b civil.Month) int { return cmpMonth(a, b) }) {
					t.Fatalf("%d months, shard %d/%d out of order: %v", n, i, count, got)
				}
				for _, m := range got {
					seen[m]++
				}
			}
			if hi-lo > 1 {
				t.Errorf("%d months over %d shards: sizes %d..%d", n, count, lo, hi)
			}
			for _, m := range months {
				if seen[m] != 1 {
					t.Fatalf("%d months over %d shards: %s in %d shards", n, count, m, seen[m])
				}
			}
			if len(seen) != len(months) {
				t.Fatalf("%d months over %d shards: %d distinct months taken", n, count, len(seen))
			}
		}
	}
}

func cmpMonth(a, b civil.Month) int {
	switch {
	case a.Before(b):
		return -1
	case b.Before(a):
		return 1
	}
	return 0
}

func TestParseShard(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Shard
		ok   bool
	}{
		{"0/3", Shard{0, 3}, true},
		{"2/3", Shard{2, 3}, true},
		{" 1 / 2 ", Shard{1, 2}, true},
		{"3/3", Shard{}, false},
		{"-1/3", Shard{}, false},
		{"0/0", Shard{}, false},
		{"1", Shard{}, false},
		{"a/b", Shard{}, false},
		{"0/5000", Shard{}, false},
	} {
		got, err := ParseShard(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("ParseShard(%q) = %v, %v; want %v, ok %v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}

// Shards of one backfill run in three executors over one lake take
// disjoint months; a shard run again continues its record and fetches
// only its months not done.
func TestShardBackfills(t *testing.T) {
	ctx := context.Background()
	l, _ := lake.NewDir(t.TempDir())
	f := newFixture()
	f.permanent[month(2020, 2)] = true
	from, to := month(2019, 10), month(2020, 6) // 9 months
	ids := map[string]bool{}
	for i := range 3 {
		job := fixtureJob("census-exports", f)
		e := newExecutor(t, l, job)
		b, err := e.CreateBackfill(ctx, BackfillRequest{Job: job.Name, From: from, To: to, Shard: Shard{i, 3}})
		if err != nil {
			t.Fatal(err)
		}
		ids[b.ID] = true
		if len(b.Months) != 3 || b.Shard != (Shard{i, 3}) {
			t.Fatalf("shard %d: %d months, shard %v", i, len(b.Months), b.Shard)
		}
		if _, err := e.RunBackfill(ctx, b.ID, nil); err != nil {
			t.Fatal(err)
		}
	}
	if len(ids) != 3 {
		t.Fatalf("ids %v: want one per shard", ids)
	}
	for _, m := range civil.Range(from, to) {
		if got := f.count(m); got != 1 {
			t.Errorf("%s fetched %d times, want 1", m, got)
		}
	}
	// 2020-02 is month 4 of the range: shard 1's. Fixed, shard 1 runs
	// again: it retries that month only, in the same record.
	f.mu.Lock()
	f.permanent[month(2020, 2)] = false
	f.mu.Unlock()
	job := fixtureJob("census-exports", f)
	e := newExecutor(t, l, job)
	b, err := e.CreateBackfill(ctx, BackfillRequest{Job: job.Name, From: from, To: to, Shard: Shard{1, 3}})
	if err != nil {
		t.Fatal(err)
	}
	if !ids[b.ID] {
		t.Fatalf("re-run got id %s, not the shard's", b.ID)
	}
	b, err = e.RunBackfill(ctx, b.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	if b.State != BackfillSucceeded {
		t.Fatalf("re-run: %s %+v", b.State, b.Months)
	}
	for _, m := range civil.Range(from, to) {
		want := 1
		if m == month(2020, 2) {
			want = 2
		}
		if got := f.count(m); got != want {
			t.Errorf("after the re-run %s fetched %d times, want %d", m, got, want)
		}
	}
	all, err := e.Ledger().Backfills(ctx)
	if err != nil || len(all) != 3 {
		t.Fatalf("backfills: %d, %v; want 3", len(all), err)
	}
}

// A name stands for one range: the same name over another range is a bad
// request, not a continuation of a different backfill.
func TestShardNameIsOneRange(t *testing.T) {
	ctx := context.Background()
	l, _ := lake.NewDir(t.TempDir())
	job := fixtureJob("census-exports", newFixture())
	e := newExecutor(t, l, job)
	req := BackfillRequest{Job: job.Name, From: month(2019, 1), To: month(2019, 6), Shard: Shard{0, 2}, Name: "job-2019"}
	b, err := e.CreateBackfill(ctx, req)
	if err != nil || b.ID != "bf-job-2019-shard-0-of-2" {
		t.Fatalf("create: %v, %v", b, err)
	}
	req.To = month(2019, 12)
	if _, err := e.CreateBackfill(ctx, req); !errors.Is(err, ErrBadRequest) {
		t.Fatalf("same name, other range: %v, want ErrBadRequest", err)
	}
}

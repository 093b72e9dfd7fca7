package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tradepipe/tradepipe/internal/censustest"
	"github.com/tradepipe/tradepipe/internal/civil"
	"github.com/tradepipe/tradepipe/internal/duckdbtest"
	"github.com/tradepipe/tradepipe/pipeline"
	"github.com/tradepipe/tradepipe/sinks/lake"
	"github.com/tradepipe/tradepipe/sinks/s3lake"
	"github.com/tradepipe/tradepipe/sinks/s3lake/s3test"
)

// The months of the sharded backfills: 12, dealt to 3 shards. Shard 1
// takes 2019-02, 2019-05, 2019-08 and 2019-11.
const shardFrom, shardTo, shardCount = "2019-01", "2019-12", 3

// shardLake is an empty prefix of the test bucket and a config whose
// census job fetches from api.
func shardLake(t *testing.T, api *censustest.Server) (*s3lake.Lake, string) {
	t.Helper()
	opts, bucket := s3test.Env(t)
	l := s3test.Open(t, bucket, s3test.Prefix(t), opts)
	// The spool is the test's: a killed shard leaves its fetch directory
	// behind (a re-run's sweep removes it), and not in the machine's /tmp.
	cfg := fmt.Sprintf(`lake: %s
spool_dir: %q
s3:
  region: %s
  endpoint: %q
  path_style: %v
jobs:
  census-exports:
    source: census
    rate_limit: 1000
    max_attempts: 1
    options: {flow: export, partner: "5700", level: HS6, base_url: %q, max_attempts: 1}
`, l.URL(), t.TempDir(), opts.Region, opts.Endpoint, opts.PathStyle, api.URL)
	p := filepath.Join(t.TempDir(), "tradepipe.yaml")
	if err := os.WriteFile(p, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return l, p
}

// shardProc is one `tradepipe backfill --shard I/N` process (the test
// binary run as main, see TestMain).
type shardProc struct {
	cmd    *exec.Cmd
	out    bytes.Buffer
	stderr bytes.Buffer
}

func startShard(t *testing.T, config string, i int) *shardProc {
	t.Helper()
	p := &shardProc{}
	p.cmd = exec.Command(os.Args[0], "backfill", "census-exports", "--from", shardFrom, "--to", shardTo,
		"--shards", fmt.Sprint(shardCount), "--config", config)
	// The shard comes from the variable an Indexed Job sets, as in a pod.
	p.cmd.Env = append(os.Environ(), "TRADEPIPE_TEST_AS_MAIN=1", fmt.Sprintf("JOB_COMPLETION_INDEX=%d", i))
	p.cmd.Stdout, p.cmd.Stderr = &p.out, &p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return p
}

func (p *shardProc) wait(t *testing.T, i int) {
	t.Helper()
	if err := p.cmd.Wait(); err != nil {
		t.Fatalf("shard %d: %v\nstdout:\n%s\nstderr:\n%s", i, err, p.out.String(), p.stderr.String())
	}
	if !strings.Contains(p.out.String(), " succeeded: ") {
		t.Fatalf("shard %d did not succeed:\n%s", i, p.out.String())
	}
}

func runShards(t *testing.T, config string) {
	t.Helper()
	procs := make([]*shardProc, shardCount)
	for i := range shardCount {
		procs[i] = startShard(t, config, i)
	}
	for i, p := range procs {
		p.wait(t, i)
	}
}

func shardMonths(t *testing.T) []civil.Month {
	t.Helper()
	from, err1 := civil.ParseMonth(shardFrom)
	to, err2 := civil.ParseMonth(shardTo)
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	return civil.Range(from, to)
}

// checkLake checks that every month was committed exactly once: one
// record in its partition's log, one outcome in its ledger entry.
func checkLake(t *testing.T, l *s3lake.Lake) {
	t.Helper()
	ctx := context.Background()
	ledger := pipeline.NewLedger(l, nil)
	for _, m := range shardMonths(t) {
		dir := fmt.Sprintf("trade_flows/source=census/flow=export/year=%04d/month=%02d", m.Year, int(m.Month))
		var logs []string
		for o, err := range l.List(ctx, "_tables/"+dir+"/_log/") {
			if err != nil {
				t.Fatal(err)
			}
			logs = append(logs, o.Key)
		}
		if len(logs) != 1 {
			t.Errorf("%s: %d commit records %v, want 1", m, len(logs), logs)
		}
		en, err := ledger.Entry(ctx, "census-exports", m)
		if err != nil || en == nil {
			t.Fatalf("%s: ledger entry %v, %v", m, en, err)
		}
		if en.Status != pipeline.LedgerSucceeded || en.Runs != 1 || en.Rows != 2 {
			t.Errorf("%s: ledger %s, %d outcomes, %d rows; want succeeded once with 2 rows", m, en.Status, en.Runs, en.Rows)
		}
	}
}

// lakeRows reads trade_flows with DuckDB from the lake's view files
// (copied to disk: DuckDB's S3 reader is an extension it would download),
// without the columns a fetch stamps (release id, time, URI).
func lakeRows(t *testing.T, l *s3lake.Lake) []string {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	n := 0
	for o, err := range l.List(ctx, "trade_flows/") {
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasSuffix(o.Key, ".parquet") {
			continue
		}
		b, err := lake.ReadAll(ctx, l, o.Key)
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, filepath.FromSlash(o.Key))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != len(shardMonths(t)) {
		t.Fatalf("%d trade_flows files in the view, want %d", n, len(shardMonths(t)))
	}
	db := duckdbtest.Open(t)
	rows, err := db.Query(fmt.Sprintf(`SELECT period::VARCHAR, reporter, partner, flow, hs_code, value_usd::VARCHAR, coalesce(quantity::VARCHAR, ''), valuation
		FROM read_parquet('%s/trade_flows/**/*.parquet', hive_partitioning = true) ORDER BY ALL`, dir))
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var c [8]string
		if err := rows.Scan(&c[0], &c[1], &c[2], &c[3], &c[4], &c[5], &c[6], &c[7]); err != nil {
			t.Fatal(err)
		}
		out = append(out, strings.Join(c[:], "|"))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestShardedBackfillS3 runs a backfill as 3 processes, the shards of an
// Indexed Job, against MinIO: every month is fetched once and committed
// once. Then, on a second lake, shard 1 is killed (SIGKILL) while the API
// holds its second month; the other shards finish, shard 1 runs again and
// finishes its months without fetching the one it had committed, and the
// lake holds the same rows as the clean run's.
func TestShardedBackfillS3(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	api := censustest.New()
	defer api.Close()
	clean, cfg := shardLake(t, api)
	runShards(t, cfg)
	for _, m := range shardMonths(t) {
		if n := api.Requests(m.String()); n != 1 {
			t.Errorf("clean run: %s fetched %d times, want once", m, n)
		}
	}
	checkLake(t, clean)
	want := lakeRows(t, clean)
	if len(want) != 2*len(shardMonths(t)) {
		t.Fatalf("clean run: %d rows, want %d", len(want), 2*len(shardMonths(t)))
	}

	api2 := censustest.New()
	defer api2.Close()
	killed, cfg2 := shardLake(t, api2)
	const heldMonth = "2019-05" // shard 1's second month
	api2.Hold(heldMonth)
	procs := make([]*shardProc, shardCount)
	for i := range shardCount {
		procs[i] = startShard(t, cfg2, i)
	}
	<-api2.Arrived(heldMonth) // shard 1 committed 2019-02 and is fetching 2019-05
	if err := procs[1].cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = procs[1].cmd.Wait() // reaped: its pid is gone, so its leases are known dead
	api2.Release()
	procs[0].wait(t, 0)
	procs[2].wait(t, 2)
	if n := api2.Requests("2019-08"); n != 0 {
		t.Fatalf("2019-08 fetched %d times before shard 1 was re-run: the kill was not mid-shard", n)
	}
	rerun := startShard(t, cfg2, 1)
	rerun.wait(t, 1)
	t.Logf("re-run of shard 1:\n%s", rerun.out.String())
	for _, m := range shardMonths(t) {
		want := 1
		if m.String() == heldMonth {
			want = 2 // the killed fetch, then the re-run's
		}
		if n := api2.Requests(m.String()); n != want {
			t.Errorf("killed run: %s fetched %d times, want %d", m, n, want)
		}
	}
	checkLake(t, killed)
	if got := lakeRows(t, killed); !slices.Equal(got, want) {
		t.Errorf("after the kill and re-run the lake holds\n%s\nwant (the clean run's)\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// The re-run continued the shard's backfill record; there is one per
	// shard.
	bfs, err := pipeline.NewLedger(killed, nil).Backfills(context.Background())
	if err != nil || len(bfs) != shardCount {
		t.Fatalf("backfills: %d, %v; want %d", len(bfs), err, shardCount)
	}
	for _, b := range bfs {
		if b.State != pipeline.BackfillSucceeded {
			t.Errorf("backfill %s: %s", b.ID, b.State)
		}
	}
}

func TestShardFlags(t *testing.T) {
	env := func(vars map[string]string) func(string) (string, bool) {
		return func(k string) (string, bool) { v, ok := vars[k]; return v, ok }
	}
	for _, tc := range []struct {
		name string
		bf   backfillFlags
		env  map[string]string
		want pipeline.Shard
		err  string
	}{
		{"none", backfillFlags{}, nil, pipeline.Shard{}, ""},
		{"--shard", backfillFlags{shard: "1/3"}, nil, pipeline.Shard{Index: 1, Count: 3}, ""},
		{"--shard out of range", backfillFlags{shard: "3/3"}, nil, pipeline.Shard{}, "--shard"},
		{"--shards from the Job", backfillFlags{shards: 3}, map[string]string{"JOB_COMPLETION_INDEX": "2"}, pipeline.Shard{Index: 2, Count: 3}, ""},
		{"--shards outside a Job", backfillFlags{shards: 3}, nil, pipeline.Shard{}, "JOB_COMPLETION_INDEX, which is not set"},
		{"--shards index too high", backfillFlags{shards: 3}, map[string]string{"JOB_COMPLETION_INDEX": "3"}, pipeline.Shard{}, "index 3"},
		{"--shards bad index", backfillFlags{shards: 3}, map[string]string{"JOB_COMPLETION_INDEX": "x"}, pipeline.Shard{}, "not a number"},
		{"--name alone", backfillFlags{name: "job-1"}, nil, pipeline.Shard{}, "--name"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.bf.shardOf(env(tc.env))
			if tc.err != "" {
				var u usageError
				if err == nil || !strings.Contains(err.Error(), tc.err) || !errors.As(err, &u) {
					t.Fatalf("err %v, want a usage error with %q", err, tc.err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("got %v, %v; want %v", got, err, tc.want)
			}
		})
	}
}

package s3e2e_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tradepipe/tradepipe/sinks/lake/laketest"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go/middleware"
	"go.uber.org/goleak"

	"github.com/tradepipe/tradepipe/pipeline"
	"github.com/tradepipe/tradepipe/sinks/lake"
	"github.com/tradepipe/tradepipe/sinks/lease"
	"github.com/tradepipe/tradepipe/sinks/publish"
	"github.com/tradepipe/tradepipe/sinks/s3lake"
	"github.com/tradepipe/tradepipe/sinks/s3lake/s3test"
	"github.com/tradepipe/tradepipe/sources/census"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		goleak.IgnoreTopFunction("net/http.(*persistConn).readLoop"),
		goleak.IgnoreTopFunction("net/http.(*persistConn).writeLoop"),
		goleak.IgnoreTopFunction("internal/poll.runtime_pollWait"),
	)
}

// The pipeline's clock is fixed so that two runs write the same bytes
// (ingested_at, published_at, processed_at).
func fixedNow() time.Time { return time.Date(2026, 2, 10, 12, 0, 0, 0, time.UTC) }

const examples = "../../../examples/census"

func censusJob(t *testing.T, inbox lake.Lake) *pipeline.Job {
	t.Helper()
	src, err := census.New(census.Options{Flow: "export", Partner: "5700", Level: "HS6"}, nil, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	return &pipeline.Job{Name: "census-exports", Source: "census", Parser: src, Fetcher: src, Inbox: inbox, InboxExts: []string{"json", "json.gz"}}
}

// uploadExamples copies the bundled Census releases into inbox and returns
// how many there are (one partition each).
func uploadExamples(t *testing.T, inbox lake.Lake) int {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(examples, "*.json.gz"))
	if err != nil || len(files) == 0 {
		t.Fatalf("examples: %v, %v", files, err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := inbox.Put(context.Background(), filepath.Base(f), bytes.NewReader(b)); err != nil {
			t.Fatal(err)
		}
	}
	return len(files)
}

func newRunner(t *testing.T, l lake.Lake, lk pipeline.Locker) *pipeline.Runner {
	t.Helper()
	r, err := pipeline.New(pipeline.Options{Lake: l, SpoolDir: t.TempDir(), Now: fixedNow, Locker: lk}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func newLocker(t *testing.T, l lake.Conditional, owner string) *lease.Locker {
	t.Helper()
	lk, err := lease.New(lease.Options{Lake: l, Owner: owner, Poll: 20 * time.Millisecond}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return lk
}

func checkSummary(t *testing.T, name string, s *pipeline.Summary, written, unchanged int) {
	t.Helper()
	for _, r := range s.Results {
		if r.Status == pipeline.StatusFailed {
			t.Errorf("%s: %s %s failed: %v", name, r.Partition, r.Input, r.Err)
		}
	}
	if got := s.Count(pipeline.StatusWritten); got != written {
		t.Errorf("%s: %d written, want %d", name, got, written)
	}
	if got := s.Count(pipeline.StatusUnchanged); got != unchanged {
		t.Errorf("%s: %d unchanged, want %d", name, got, unchanged)
	}
}

// shared is what the recorders of one lake see: publishes per partition,
// writers overlapping in a partition, and an optional barrier that holds
// each writer's first manifest read of a partition until the other writer
// reads it too (or a timeout), to make races happen when nothing stops
// them.
type shared struct {
	mu        sync.Mutex
	manifests map[string]int    // partition dir → manifest puts
	active    map[string]string // partition dir → writer between its first data put and _SUCCESS
	overlaps  []string
	arrivals  map[string]int
	barrier   time.Duration
	cond      *sync.Cond
}

func newShared(barrier time.Duration) *shared {
	s := &shared{manifests: map[string]int{}, active: map[string]string{}, arrivals: map[string]int{}, barrier: barrier}
	s.cond = sync.NewCond(&s.mu)
	return s
}

// recorder is one writer's view of the lake.
type recorder struct {
	lake.Conditional
	id string
	sh *shared
}

func partitionDir(key string) (string, bool) {
	if strings.HasPrefix(key, "trade_flows/") || strings.HasPrefix(key, "quarantine/") {
		return path.Dir(key), true
	}
	return "", false
}

func (r *recorder) Put(ctx context.Context, key string, body io.Reader) error {
	dir, ok := partitionDir(key)
	if !ok {
		return r.Conditional.Put(ctx, key, body)
	}
	base := path.Base(key)
	r.sh.mu.Lock()
	if a := r.sh.active[dir]; a != "" && a != r.id {
		r.sh.overlaps = append(r.sh.overlaps, dir+": "+r.id+" wrote "+base+" while "+a+" was publishing")
	}
	if base != publish.SuccessName {
		r.sh.active[dir] = r.id
	}
	r.sh.mu.Unlock()
	err := r.Conditional.Put(ctx, key, body)
	r.sh.mu.Lock()
	if err == nil && base == publish.ManifestName {
		r.sh.manifests[dir]++
	}
	if base == publish.SuccessName && r.sh.active[dir] == r.id {
		delete(r.sh.active, dir)
	}
	r.sh.mu.Unlock()
	return err
}

func (r *recorder) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	if dir, ok := partitionDir(key); ok && r.sh.barrier > 0 && path.Base(key) == publish.ManifestName {
		r.sh.mu.Lock()
		r.sh.arrivals[dir]++
		r.sh.cond.Broadcast()
		deadline := time.Now().Add(r.sh.barrier)
		for r.sh.arrivals[dir] < 2 && time.Now().Before(deadline) {
			r.sh.mu.Unlock()
			time.Sleep(5 * time.Millisecond)
			r.sh.mu.Lock()
		}
		r.sh.mu.Unlock()
	}
	return r.Conditional.Get(ctx, key)
}

// counters counts S3 operations and HTTP attempts (retries included).
type counters struct{ ops, attempts atomic.Int64 }

func (c *counters) clientOption(o *s3.Options) {
	o.APIOptions = append(o.APIOptions, func(st *middleware.Stack) error {
		if err := st.Initialize.Add(middleware.InitializeMiddlewareFunc("countOps", func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
			c.ops.Add(1)
			return next.HandleInitialize(ctx, in)
		}), middleware.Before); err != nil {
			return err
		}
		return st.Finalize.Insert(middleware.FinalizeMiddlewareFunc("countAttempts", func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
			c.attempts.Add(1)
			return next.HandleFinalize(ctx, in)
		}), "Retry", middleware.After)
	})
}

// TestFaultProxyRun runs the whole census job through a proxy that fails a
// share of requests, and checks that every partition is published exactly
// once and byte-identical to a fault-free run.
func TestFaultProxyRun(t *testing.T) {
	opts, bucket := s3test.Env(t)
	base := s3test.Prefix(t)
	ctx := context.Background()
	inbox := s3test.Open(t, bucket, base+"/inbox", opts)
	n := uploadExamples(t, inbox)

	clean := s3test.Open(t, bucket, base+"/clean", opts)
	s := newRunner(t, clean, newLocker(t, clean, "clean")).RunOnce(ctx, censusJob(t, inbox))
	checkSummary(t, "fault-free run", s, n, 0)

	rate := 0.2
	proxy := newFaultProxy(t, opts.Endpoint, rate, 5)
	var cnt counters
	fopts := opts
	fopts.Endpoint = proxy.URL()
	fopts.BaseDelay = 5 * time.Millisecond
	fopts.MaxBackoff = 100 * time.Millisecond
	fopts.ClientOptions = []func(*s3.Options){cnt.clientOption}
	faultyLake, err := s3lake.New(ctx, bucket, base+"/faulty", fopts, nil)
	if err != nil {
		t.Fatal(err)
	}
	faultyInbox, err := s3lake.New(ctx, bucket, base+"/inbox", fopts, nil)
	if err != nil {
		t.Fatal(err)
	}
	sh := newShared(0)
	rec := &recorder{Conditional: faultyLake, id: "faulty", sh: sh}
	s = newRunner(t, rec, newLocker(t, rec, "faulty")).RunOnce(ctx, censusJob(t, faultyInbox))
	checkSummary(t, "run through faults", s, n, 0)

	// Read back without the proxy.
	direct := s3test.Open(t, bucket, base+"/faulty", opts)
	want, got := laketest.Converged(t, clean, lease.DefaultPrefix), laketest.Converged(t, direct, lease.DefaultPrefix)
	if len(want) == 0 {
		t.Fatal("fault-free run wrote nothing")
	}
	parts := 0
	for k, b := range want {
		if strings.HasSuffix(k, ".parquet") && strings.HasPrefix(k, "trade_flows/") {
			parts++
		}
		if got[k] != b {
			t.Errorf("%s differs from the fault-free run (%d vs %d bytes)", k, len(got[k]), len(b))
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("%s only in the faulty run", k)
		}
	}
	for dir, c := range sh.manifests {
		if c != 1 {
			t.Errorf("%s published %d times", dir, c)
		}
	}
	if len(sh.manifests) != n || parts != n {
		t.Errorf("published %d partitions (%d parquet files), want %d", len(sh.manifests), parts, n)
	}
	reqs, faults, kinds := proxy.report()
	t.Logf("fault proxy at rate %.2f: %d requests, %d injected faults (%s); SDK: %d operations, %d attempts, %d retries; %d partitions, each published once: %v; %d objects byte-identical",
		rate, reqs, faults, kinds, cnt.ops.Load(), cnt.attempts.Load(), cnt.attempts.Load()-cnt.ops.Load(), len(sh.manifests), !t.Failed(), len(want))
	if faults == 0 {
		t.Error("no faults injected")
	}
}

// twoWriters runs two runners with their own Lockers on one lake, at once,
// and returns the recorders' view.
func twoWriters(t *testing.T, l lake.Conditional, inbox lake.Lake, lockers func(a, b lake.Conditional) (pipeline.Locker, pipeline.Locker)) (*shared, [2]*pipeline.Summary) {
	sh := newShared(300 * time.Millisecond)
	a := &recorder{Conditional: l, id: "a", sh: sh}
	b := &recorder{Conditional: l, id: "b", sh: sh}
	la, lb := lockers(a, b)
	ra, rb := newRunner(t, a, la), newRunner(t, b, lb)
	var out [2]*pipeline.Summary
	var wg sync.WaitGroup
	wg.Go(func() { out[0] = ra.RunOnce(context.Background(), censusJob(t, inbox)) })
	wg.Go(func() { out[1] = rb.RunOnce(context.Background(), censusJob(t, inbox)) })
	wg.Wait()
	return sh, out
}

func testTwoWriters(t *testing.T, newLake func(t *testing.T) lake.Conditional) {
	inbox, err := lake.NewDir(examples)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for o := range inbox.List(context.Background(), "") {
		if strings.HasSuffix(o.Key, ".json") || strings.HasSuffix(o.Key, ".json.gz") {
			n++
		}
	}
	t.Run("WithLeases", func(t *testing.T) {
		l := newLake(t)
		sh, s := twoWriters(t, l, inbox, func(a, b lake.Conditional) (pipeline.Locker, pipeline.Locker) {
			return newLocker(t, a, "a"), newLocker(t, b, "b")
		})
		written := s[0].Count(pipeline.StatusWritten) + s[1].Count(pipeline.StatusWritten)
		for i, sum := range s {
			if sum.Failed() {
				t.Errorf("writer %d failed: %+v", i, sum.Results)
			}
		}
		for dir, c := range sh.manifests {
			if c != 1 {
				t.Errorf("%s published %d times", dir, c)
			}
		}
		if len(sh.overlaps) > 0 {
			t.Errorf("writers overlapped: %v", sh.overlaps)
		}
		if len(sh.manifests) != n || written != n {
			t.Errorf("%d partitions published, %d written in all, want %d", len(sh.manifests), written, n)
		}
		t.Logf("two writers with leases: %d partitions, publishes per partition all 1: %v; writer a wrote %d, b wrote %d (b: %d unchanged); overlaps: %d",
			len(sh.manifests), !t.Failed(), s[0].Count(pipeline.StatusWritten), s[1].Count(pipeline.StatusWritten), s[1].Count(pipeline.StatusUnchanged), len(sh.overlaps))
	})
	// The control: with only in-process locks the same setup does write
	// partitions twice, so the check above can fail.
	t.Run("WithoutLeasesTheyCollide", func(t *testing.T) {
		l := newLake(t)
		sh, _ := twoWriters(t, l, inbox, func(a, b lake.Conditional) (pipeline.Locker, pipeline.Locker) { return nil, nil })
		twice := 0
		for _, c := range sh.manifests {
			if c > 1 {
				twice++
			}
		}
		if twice == 0 && len(sh.overlaps) == 0 {
			t.Fatal("without leases no partition was written twice: the two-writer check proves nothing")
		}
		t.Logf("control without leases: %d of %d partitions published twice, %d overlapping writes", twice, len(sh.manifests), len(sh.overlaps))
	})
}

func TestTwoWritersS3(t *testing.T) {
	testTwoWriters(t, func(t *testing.T) lake.Conditional { return s3test.New(t, nil) })
}

func TestTwoWritersDir(t *testing.T) {
	testTwoWriters(t, func(t *testing.T) lake.Conditional {
		d, err := lake.NewDir(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		return d
	})
}

// TestS3Inbox runs a job whose inbox is an S3 prefix: every delivery is
// processed once, a broken one is moved to failed/ with its reason, and a
// second run processes nothing again.
func TestS3Inbox(t *testing.T) {
	opts, bucket := s3test.Env(t)
	base := s3test.Prefix(t)
	ctx := context.Background()
	inbox := s3test.Open(t, bucket, base+"/inbox", opts)
	n := uploadExamples(t, inbox)
	for k, v := range map[string]string{"broken.json": "{not a census response", "notes.txt": "ignored", "sub/_hidden.json": "[]"} {
		if err := inbox.Put(ctx, k, strings.NewReader(v)); err != nil {
			t.Fatal(err)
		}
	}
	l := s3test.Open(t, bucket, base+"/lake", opts)
	r := newRunner(t, l, newLocker(t, l, "inbox"))
	s := r.RunOnce(ctx, censusJob(t, inbox))
	if got := s.Count(pipeline.StatusWritten); got != n {
		t.Errorf("first run: %d written, want %d", got, n)
	}
	if got := s.Count(pipeline.StatusFailed); got != 1 {
		t.Errorf("first run: %d failed, want 1 (broken.json)", got)
	}
	if _, err := inbox.Stat(ctx, "broken.json"); err == nil {
		t.Error("broken.json still in the inbox")
	}
	reason, err := lake.ReadAll(ctx, inbox, "failed/broken.json.reason.txt")
	if err != nil || !strings.Contains(string(reason), "not a Census API response") {
		t.Errorf("reason = %q, %v", reason, err)
	}
	if _, err := inbox.Stat(ctx, "failed/broken.json"); err != nil {
		t.Errorf("failed/broken.json: %v", err)
	}
	var records []string
	for o, err := range l.List(ctx, "_state/v1/inputs/census-exports/") {
		if err != nil {
			t.Fatal(err)
		}
		records = append(records, o.Key)
	}
	if len(records) != n {
		t.Errorf("%d input records, want %d", len(records), n)
	}
	before := laketest.Snapshot(t, l, lease.DefaultPrefix)
	s = r.RunOnce(ctx, censusJob(t, inbox))
	checkSummary(t, "second run", s, 0, n)
	after := laketest.Snapshot(t, l, lease.DefaultPrefix)
	if changed := laketest.Changed(before, after); len(changed) > 0 {
		t.Errorf("second run changed %v", changed)
	}
}

package pipeline

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"

	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/tradepipe/tradepipe/internal/civil"
	"github.com/tradepipe/tradepipe/internal/money"
	"github.com/tradepipe/tradepipe/internal/redact"
	"github.com/tradepipe/tradepipe/internal/schema"
	"github.com/tradepipe/tradepipe/sinks/lake"
	"github.com/tradepipe/tradepipe/sources"
)

// fixture is a live source with scripted failures: a stand-in at the
// boundary where the real one is an HTTP API (census has its own tests
// against httptest).
type fixture struct {
	mu        sync.Mutex
	failures  map[civil.Month]int // retryable failures left per month
	permanent map[civil.Month]bool
	fetches   map[civil.Month]int
	hold      chan struct{}    // if set, the first fetch waits until it is closed (or ctx ends)
	total     int              // fetches started
	started   chan civil.Month // if set, receives each month as its fetch starts
}

func newFixture() *fixture {
	return &fixture{failures: map[civil.Month]int{}, permanent: map[civil.Month]bool{}, fetches: map[civil.Month]int{}}
}

func (f *fixture) Fetch(ctx context.Context, m civil.Month, dir string) (*sources.Release, error) {
	f.mu.Lock()
	f.fetches[m]++
	f.total++
	first := f.total == 1
	fail := f.failures[m] > 0
	if fail {
		f.failures[m]--
	}
	perm := f.permanent[m]
	f.mu.Unlock()
	if f.started != nil {
		f.started <- m
	}
	if f.hold != nil && first {
		select {
		case <-f.hold:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if perm {
		return nil, sources.Permanent(fmt.Errorf("HTTP 400: bad month %s", m))
	}
	if fail {
		return nil, fmt.Errorf("HTTP 503: try later")
	}
	body := []byte("fixture " + m.String())
	p := filepath.Join(dir, m.String()+".txt")
	if err := os.WriteFile(p, body, 0o600); err != nil {
		return nil, err
	}
	sum := sha256.Sum256(body)
	sha := hex.EncodeToString(sum[:])
	return &sources.Release{Source: "census", URI: "fixture://" + m.String(), Name: m.String(), Path: p, SHA256: sha,
		Ext: "txt", ReleaseID: sources.ReleaseID(time.Unix(0, 0), sha), Month: m}, nil
}

func (f *fixture) Parse(ctx context.Context, r *sources.Release, e sources.Emitter) error {
	for _, hs := range []string{"120190", "880240"} {
		if err := e.TradeFlow(&schema.TradeFlow{Period: r.Month, Reporter: "US", Partner: "CN", Flow: "export", HSCode: hs,
			ValueUSD: money.MustParse("100"), Valuation: "FAS", Source: "census", ReleaseID: r.ReleaseID, SourceURI: r.URI, SourceSHA256: r.SHA256}); err != nil {
			return err
		}
	}
	return nil
}

func (f *fixture) count(m civil.Month) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.fetches[m]
}

func fixtureJob(name string, f *fixture) *Job {
	return &Job{Name: name, Source: "census", Parser: f, Fetcher: f, Window: 2,
		Latest: func(time.Time) civil.Month { return civil.Month{Year: 2020, Month: 4} },
		Policy: Policy{MaxAttempts: 3, RetryBackoff: time.Millisecond, RateLimit: 1000}}
}

func newExecutor(t *testing.T, l lake.Lake, jobs ...*Job) *Executor {
	t.Helper()
	r := newRunner(t, l, nil)
	e, err := NewExecutor(r, jobs, func() time.Time { return fixedNow }, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	e.sleep = func(ctx context.Context, d time.Duration) error { return ctx.Err() }
	return e
}

func month(y, m int) civil.Month { return civil.Month{Year: y, Month: time.Month(m)} }

func TestRunMonthRetriesAndRecords(t *testing.T) {
	ctx := context.Background()
	l, _ := lake.NewDir(t.TempDir())
	f := newFixture()
	f.failures[month(2020, 3)] = 2  // succeeds on the third attempt
	f.failures[month(2020, 4)] = 10 // never succeeds
	f.permanent[month(2020, 2)] = true
	job := fixtureJob("census-exports", f)
	e := newExecutor(t, l, job)

	for _, tc := range []struct {
		m        civil.Month
		status   string
		attempts int
		fetches  int
	}{
		{month(2020, 3), LedgerSucceeded, 3, 3},
		{month(2020, 4), LedgerFailed, 3, 3},
		{month(2020, 2), LedgerFailed, 1, 1}, // permanent: no retry
	} {
		e.RunMonth(ctx, job, tc.m, TriggerManual)
		entry, err := e.Ledger().Entry(ctx, job.Name, tc.m)
		if err != nil || entry == nil {
			t.Fatalf("%s: entry %v, %v", tc.m, entry, err)
		}
		if entry.Status != tc.status || entry.Attempts != tc.attempts || f.count(tc.m) != tc.fetches {
			t.Errorf("%s: status %s attempts %d fetches %d; want %s %d %d", tc.m, entry.Status, entry.Attempts, f.count(tc.m), tc.status, tc.attempts, tc.fetches)
		}
		if tc.status == LedgerFailed && entry.Error == "" {
			t.Errorf("%s: failed without an error", tc.m)
		}
	}
	ok, _ := e.Ledger().Entry(ctx, job.Name, month(2020, 3))
	if ok.Rows != 2 || ok.InputSHA256 == "" || len(ok.Partitions) != 1 || ok.Trigger != TriggerManual || ok.LastSuccess.IsZero() {
		t.Errorf("succeeded entry = %+v", ok)
	}
	// Running the month again finds it unchanged.
	e.RunMonth(ctx, job, month(2020, 3), TriggerSchedule)
	again, _ := e.Ledger().Entry(ctx, job.Name, month(2020, 3))
	if again.Status != LedgerUnchanged || again.Trigger != TriggerSchedule {
		t.Errorf("re-run entry = %+v", again)
	}
}

// A tick while the job runs is skipped by default, queued once with
// overlap: queue; a manual run waits instead of overlapping.
func TestOverlap(t *testing.T) {
	ctx := context.Background()
	l, _ := lake.NewDir(t.TempDir())
	f := newFixture()
	f.started = make(chan civil.Month, 100)
	// The first run's first fetch waits on hold, so the ticks below always
	// land while it runs, however slow the machine; a tick that wrongly ran
	// would fetch unheld and report ran.
	f.hold = make(chan struct{})
	job := fixtureJob("census-exports", f)
	e := newExecutor(t, l, job)

	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); e.TryRun(ctx, job.Name, TriggerSchedule, false) }()
	<-f.started // the first run is fetching
	if _, ran := e.TryRun(ctx, job.Name, TriggerSchedule, false); ran {
		t.Fatal("a tick ran while the job was running (overlap: skip)")
	}
	if _, ran := e.TryRun(ctx, job.Name, TriggerSchedule, true); ran {
		t.Fatal("a queued tick ran at once")
	}
	if _, ran := e.TryRun(ctx, job.Name, TriggerSchedule, true); ran {
		t.Fatal("a second queued tick ran at once")
	}
	close(f.hold)
	wg.Wait()
	// One run of two months, plus exactly one queued run of two months.
	total := f.count(month(2020, 3)) + f.count(month(2020, 4))
	if total != 4 {
		t.Errorf("%d fetches, want 4 (one run and one queued run)", total)
	}
	if e.Running(job.Name) {
		t.Error("still running")
	}
}

func TestDownstreamRunsWhenUpstreamChanged(t *testing.T) {
	ctx := context.Background()
	l, _ := lake.NewDir(t.TempDir())
	f := newFixture()
	up := fixtureJob("census-exports", f)
	var derived int
	var mu sync.Mutex
	down := &Job{Name: "compliance", Source: "compliance", Policy: Policy{After: []string{"census-exports"}},
		Derive: DeriverFunc(func(context.Context, string) ([]Derived, error) { mu.Lock(); derived++; mu.Unlock(); return nil, nil })}
	e := newExecutor(t, l, up, down)
	if _, err := e.Run(ctx, up.Name, TriggerManual); err != nil {
		t.Fatal(err)
	}
	if derived != 1 {
		t.Fatalf("downstream ran %d times after a change, want 1", derived)
	}
	if _, err := e.Run(ctx, up.Name, TriggerManual); err != nil { // nothing changed now
		t.Fatal(err)
	}
	if derived != 1 {
		t.Fatalf("downstream ran %d times, want still 1: upstream was unchanged", derived)
	}
}

// secretEcho is a live source whose upstream error page echoes the
// request, key and all (issue 12).
type secretEcho struct{ fixture }

func (s *secretEcho) Fetch(context.Context, civil.Month, string) (*sources.Release, error) {
	return nil, sources.Permanent(errors.New("HTTP 400: bad request for /data?get=ALL_VAL_MO&k=s3cr3t-census-key-42"))
}

// A failure is stored in the ledger and handed to callers with the
// process's secrets scrubbed: GET /api/v1/jobs serves the ledger.
func TestLedgerStoresErrorsScrubbed(t *testing.T) {
	ctx := context.Background()
	l, _ := lake.NewDir(t.TempDir())
	r, err := New(Options{Lake: l, SpoolDir: t.TempDir(), Now: func() time.Time { return fixedNow }, Redactor: redact.New("s3cr3t-census-key-42")}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	src := &secretEcho{}
	e, err := NewExecutor(r, []*Job{fixtureJob("census-exports", &src.fixture)}, func() time.Time { return fixedNow }, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	e.jobs["census-exports"].Fetcher = src
	rs := e.RunMonth(ctx, e.jobs["census-exports"], month(2020, 4), TriggerManual)
	if len(rs) != 1 || rs[0].Err == nil || strings.Contains(rs[0].Err.Error(), "s3cr3t") || !errors.Is(rs[0].Err, sources.ErrPermanent) {
		t.Fatalf("results: %+v", rs)
	}
	en, err := e.Ledger().Entry(ctx, "census-exports", month(2020, 4))
	if err != nil || en == nil {
		t.Fatalf("ledger entry: %v, %v", en, err)
	}
	if strings.Contains(en.Error, "s3cr3t") || !strings.Contains(en.Error, "HTTP 400") {
		t.Fatalf("ledger error %q", en.Error)
	}
}

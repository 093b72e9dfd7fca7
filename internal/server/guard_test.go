package server

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tradepipe/tradepipe/internal/civil"
	"github.com/tradepipe/tradepipe/pipeline"
	"github.com/tradepipe/tradepipe/sinks/lake"
	"github.com/tradepipe/tradepipe/sources"
)

// raw sends a request with exactly the given headers (Host included).
func (f *fixture) raw(t *testing.T, method, path string, hdr map[string]string, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, f.http.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		if k == "Host" {
			req.Host = v
			continue
		}
		req.Header.Set(k, v)
	}
	resp, err := f.http.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := resp.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return resp.StatusCode, b.String()
}

// Issue 12: a loopback daemon without a token accepted a cross-site POST
// (foreign Origin and Host, Content-Type: text/plain), so any web page the
// operator visited could start a forced backfill.
func TestCrossSiteRequestsRefused(t *testing.T) {
	f := newFixture(t, Options{Loopback: true})
	backfill := `{"job": "census-exports", "from": "1999-01", "to": "2025-09", "force": true}`
	for _, tc := range []struct {
		name string
		hdr  map[string]string
		want int
	}{
		{"rebound host", map[string]string{"Host": "evil.example:8080", "Content-Type": "application/json"}, http.StatusMisdirectedRequest},
		{"foreign origin", map[string]string{"Origin": "http://evil.example", "Content-Type": "application/json"}, http.StatusForbidden},
		{"cross-site fetch", map[string]string{"Sec-Fetch-Site": "cross-site", "Content-Type": "application/json"}, http.StatusForbidden},
		{"text/plain form", map[string]string{"Content-Type": "text/plain"}, http.StatusUnsupportedMediaType},
		{"no content type", map[string]string{}, http.StatusUnsupportedMediaType},
	} {
		code, body := f.raw(t, "POST", "/api/v1/backfills", tc.hdr, backfill)
		if code != tc.want || !strings.Contains(body, `"error"`) {
			t.Errorf("%s: %d %s, want %d", tc.name, code, body, tc.want)
		}
	}
	if code, body := f.raw(t, "GET", "/api/v1/jobs", map[string]string{"Host": "evil.example"}, ""); code != http.StatusMisdirectedRequest {
		t.Errorf("GET with a rebound host: %d %s", code, body)
	}
	bs, err := f.exec.Ledger().Backfills(t.Context())
	if err != nil || len(bs) != 0 {
		t.Fatalf("backfills created: %v %v", bs, err)
	}
	// The same request from the operator's own tools passes.
	if code, body := f.raw(t, "POST", "/api/v1/backfills", map[string]string{"Host": "localhost:8080", "Content-Type": "application/json; charset=utf-8"},
		`{"job": "census-exports", "from": "2020-01", "to": "2020-01"}`); code != http.StatusAccepted {
		t.Errorf("same-origin POST: %d %s", code, body)
	}
	// A configured name is served on a non-loopback listener, others not.
	g := newFixture(t, Options{Token: "t", AllowedHosts: []string{"tradepipe.internal"}})
	if code, _ := g.raw(t, "GET", "/api/v1/jobs", map[string]string{"Host": "tradepipe.internal:8080"}, ""); code != 200 {
		t.Errorf("configured host: %d", code)
	}
	if code, _ := g.raw(t, "GET", "/api/v1/jobs", map[string]string{"Host": "evil.example"}, ""); code != http.StatusMisdirectedRequest {
		t.Errorf("other host: %d", code)
	}
}

// Issue 12: "bearer" in lower case was refused; the scheme is
// case-insensitive (RFC 9110 §11.1).
func TestBearerSchemeCaseInsensitive(t *testing.T) {
	f := newFixture(t, Options{Token: "s3cret"})
	for _, h := range []string{"bearer s3cret", "BEARER s3cret", "Bearer  s3cret"} {
		if code, body := f.raw(t, "POST", "/api/v1/jobs/census-exports/runs", map[string]string{"Authorization": h, "Content-Type": "application/json"}, ""); code != http.StatusAccepted {
			t.Errorf("%q: %d %s", h, code, body)
		}
	}
	for _, h := range []string{"Basic s3cret", "Bearers3cret", "bearer"} {
		if code, _ := f.raw(t, "POST", "/api/v1/jobs/census-exports/runs", map[string]string{"Authorization": h, "Content-Type": "application/json"}, ""); code != http.StatusUnauthorized {
			t.Errorf("%q: %d, want 401", h, code)
		}
	}
}

// Issue 12: a NUL byte in a backfill id answered 500 with the absolute
// lake path.
func TestBadBackfillIDShowsNoPath(t *testing.T) {
	f := newFixture(t, Options{Token: "t"})
	for _, id := range []string{"a%00b", "..", "x%2F..%2F..%2Fetc", "nope"} {
		code, body := f.raw(t, "GET", "/api/v1/backfills/"+id, nil, "")
		if code != http.StatusNotFound || strings.Contains(body, "/tmp") || strings.Contains(body, "_state") {
			t.Errorf("%s: %d %s", id, code, body)
		}
	}
}

func TestBodiesBounded(t *testing.T) {
	f := newFixture(t, Options{Token: "t"})
	big := `{"job": "census-exports", "from": "2020-01", "to": "2020-01", "x": "` + strings.Repeat("a", 1<<20) + `"}`
	code, body := f.raw(t, "POST", "/api/v1/backfills", map[string]string{"Authorization": "Bearer t", "Content-Type": "application/json"}, big)
	if code != http.StatusBadRequest || !strings.Contains(body, "too large") {
		t.Errorf("1 MiB body: %d %.200s", code, body)
	}
}

func TestServerTimeouts(t *testing.T) {
	hs := (&Server{handler: http.NewServeMux()}).httpServer()
	if hs.ReadHeaderTimeout <= 0 || hs.ReadTimeout <= 0 || hs.IdleTimeout <= 0 || hs.WriteTimeout <= 0 || hs.MaxHeaderBytes <= 0 {
		t.Errorf("server without bounds: %+v", hs)
	}
}

// gatedFetcher blocks every Fetch until the gate opens.
type gatedFetcher struct {
	gate  chan struct{}
	calls atomic.Int32
}

func (g *gatedFetcher) Fetch(ctx context.Context, _ civil.Month, _ string) (*sources.Release, error) {
	g.calls.Add(1)
	select {
	case <-g.gate:
		return nil, nil // no data
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (g *gatedFetcher) Parse(context.Context, *sources.Release, sources.Emitter) error { return nil }

// Issue 12: 2,000 POSTs to /runs queued 2,000 runs. Now a burst starts the
// run in progress and at most one queued behind it.
func TestManualRunsCoalesced(t *testing.T) {
	l, err := lake.NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	r, err := pipeline.New(pipeline.Options{Lake: l, SpoolDir: t.TempDir()}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	g := &gatedFetcher{gate: make(chan struct{})}
	job := &pipeline.Job{Name: "slow", Source: "census", Parser: g, Fetcher: g, Window: 1,
		Latest: func(time.Time) civil.Month { return civil.Month{Year: 2020, Month: 4} },
		Policy: pipeline.Policy{MaxAttempts: 1, RateLimit: 100}}
	exec, err := pipeline.NewExecutor(r, []*pipeline.Job{job}, nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	work, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv := New(Options{Loopback: true}, work, exec, nil, nil, nil)
	ids := map[string]bool{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequest("POST", "http://127.0.0.1/api/v1/jobs/slow/runs", nil)
			req.Header.Set("Content-Type", "application/json")
			rec := newRecorder()
			srv.Handler().ServeHTTP(rec, req)
			mu.Lock()
			defer mu.Unlock()
			if rec.code != http.StatusAccepted {
				t.Errorf("POST: %d %s", rec.code, rec.body.String())
			}
			ids[rec.id()] = true
		}()
	}
	wg.Wait()
	close(g.gate)
	srv.Wait()
	if len(ids) > 2 {
		t.Errorf("%d distinct runs for 50 requests, want at most 2", len(ids))
	}
	if n := g.calls.Load(); n < 1 || n > 2 {
		t.Errorf("%d fetches, want 1 or 2", n)
	}
}

// Issue 12: the Census key, echoed by an upstream error page, sat in every
// ledger file, which the unauthenticated GET /api/v1/jobs serves. The
// engine's errors no longer carry it (httpget scrubs error bodies); the
// API scrubs what older records hold.
func TestStoredErrorsServedWithoutKeys(t *testing.T) {
	f := newFixture(t, Options{Token: "t"})
	_, err := f.exec.Ledger().UpdateEntry(t.Context(), "census-exports", civil.Month{Year: 2020, Month: 4}, func(e *pipeline.Entry) {
		e.Status = pipeline.LedgerFailed
		e.FinishedAt = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		e.Error = "HTTP 400: bad request https://api.census.gov/data/x?get=A&key=0123456789abcdef&time=2020-04"
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/api/v1/jobs", "/api/v1/jobs/census-exports/partitions"} {
		_, _, raw := f.do(t, "GET", path, "", "")
		if strings.Contains(raw, "0123456789abcdef") || !strings.Contains(raw, "key=REDACTED") {
			t.Errorf("%s:\n%s", path, raw)
		}
	}
}

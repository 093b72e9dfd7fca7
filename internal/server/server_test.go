package server

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/goleak"

	"github.com/tradepipe/tradepipe/internal/censustest"
	"github.com/tradepipe/tradepipe/internal/civil"
	"github.com/tradepipe/tradepipe/pipeline"
	"github.com/tradepipe/tradepipe/sinks/lake"
	"github.com/tradepipe/tradepipe/sources/census"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

type fixture struct {
	api  *censustest.Server
	exec *pipeline.Executor
	srv  *Server
	http *httptest.Server
}

func newFixture(t *testing.T, opts Options) *fixture {
	t.Helper()
	api := censustest.New()
	t.Cleanup(api.Close)
	l, err := lake.NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	r, err := pipeline.New(pipeline.Options{Lake: l, SpoolDir: t.TempDir()}, nil, reg)
	if err != nil {
		t.Fatal(err)
	}
	src, err := census.New(census.Options{Flow: "export", Partner: "5700", BaseURL: api.URL, MaxAttempts: 1}, api.Client(), nil)
	if err != nil {
		t.Fatal(err)
	}
	job := &pipeline.Job{Name: "census-exports", Source: "census", Parser: src, Fetcher: src, Window: 1,
		Latest: func(time.Time) civil.Month { return civil.Month{Year: 2020, Month: 4} },
		Policy: pipeline.Policy{MaxAttempts: 1, RateLimit: 100}}
	exec, err := pipeline.NewExecutor(r, []*pipeline.Job{job}, nil, nil, reg)
	if err != nil {
		t.Fatal(err)
	}
	work, cancel := context.WithCancel(context.Background())
	srv := New(opts, work, exec, nil, reg, nil)
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(func() {
		hs.Close()
		srv.Wait()
		cancel()
	})
	return &fixture{api: api, exec: exec, srv: srv, http: hs}
}

func (f *fixture) do(t *testing.T, method, path, token, body string) (int, map[string]any, string) {
	t.Helper()
	req, err := http.NewRequest(method, f.http.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if method == "POST" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := f.http.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	return resp.StatusCode, m, string(b)
}

func TestAuth(t *testing.T) {
	f := newFixture(t, Options{Token: "s3cret"})
	for _, tc := range []struct {
		token string
		want  int
	}{{"", 401}, {"wrong", 403}, {"s3cret", 202}} {
		code, body, raw := f.do(t, "POST", "/api/v1/jobs/census-exports/runs", tc.token, "")
		if code != tc.want {
			t.Errorf("token %q: %d %s, want %d", tc.token, code, raw, tc.want)
		}
		if code >= 400 && body["error"] == nil {
			t.Errorf("token %q: error body %s is not {\"error\": ...}", tc.token, raw)
		}
	}
	// Reads need no token.
	if code, _, _ := f.do(t, "GET", "/api/v1/jobs", "", ""); code != 200 {
		t.Errorf("GET jobs without token: %d", code)
	}
}

func TestNoTokenOnlyOnLoopback(t *testing.T) {
	open := newFixture(t, Options{Loopback: false})
	if code, _, raw := open.do(t, "POST", "/api/v1/jobs/census-exports/runs", "", ""); code != 403 || !strings.Contains(raw, "no API token") {
		t.Errorf("non-loopback without token: %d %s", code, raw)
	}
	local := newFixture(t, Options{Loopback: true})
	if code, _, raw := local.do(t, "POST", "/api/v1/jobs/census-exports/runs", "", ""); code != 202 {
		t.Errorf("loopback without token: %d %s", code, raw)
	}
	for addr, want := range map[string]bool{"127.0.0.1:8080": true, "[::1]:80": true, "localhost:1": true, "0.0.0.0:8080": false, ":8080": false, "10.0.0.1:80": false} {
		if got := IsLoopback(addr); got != want {
			t.Errorf("IsLoopback(%s) = %v", addr, got)
		}
	}
}

func TestRunsBackfillsAndStatus(t *testing.T) {
	f := newFixture(t, Options{Token: "t"})
	code, body, raw := f.do(t, "POST", "/api/v1/jobs/census-exports/runs", "t", "")
	if code != 202 || body["id"] == nil {
		t.Fatalf("trigger: %d %s", code, raw)
	}
	waitFor(t, func() bool {
		e, _ := f.exec.Ledger().Entry(context.Background(), "census-exports", civil.Month{Year: 2020, Month: 4})
		return e != nil && e.Status == pipeline.LedgerSucceeded
	})
	// The id POST returned names the run until the daemon restarts.
	runPath := "/api/v1/runs/" + body["id"].(string)
	waitFor(t, func() bool {
		_, run, _ := f.do(t, "GET", runPath, "", "")
		return run["state"] != RunRunning
	})
	code, run, raw := f.do(t, "GET", runPath, "", "")
	if code != 200 || run["state"] != RunSucceeded || run["job"] != "census-exports" || run["written"] != 1.0 || run["rows"].(float64) <= 0 || run["finished_at"] == nil {
		t.Errorf("GET %s: %d %s", runPath, code, raw)
	}
	if code, _, _ := f.do(t, "GET", "/api/v1/runs/census-exports-nope", "", ""); code != 404 {
		t.Errorf("unknown run: %d", code)
	}
	code, _, raw = f.do(t, "GET", "/api/v1/jobs/census-exports/partitions", "", "")
	if code != 200 || !strings.Contains(raw, `"status": "succeeded"`) || !strings.Contains(raw, `"trigger": "manual"`) {
		t.Errorf("partitions: %d %s", code, raw)
	}
	if code, _, _ := f.do(t, "GET", "/api/v1/jobs/nope/partitions", "", ""); code != 404 {
		t.Errorf("unknown job partitions: %d", code)
	}
	if code, _, _ := f.do(t, "POST", "/api/v1/jobs/nope/runs", "t", ""); code != 404 {
		t.Errorf("unknown job run: %d", code)
	}

	for _, bad := range []string{`{`, `{"job":"census-exports","from":"2020-13","to":"2020-01"}`, `{"job":"nope","from":"2020-01","to":"2020-02"}`, `{"job":"census-exports","from":"2020-03","to":"2020-01"}`, `{"jobb":"x"}`} {
		if code, _, raw := f.do(t, "POST", "/api/v1/backfills", "t", bad); code != 400 {
			t.Errorf("backfill %s: %d %s, want 400", bad, code, raw)
		}
	}
	code, body, raw = f.do(t, "POST", "/api/v1/backfills", "t", `{"job":"census-exports","from":"2020-01","to":"2020-04","parallel":2}`)
	if code != 202 || body["months"] != 3.0 || body["skipped"] != 1.0 { // 2020-04 already succeeded
		t.Fatalf("backfill: %d %s", code, raw)
	}
	id := body["id"].(string)
	waitFor(t, func() bool {
		_, b, _ := f.do(t, "GET", "/api/v1/backfills/"+id, "", "")
		return b["state"] == pipeline.BackfillSucceeded
	})
	_, b, raw := f.do(t, "GET", "/api/v1/backfills/"+id, "", "")
	if b["done"] != 4.0 || b["pending"] != 0.0 || b["failed"] != 0.0 {
		t.Errorf("backfill view: %s", raw)
	}
	if code, _, _ := f.do(t, "DELETE", "/api/v1/backfills/"+id, "t", ""); code != 409 {
		t.Errorf("cancel finished backfill: %d, want 409", code)
	}
	if code, _, _ := f.do(t, "GET", "/api/v1/backfills/bf-nope", "", ""); code != 404 {
		t.Errorf("unknown backfill: %d", code)
	}
	for _, m := range []string{"2020-01", "2020-02", "2020-03", "2020-04"} {
		if n := f.api.Requests(m); n != 1 {
			t.Errorf("%s requested %d times, want 1", m, n)
		}
	}
	_, _, raw = f.do(t, "GET", "/api/v1/jobs", "", "")
	if !strings.Contains(raw, `"succeeded": 4`) {
		t.Errorf("jobs: %s", raw)
	}
	code, _, raw = f.do(t, "GET", "/metrics", "", "")
	for _, want := range []string{`tradepipe_runs_total{job="census-exports",trigger="manual"} 1`, `tradepipe_partitions_total{job="census-exports",status="written"} 4`, "tradepipe_last_success_timestamp_seconds"} {
		if code != 200 || !strings.Contains(raw, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if code, _, _ := f.do(t, "GET", "/healthz", "", ""); code != 200 {
		t.Errorf("healthz: %d", code)
	}
}

// waitFor polls cond; the two minutes only end a hung test (what the
// callers assert holds whenever cond comes true).
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met in 2 minutes")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestJobsListFailedPartitions(t *testing.T) {
	f := newFixture(t, Options{Token: "t"})
	f.api.Fail("2020-04", 5)
	if code, _, raw := f.do(t, "POST", "/api/v1/jobs/census-exports/runs", "t", ""); code != 202 {
		t.Fatalf("trigger: %d %s", code, raw)
	}
	waitFor(t, func() bool {
		e, _ := f.exec.Ledger().Entry(context.Background(), "census-exports", civil.Month{Year: 2020, Month: 4})
		return e != nil && e.Status == pipeline.LedgerFailed && !f.exec.Running("census-exports")
	})
	_, _, raw := f.do(t, "GET", "/api/v1/jobs", "", "")
	if !strings.Contains(raw, `"failed_partitions"`) || !strings.Contains(raw, "HTTP 500") || !strings.Contains(raw, `"failed": 1`) {
		t.Errorf("jobs does not list the failed month with its error:\n%s", raw)
	}
}

// The status page renders from the same reads as the API, with no script,
// and says so when a section has no source.
func TestStatusPage(t *testing.T) {
	f := newFixture(t, Options{Token: "t"})
	if _, err := f.exec.RunOnce(context.Background(), "census-exports", pipeline.TriggerManual); err != nil {
		t.Fatal(err)
	}
	resp, err := f.http.Client().Get(f.http.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	page := string(b)
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("GET /: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	for _, want := range []string{
		"<strong>census-exports</strong>",
		`<th scope="row">2020-04</th><td class="cell succeeded" title="census-exports 2020-04: succeeded">succeeded</td>`,
		"No backfill is running.",
		"<h2>Reconciliation</h2>\n<p>Not available on this server.</p>",
		"No compliance data in the lake yet.",
		`<link rel="stylesheet" href="/assets/status.css">`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if strings.Contains(page, "<script") {
		t.Error("page has a script")
	}
	resp, err = f.http.Client().Get(f.http.URL + "/assets/status.css")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/css") {
		t.Errorf("stylesheet: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if code, _, _ := f.do(t, "GET", "/nope", "", ""); code != 404 {
		t.Errorf("GET /nope: %d, want 404 (only / is the page)", code)
	}
}

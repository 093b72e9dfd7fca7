package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tradepipe/tradepipe/internal/censustest"
)

// buildBinary builds tradepipe once per test binary run.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "tradepipe")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

type daemonProc struct {
	cmd    *exec.Cmd
	stderr *bytes.Buffer
	exited chan struct{} // closed when the process has exited
	err    error         // its exit status, once exited is closed
}

func startDaemon(t *testing.T, bin, cfg, addr string) *daemonProc {
	t.Helper()
	cmd := exec.Command(bin, "run", "--config", cfg)
	cmd.Env = append(os.Environ(), "TP_TEST_TOKEN=s3cret")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	d := &daemonProc{cmd: cmd, stderr: &stderr, exited: make(chan struct{})}
	go func() {
		d.err = cmd.Wait()
		close(d.exited)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-d.exited
		if t.Failed() {
			t.Logf("daemon stderr:\n%s", stderr.String())
		}
	})
	waitUntil(t, patience, func() bool {
		resp, err := http.Get("http://" + addr + "/healthz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == 200
	})
	return d
}

// patience bounds every wait of the end-to-end tests on the daemon's
// state. It only ends a hung test: what the tests assert holds whenever
// the state comes, so a loaded machine makes them slower, not red.
const patience = 2 * time.Minute

func waitUntil(t *testing.T, d time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("condition not met within %v", d)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func api(t *testing.T, method, url, token, body string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	// The API takes mutating calls as JSON only (a CSRF guard).
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" || method == http.MethodPost {
		req.Header.Set("Content-Type", "application/json") // the API refuses other types (CSRF)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	return resp.StatusCode, m
}

// storedBackfill reads a backfill straight from the lake, as a restarted
// process would.
func storedBackfill(t *testing.T, lakeDir, id string) (state string, done []string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(lakeDir, "_state/v1/backfills", id+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var bf struct {
		State  string
		Months []struct{ Month, Status string }
	}
	if err := json.Unmarshal(b, &bf); err != nil {
		t.Fatal(err)
	}
	for _, m := range bf.Months {
		if m.Status == "succeeded" || m.Status == "unchanged" {
			done = append(done, m.Month)
		}
	}
	return bf.State, done
}

// ledgerDone reads the ledger record of (job, month) as another process
// would: done when it succeeded or was unchanged.
func ledgerDone(t *testing.T, lakeDir, job, month string) bool {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(lakeDir, "_state/v1/ledger", job, month+".json"))
	if os.IsNotExist(err) {
		return false
	}
	if err != nil {
		t.Fatal(err)
	}
	var e struct{ Status string }
	if err := json.Unmarshal(b, &e); err != nil {
		t.Fatal(err)
	}
	return e.Status == "succeeded" || e.Status == "unchanged"
}

func TestDaemonEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	censusAPI := censustest.New()
	defer censusAPI.Close()
	dir := t.TempDir()
	lakeDir := filepath.Join(dir, "lake")
	addr := freePort(t)
	cfg := filepath.Join(dir, "tradepipe.yaml")
	_ = os.WriteFile(cfg, []byte(fmt.Sprintf(`lake: file://%s
server: {listen: "%s", token_env: TP_TEST_TOKEN, shutdown_grace: 5s}
jobs:
  census-exports:
    source: census
    schedule: "@every 1s"
    window: 1
    max_attempts: 1
    rate_limit: 100
    options: {flow: export, partner: "5700", base_url: "%s", max_attempts: 1}
`, lakeDir, addr, censusAPI.URL)), 0o644)
	base := "http://" + addr + "/api/v1"

	// Months from the third on of the first backfill, and from the seventh
	// on of the second, wait at the fake API until released: the cancel
	// and the kill land while those backfills run, with months done and
	// months in flight, however fast or slow the machine is.
	censusAPI.Hold(months(2019, 3, 12)...)
	censusAPI.Hold(months(2018, 7, 12)...)

	d := startDaemon(t, bin, cfg, addr)
	// The one-second schedule fires on its own.
	waitUntil(t, patience, func() bool {
		_, _ = api(t, "GET", base+"/jobs", "", "")
		resp, err := http.Get(base + "/jobs/census-exports/partitions")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return strings.Contains(string(b), `"trigger": "schedule"`)
	})

	req := `{"job":"census-exports","from":"2019-01","to":"2019-12","parallel":1}`
	if code, _ := api(t, "POST", base+"/backfills", "", req); code != 401 {
		t.Fatalf("backfill without token: %d, want 401", code)
	}
	if code, _ := api(t, "POST", base+"/backfills", "wrong", req); code != 403 {
		t.Fatalf("backfill with a wrong token: %d, want 403", code)
	}
	code, body := api(t, "POST", base+"/backfills", "s3cret", req)
	if code != 202 || body["months"] != 12.0 {
		t.Fatalf("backfill: %d %v", code, body)
	}
	cancelled := body["id"].(string)
	waitUntil(t, patience, func() bool {
		_, b := api(t, "GET", base+"/backfills/"+cancelled, "", "")
		done, _ := b["done"].(float64)
		return done >= 2 && censusAPI.Waiting() == 1 // 2019-03 in flight
	})
	if code, b := api(t, "DELETE", base+"/backfills/"+cancelled, "s3cret", ""); code != 200 || b["state"] != "cancelled" {
		t.Fatalf("cancel: %d %v", code, b)
	}
	waitUntil(t, patience, func() bool {
		st, _ := storedBackfill(t, lakeDir, cancelled)
		return st == "cancelled"
	})
	// The cancel stops the month in flight: its request gives up.
	waitUntil(t, patience, func() bool { return censusAPI.Waiting() == 0 })
	if _, done := storedBackfill(t, lakeDir, cancelled); len(done) != 2 {
		t.Fatalf("cancelled backfill: months done %v, want 2019-01 and 2019-02 only", done)
	}

	// A second backfill; the daemon is killed while it runs.
	code, body = api(t, "POST", base+"/backfills", "s3cret", `{"job":"census-exports","from":"2018-01","to":"2018-12","parallel":2}`)
	if code != 202 {
		t.Fatalf("backfill 2: %d %v", code, body)
	}
	killed := body["id"].(string)
	waitUntil(t, patience, func() bool {
		_, done := storedBackfill(t, lakeDir, killed)
		return len(done) >= 3 && censusAPI.Waiting() >= 1 // 2018-07 (and -08) in flight
	})
	_ = d.cmd.Process.Signal(syscall.SIGKILL)
	<-d.exited
	censusAPI.Release()
	_, doneBefore := storedBackfill(t, lakeDir, killed)
	// A month the kill caught after its run was recorded in the ledger but
	// before the backfill's own record was saved is done too: the resume
	// skips it (it reads the ledger), rightly.
	for i := 1; i <= 12; i++ {
		m := fmt.Sprintf("2018-%02d", i)
		if !slices.Contains(doneBefore, m) && ledgerDone(t, lakeDir, "census-exports", m) {
			doneBefore = append(doneBefore, m)
		}
	}
	if len(doneBefore) < 3 || len(doneBefore) > 6 {
		t.Fatalf("done before the kill: %v; want from 3 to 6 of 2018-01..06 (the rest were held)", doneBefore)
	}
	logBefore := len(censusAPI.Log())

	// The restarted daemon resumes the backfill and runs exactly the
	// months that were not done.
	d = startDaemon(t, bin, cfg, addr)
	waitUntil(t, patience, func() bool {
		st, _ := storedBackfill(t, lakeDir, killed)
		return st == "succeeded"
	})
	var after []string
	for _, m := range censusAPI.Log()[logBefore:] {
		if strings.HasPrefix(m, "2018-") && !slices.Contains(after, m) {
			after = append(after, m)
		}
	}
	for i := 1; i <= 12; i++ {
		m := fmt.Sprintf("2018-%02d", i)
		if slices.Contains(doneBefore, m) == slices.Contains(after, m) {
			t.Errorf("%s: done before the kill %v, fetched after the restart %v; want exactly one", m, slices.Contains(doneBefore, m), slices.Contains(after, m))
		}
	}

	// The cancelled backfill resumes from the CLI while the daemon runs.
	out, err := exec.Command(bin, "backfill", "--resume", cancelled, "--config", cfg).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "succeeded") {
		t.Fatalf("backfill --resume: %v\n%s", err, out)
	}
	for i := 1; i <= 12; i++ {
		if n := censusAPI.Requests(fmt.Sprintf("2019-%02d", i)); n < 1 || n > 2 {
			t.Errorf("2019-%02d requested %d times", i, n)
		}
	}

	// SIGTERM: a graceful stop within the grace period.
	_ = d.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-d.exited:
		if d.err != nil {
			t.Errorf("daemon exit after SIGTERM: %v", d.err)
		}
	case <-time.After(patience): // a hang guard: the grace period is the daemon's to keep
		t.Fatal("daemon did not stop after SIGTERM")
	}
	out, err = exec.Command(bin, "status", "--config", cfg).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "succeeded") || !strings.Contains(string(out), killed+" census-exports 2018-01..2018-12 succeeded") {
		t.Errorf("status: %v\n%s", err, out)
	}
}

// months returns y-from .. y-to as YYYY-MM.
func months(y, from, to int) []string {
	var out []string
	for m := from; m <= to; m++ {
		out = append(out, fmt.Sprintf("%d-%02d", y, m))
	}
	return out
}

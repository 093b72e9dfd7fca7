package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tradepipe/tradepipe/internal/censustest"
	"github.com/tradepipe/tradepipe/internal/duckdbtest"
	"github.com/tradepipe/tradepipe/internal/server"
)

// jobCounts is one job's partitions, rows and quarantined rows.
type jobCounts struct{ partitions, rows, quarantined int64 }

// summaryCounts reads the run summary table: partitions written or
// unchanged, rows and quarantined rows per job.
func summaryCounts(t *testing.T, out string) map[string]jobCounts {
	t.Helper()
	re := regexp.MustCompile(`(?m)^(\S+) +(\d+) +(\d+) +\d+ +\d+ +(\d+) +(\d+) +\S+$`)
	got := map[string]jobCounts{}
	for _, m := range re.FindAllStringSubmatch(out, -1) {
		if m[1] == "total" {
			continue
		}
		n := func(i int) int64 { v, _ := strconv.ParseInt(m[i], 10, 64); return v }
		got[m[1]] = jobCounts{n(2) + n(3), n(4), n(5)}
	}
	return got
}

// One set of counts: run (first and unchanged), status, GET /api/v1/jobs
// and /metrics report the same partitions, rows and quarantined rows for
// the same lake, rows from what the lake holds. The Panjiva sample has
// rejected rows whose month cannot be read, which land in the undated
// quarantine partition and count all the same.
func TestOneSetOfCounts(t *testing.T) {
	dir := t.TempDir()
	census, panjiva := filepath.Join(dir, "census"), filepath.Join(dir, "panjiva")
	if err := os.MkdirAll(census, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := censustest.CopySynthetic(census, time.Time{}); err != nil {
		t.Fatal(err)
	}
	copyDir(t, "../../examples/panjiva", panjiva)
	cfgPath := filepath.Join(dir, "tradepipe.yaml")
	body := fmt.Sprintf(`lake: file://%s/lake
jobs:
  census-exports:
    source: census
    options: {flow: export, partner: "5700", level: HS6, inbox: "file://%s"}
  panjiva:
    source: panjiva
    options: {inbox: "file://%s"}
`, dir, census, panjiva)
	if err := os.WriteFile(cfgPath, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs := runCLI("run", "--once", "--config", cfgPath)
	if code != exitOK {
		t.Fatalf("run: exit %d\n%s\n%s", code, out, errs)
	}
	first := summaryCounts(t, out)
	if len(first) != 2 || first["panjiva"].quarantined == 0 || first["census-exports"].rows == 0 {
		t.Fatalf("first run counts %v from:\n%s", first, out)
	}
	// Rows as an independent reader counts them in the lake.
	db := duckdbtest.Open(t)
	for job, q := range map[string][2]string{
		"census-exports": {"trade_flows/source=census", ""},
		"panjiva":        {"shipments", "quarantine/shipments"},
	} {
		var rows, quarantined int64
		if err := db.QueryRow(fmt.Sprintf(`SELECT count(*) FROM read_parquet('%s/lake/%s/**/*.parquet', hive_partitioning=true)`, dir, q[0])).Scan(&rows); err != nil {
			t.Fatal(err)
		}
		if q[1] != "" {
			if err := db.QueryRow(fmt.Sprintf(`SELECT count(*) FROM read_parquet('%s/lake/%s/**/*.parquet', hive_partitioning=true, union_by_name=true)`, dir, q[1])).Scan(&quarantined); err != nil {
				t.Fatal(err)
			}
		}
		if c := first[job]; c.rows != rows || c.quarantined != quarantined {
			t.Errorf("%s: run says %d rows, %d quarantined; DuckDB reads %d and %d", job, c.rows, c.quarantined, rows, quarantined)
		}
	}

	code, out, _ = runCLI("run", "--once", "--config", cfgPath)
	if again := summaryCounts(t, out); code != exitOK || fmt.Sprint(again) != fmt.Sprint(first) {
		t.Errorf("unchanged run counts %v, first run %v:\n%s", again, first, out)
	}
	if !strings.Contains(out, "partitions: 0 written") {
		t.Errorf("second run wrote:\n%s", out)
	}

	fromJobs := func(raw []byte) map[string]jobCounts {
		var jobs []server.JobInfo
		if err := json.Unmarshal(raw, &jobs); err != nil {
			t.Fatalf("%v: %s", err, raw)
		}
		got := map[string]jobCounts{}
		for _, j := range jobs {
			var n int64
			for _, c := range j.Counts {
				n += int64(c)
			}
			got[j.Name] = jobCounts{n, j.Rows, j.Quarant}
		}
		return got
	}
	code, out, _ = runCLI("status", "--json", "--config", cfgPath)
	var st struct{ Jobs json.RawMessage }
	if err := json.Unmarshal([]byte(out), &st); code != exitOK || err != nil {
		t.Fatalf("status --json: %d %v\n%s", code, err, out)
	}
	if got := fromJobs(st.Jobs); fmt.Sprint(got) != fmt.Sprint(first) {
		t.Errorf("status counts %v, run %v", got, first)
	}

	// The API and /metrics of a server over the same lake.
	cfg, err := loadConfig(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	a, err := newApp(context.Background(), cfg, slog.New(slog.DiscardHandler), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	exec, err := a.executor(nil)
	if err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(server.NewJobsCollector(exec))
	srv := server.New(server.Options{Loopback: true}, context.Background(), exec, nil, reg, nil)
	hs := httptest.NewServer(srv.Handler())
	defer hs.Close()
	get := func(path string) []byte {
		resp, err := hs.Client().Get(hs.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("GET %s: %d %s", path, resp.StatusCode, b)
		}
		return b
	}
	if got := fromJobs(get("/api/v1/jobs")); fmt.Sprint(got) != fmt.Sprint(first) {
		t.Errorf("API counts %v, run %v", got, first)
	}
	metrics := string(get("/metrics"))
	for job, c := range first {
		for _, want := range []string{
			fmt.Sprintf(`tradepipe_lake_rows{job=%q} %d`, job, c.rows),
			fmt.Sprintf(`tradepipe_lake_quarantined_rows{job=%q} %d`, job, c.quarantined),
			fmt.Sprintf(`tradepipe_lake_partitions{job=%q,state="unchanged"} %d`, job, c.partitions),
		} {
			if !strings.Contains(metrics, want) {
				t.Errorf("/metrics lacks %s", want)
			}
		}
	}
}

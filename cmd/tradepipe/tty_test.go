package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/creack/pty"

	"github.com/tradepipe/tradepipe/examples"
)

// copyDir copies the files of src (one level) into dst.
func copyDir(t *testing.T, src, dst string) {
	t.Helper()
	if err := os.MkdirAll(dst, 0o755); err != nil {
		t.Fatal(err)
	}
	ents, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if e.IsDir() {
			continue
		}
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, e.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// ttyConfig is a config over copies of the bundled Census and GACC
// samples; the GACC sample has one month whose HS-8 rows do not add up to
// the published total, so the run has a reconciliation warning.
func ttyConfig(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	census, gacc := filepath.Join(dir, "census"), filepath.Join(dir, "gacc")
	if err := os.MkdirAll(census, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := examples.CopyCensus(census, time.Time{}); err != nil {
		t.Fatal(err)
	}
	copyDir(t, "../../examples/gacc", gacc)
	cfg := filepath.Join(dir, "tradepipe.yaml")
	body := fmt.Sprintf(`lake: file://%s/lake
jobs:
  census-exports:
    source: census
    schedule: "30 8 * * *"
    options: {flow: export, partner: "5700", level: HS6, inbox: "file://%s"}
  gacc-imports:
    source: gacc
    schedule: "0 3 * * *"
    options: {flow: import, inbox: "file://%s"}
`, dir, census, gacc)
	if err := os.WriteFile(cfg, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return cfg
}

// runTTY runs the binary with stdin, stdout and stderr on one pseudo-
// terminal, as in a person's shell, and returns what the terminal shows.
func runTTY(t *testing.T, bin string, args ...string) (string, int) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "TERM=xterm", "COLUMNS=120")
	f, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 40, Cols: 120})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out bytes.Buffer
	// Reading ends with EIO once the process has exited and closed its
	// side of the terminal.
	_, _ = io.Copy(&out, f)
	err = cmd.Wait()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return strings.ReplaceAll(out.String(), "\r\n", "\n"), code
}

func TestRunOnceOnTerminal(t *testing.T) {
	bin := buildBinary(t)
	cfg := ttyConfig(t)
	screen, code := runTTY(t, bin, "run", "--once", "--config", cfg)
	if code != exitOK {
		t.Fatalf("exit %d:\n%s", code, screen)
	}
	lines := strings.Split(strings.TrimRight(screen, "\n"), "\n")
	// No JSON logs and no info lines: warnings and the summary only.
	for _, l := range lines {
		if strings.HasPrefix(strings.TrimSpace(l), "{") || strings.Contains(l, "level=INFO") {
			t.Errorf("log line on the terminal: %q\nscreen:\n%s", l, screen)
		}
	}
	// The summary: an aligned table, a line per job and the total, whose
	// rows add up and match the line scripts read.
	header := regexp.MustCompile(`^JOB +WRITTEN +UNCHANGED +EMPTY +FAILED +ROWS +QUARANTINED +TOOK$`)
	row := func(name string, written int) *regexp.Regexp {
		w := `[0-9]+`
		if written >= 0 {
			w = fmt.Sprint(written)
		}
		return regexp.MustCompile(fmt.Sprintf(`^%s +(%s) +0 +0 +0 +([0-9]+) +0 +(?:[0-9]+h)?(?:[0-9]+m)?[0-9.]+(?:ms|µs|s)$`, regexp.QuoteMeta(name), w))
	}
	want := []*regexp.Regexp{header, row("census-exports", examples.CensusMonths), row("gacc-imports", -1), row("total", -1)}
	start := -1
	for i, l := range lines {
		if header.MatchString(l) {
			start = i
		}
	}
	if start < 0 || start+len(want) > len(lines) {
		t.Fatalf("no summary table:\n%s", screen)
	}
	var written, rows [4]int
	for i, re := range want {
		l := lines[start+i]
		m := re.FindStringSubmatch(l)
		if m == nil {
			t.Errorf("summary line %d = %q, want %s", i, l, re)
			continue
		}
		if i > 0 {
			written[i], _ = strconv.Atoi(m[1])
			rows[i], _ = strconv.Atoi(m[2])
		}
	}
	if written[3] != written[1]+written[2] || rows[3] != rows[1]+rows[2] || rows[1] == 0 || rows[2] == 0 {
		t.Errorf("totals do not add up: written %v, rows %v", written, rows)
	}
	// Columns line up: WRITTEN starts at the same offset on each row.
	col := strings.Index(lines[start], "WRITTEN")
	for _, l := range lines[start+1 : start+len(want)] {
		if l[col-2:col] != "  " || l[col] == ' ' {
			t.Errorf("column WRITTEN not aligned at %d in %q", col, l)
		}
	}
	// Each warning once, in the summary.
	var warnings []string
	for _, l := range lines {
		if strings.Contains(l, "reconcile: gacc import 2020-04") {
			warnings = append(warnings, l)
		}
	}
	if len(warnings) != 1 || !strings.HasPrefix(warnings[0], "WARNING gacc-imports: ") {
		t.Errorf("reconciliation warning shown %d times, want once as WARNING: %q\n%s", len(warnings), warnings, screen)
	}
	// The line scripts read stays whole, last.
	if last := lines[len(lines)-1]; last != fmt.Sprintf("partitions: %d written, 0 unchanged, 0 failed, 0 empty; rows: %d written, 0 quarantined", written[3], rows[3]) {
		t.Errorf("last line = %q", last)
	}

	// -v brings the info logs back, as readable text, not JSON.
	screen, code = runTTY(t, bin, "run", "--once", "-v", "--config", cfg, "--job", "census-exports")
	if code != exitOK || !strings.Contains(screen, "level=INFO") || strings.Contains(screen, `{"time"`) {
		t.Errorf("-v: exit %d, want text info logs:\n%s", code, screen)
	}
	if !strings.Contains(screen, fmt.Sprintf("partitions: 0 written, %d unchanged", examples.CensusMonths)) {
		t.Errorf("second run not unchanged:\n%s", screen)
	}
}

// TestLogsNotTerminal: with stderr not a terminal the logs are JSON at
// info level and durations are durations, not nanoseconds.
func TestLogsNotTerminal(t *testing.T) {
	var stderr bytes.Buffer
	g := &globals{stderr: &stderr}
	logger, err := g.logger()
	if err != nil {
		t.Fatal(err)
	}
	logger.Info("took", "wait", 1500*time.Millisecond)
	if got := stderr.String(); !strings.Contains(got, `"wait":"1.5s"`) || !strings.HasPrefix(got, "{") {
		t.Errorf("log = %s", got)
	}
	g.logLevel = "loud"
	if _, err := g.logger(); err == nil {
		t.Error("--log-level loud accepted")
	}
}

// A backfill on a terminal shows a progress bar; with -v its info logs
// land whole on their own lines and the bar never breaks one.
func TestBackfillOnTerminal(t *testing.T) {
	bin := buildBinary(t)
	examplesDir, err := filepath.Abs("../../examples")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cfg := filepath.Join(dir, "tradepipe.yaml")
	body := fmt.Sprintf(`lake: file://%s/lake
jobs:
  census-exports:
    source: census
    options: {flow: export, partner: "5700", level: HS6, base_url: "file://%s/census/exports-hs6-5700-{year}-{month}.json.gz"}
`, dir, examplesDir)
	if err := os.WriteFile(cfg, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	out, code := runTTY(t, bin, "backfill", "census-exports", "--from", "2017-01", "--to", "2017-06", "--parallel", "2", "-v", "--config", cfg)
	if code != exitOK {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	if !strings.Contains(out, "months") || !strings.Contains(out, "/6") {
		t.Errorf("no progress bar drawn:\n%q", out)
	}
	logs := 0
	for _, l := range screen(out) {
		l = strings.TrimRight(l, " ")
		switch {
		case strings.Contains(l, "level="):
			logs++
			if !regexp.MustCompile(`^time=\d\d:\d\d:\d\d level=(INFO|WARN) msg=`).MatchString(l) {
				t.Errorf("log line broken by the bar: %q", l)
			}
		case strings.HasPrefix(l, "backfill "), l == "":
		default:
			t.Errorf("unexpected line on the screen: %q", l)
		}
	}
	if logs < 6 {
		t.Errorf("%d log lines, want one per partition at least:\n%s", logs, strings.Join(screen(out), "\n"))
	}
	if !regexp.MustCompile(`(?m)^backfill bf-\S+ succeeded: 6 months done \(0 failed\), 0 pending, \d+ rows$`).MatchString(strings.Join(screen(out), "\n")) {
		t.Errorf("no summary line:\n%s", strings.Join(screen(out), "\n"))
	}
}

package main

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/tradepipe/tradepipe/internal/browsertest"
	"github.com/tradepipe/tradepipe/internal/censustest"
	"github.com/tradepipe/tradepipe/internal/civil"
	"github.com/tradepipe/tradepipe/pipeline"
)

// TestStatusPageInBrowser runs the daemon over a lake with data (the
// bundled Census and GACC samples, a compliance job, a backfill under way)
// and loads its status page in headless Chromium: the DOM Chromium built
// must show each section, and the screenshot is kept.
func TestStatusPageInBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs a browser")
	}
	dir := t.TempDir()
	census, gacc := filepath.Join(dir, "census"), filepath.Join(dir, "gacc")
	copyDir(t, "../../internal/censustest/synthetic", census)
	copyDir(t, "../../examples/gacc", gacc)
	addr := freePort(t)
	// A live source for the backfill (backfills fetch months).
	censusAPI := censustest.New()
	defer censusAPI.Close()
	cfg := filepath.Join(dir, "tradepipe.yaml")
	body := fmt.Sprintf(`lake: file://%s/lake
server: {listen: "%s", token_env: TP_TEST_TOKEN}
jobs:
  census-exports:
    source: census
    schedule: "CRON_TZ=America/New_York 30 8 * * *"
    options: {flow: export, partner: "5700", level: HS6, inbox: "file://%s"}
  gacc-imports:
    source: gacc
    schedule: "0 3 * * *"
    options: {flow: import, inbox: "file://%s"}
  compliance:
    source: compliance
    after: [census-exports, gacc-imports]
    options: {baseline: lake, proration: seasonal}
  census-imports:
    source: census
    options: {flow: import, partner: "5700", level: HS6, base_url: "%s", max_attempts: 1}
`, dir, addr, census, gacc, censusAPI.URL)
	if err := os.WriteFile(cfg, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, out, errs := runCLI("run", "--once", "--config", cfg, "--job", "census-exports", "--job", "gacc-imports", "--job", "compliance"); code != exitOK {
		t.Fatalf("run --once: exit %d\n%s\n%s", code, out, errs)
	}
	bin := buildBinary(t)
	startDaemon(t, bin, cfg, addr)

	// A backfill under way: its record is in the lake, its months pending
	// (created after the daemon started, so the daemon does not run it).
	c, err := loadConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	a, err := newApp(ctx, c, slog.New(slog.DiscardHandler), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	exec, err := a.executor(nil)
	if err != nil {
		t.Fatal(err)
	}
	from, _ := civil.ParseMonth("2017-01")
	to, _ := civil.ParseMonth("2017-12")
	b, err := exec.CreateBackfill(ctx, pipeline.BackfillRequest{Job: "census-imports", From: from, To: to, Parallel: 1, Force: true})
	if err != nil {
		t.Fatal(err)
	}

	url := "http://" + addr + "/"
	dom := string(browsertest.Run(t, "1280,2200", "--dump-dom", url))
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`<title>tradepipe status</title>`),
		// jobs with schedule, zone, next and last run
		regexp.MustCompile(`<strong>census-exports</strong></td>\s*<td>census</td>\s*<td><code>CRON_TZ=America/New_York 30 8 \* \* \*</code></td>\s*<td>America/New_York</td>\s*<td>\d{4}-\d\d-\d\d \d\d:\d\dZ</td>\s*<td><span class="st succeeded">succeeded</span> \d+ months \(manual, `),
		regexp.MustCompile(`<strong>gacc-imports</strong></td>\s*<td>gacc</td>\s*<td><code>0 3 \* \* \*</code></td>\s*<td>UTC</td>\s*<td>\d{4}-\d\d-\d\d 03:00Z</td>`),
		regexp.MustCompile(`<strong>compliance</strong></td>\s*<td>compliance</td>\s*<td><code>after census-exports, gacc-imports</code></td>`),
		// the month-by-job grid
		regexp.MustCompile(`<th>Month</th><th>census-exports</th><th>gacc-imports</th></tr>`),
		regexp.MustCompile(`<th scope="row">2020-04</th><td class="cell succeeded" title="census-exports 2020-04: succeeded">succeeded</td>`),
		// GACC publishes January and February together: no January row.
		regexp.MustCompile(`<th scope="row">2020-01</th><td class="cell succeeded"[^>]*>succeeded</td><td class="cell none">·</td>`),
		// the running backfill with its progress
		regexp.MustCompile(`<code>` + regexp.QuoteMeta(b.ID) + `</code></td><td>census-imports</td><td>2017-01 to 2017-12</td>\s*<td><progress max="12" value="0">0 of 12</progress> 0/12</td>`),
		// reconciliation warnings
		regexp.MustCompile(`<span class="badge warn">warning</span> reconcile: gacc import 2020-04 CN×US: HS-8 rows sum to`),
		regexp.MustCompile(`6 of 7 months checked are within tolerance`),
		// the compliance chart, inline
		regexp.MustCompile(`<figure class="chart"><svg[^>]*>`),
	} {
		if !want.MatchString(dom) {
			t.Errorf("page lacks %s", want)
		}
	}
	if strings.Contains(dom, "<script") {
		t.Error("the page has a script: it must read without JavaScript")
	}
	if t.Failed() {
		t.Logf("DOM:\n%s", dom)
	}

	shot := browsertest.Artifact(t, "status-page.png")
	_ = os.Remove(shot)
	browsertest.Run(t, "1280,2200", "--screenshot="+shot, url)
	png, err := os.ReadFile(shot)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(png, []byte("\x89PNG\r\n\x1a\n")) || len(png) < 20_000 {
		t.Fatalf("screenshot %s: %d bytes, not a page's PNG", shot, len(png))
	}
	t.Logf("screenshot of the status page: %s (%d bytes)", shot, len(png))
}

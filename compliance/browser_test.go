package compliance

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tradepipe/tradepipe/internal/reference"
)

// chromium runs headless Chromium once with a fresh profile and no
// network. It skips the test without Chromium locally and fails under
// CI=true (.ci/run installs Debian's chromium). cmd/tradepipe has the same
// helper for the status page; test files cannot share it across packages.
func chromium(t *testing.T, args ...string) []byte {
	t.Helper()
	bin := ""
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			bin = p
			break
		}
	}
	if bin == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("chromium not found under CI=true (apt-get install chromium)")
		}
		t.Skip("chromium not found (apt-get install chromium)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	flags := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--proxy-server=127.0.0.1:9", // nothing may load from the network
		"--user-data-dir=" + t.TempDir(), "--hide-scrollbars", "--window-size=1400,2600"}
	cmd := exec.CommandContext(ctx, bin, append(flags, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium %v: %v\n%s", args, err, stderr.String())
	}
	return stdout.Bytes()
}

// reportScreenshot is where TestReportInBrowser keeps its screenshot:
// $TRADEPIPE_ARTIFACTS, else .artifacts/ at the repository root (ignored
// by git).
func reportScreenshot(t *testing.T) string {
	dir := os.Getenv("TRADEPIPE_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join("..", ".artifacts")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	p, err := filepath.Abs(filepath.Join(dir, "compliance-report.png"))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// The HTML report of the real Census responses, loaded once in headless
// Chromium: the DOM Chromium built holds the chart's panels, the two-year
// view, the table and the source line, and the screenshot is kept.
func TestReportInBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a browser")
	}
	l := realLakeAt(t, time.Date(2020, 6, 4, 0, 0, 0, 0, time.UTC))
	rep, err := compute(t, l, Options{Baseline: BaselinePIIEOriginal, Definition: reference.Original, Proration: ProrationLinear}, reference.USExports)
	if err != nil {
		t.Fatal(err)
	}
	page := filepath.Join(t.TempDir(), "report.html")
	var hb bytes.Buffer
	if err := WriteHTML(&hb, rep); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(page, hb.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	url := "file://" + page
	dom := string(chromium(t, "--dump-dom", url))
	for _, want := range []string{"<svg", "All covered goods: year to date", "All covered goods: by month",
		"Two-year view, 2020–21", "Commitment (goods)", "2020-04: 43% of target", "<table>",
		"Source: US Census Bureau international trade API (census: 40 inputs, exports-hs6-5700-2017-01.json.gz"} {
		if !strings.Contains(dom, want) {
			t.Errorf("DOM lacks %q", want)
		}
	}
	shot := reportScreenshot(t)
	_ = os.Remove(shot)
	chromium(t, "--screenshot="+shot, url)
	st, err := os.Stat(shot)
	if err != nil {
		t.Fatal(err)
	}
	if st.Size() < 10_000 {
		t.Fatalf("screenshot %s: %d bytes", shot, st.Size())
	}
	t.Logf("screenshot: %s", shot)
}

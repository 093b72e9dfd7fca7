package compliance

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tradepipe/tradepipe/internal/browsertest"
	"github.com/tradepipe/tradepipe/internal/reference"
)

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
	dom := string(browsertest.Run(t, "1400,2600", "--dump-dom", url))
	for _, want := range []string{"<svg", "All covered goods: year to date", "All covered goods: by month",
		"Two-year view, 2020–21", "Commitment (goods)", "2020-04: 43% of target", "<table>",
		"Source: US Census Bureau international trade API (census: 40 inputs, exports-hs6-5700-2017-01.json.gz"} {
		if !strings.Contains(dom, want) {
			t.Errorf("DOM lacks %q", want)
		}
	}
	shot := browsertest.Artifact(t, "compliance-report.png")
	_ = os.Remove(shot)
	browsertest.Run(t, "1400,2600", "--screenshot="+shot, url)
	st, err := os.Stat(shot)
	if err != nil {
		t.Fatal(err)
	}
	if st.Size() < 10_000 {
		t.Fatalf("screenshot %s: %d bytes", shot, st.Size())
	}
	t.Logf("screenshot: %s", shot)
}

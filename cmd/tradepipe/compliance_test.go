package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tradepipe/tradepipe/internal/censustest"
)

// The examples quick start: ingest, compute the compliance job, then the
// compliance command prints the report and writes the chart and page.
func TestComplianceCommand(t *testing.T) {
	dir := t.TempDir()
	inbox := filepath.Join(dir, "inbox")
	if err := os.MkdirAll(inbox, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := censustest.CopySynthetic(inbox, time.Time{}); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "tradepipe.yaml")
	yaml := `lake: file://` + filepath.Join(dir, "lake") + `
jobs:
  census-exports:
    source: census
    options: {flow: export, inbox: file://` + inbox + `}
  compliance:
    source: compliance
    after: [census-exports]
    options: {baseline: lake, proration: seasonal}
`
	if err := os.WriteFile(cfg, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	call := func(args ...string) (int, string, string) {
		var out, errb bytes.Buffer
		code := run(ctx, append(args, "--config", cfg), &out, &errb)
		return code, out.String(), errb.String()
	}
	code, out, stderr := call("run", "--once")
	if code != 0 || !regexp.MustCompile(`(?m)^compliance +1 +0 +0 +0 +36 +0 `).MatchString(out) {
		t.Fatalf("run --once = %d\n%s\n%s", code, out, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "lake/compliance/basis=us_exports/year=2020/part-00000.parquet")); err != nil {
		t.Fatal(err)
	}

	svg, page := filepath.Join(dir, "c.svg"), filepath.Join(dir, "c.html")
	code, out, stderr = call("compliance", "--chart", svg, "--html", page)
	if code != 0 || !strings.Contains(out, "through 2020-06: baseline lake, revised product set, proration seasonal") || !strings.Contains(out, "all_covered") {
		t.Fatalf("compliance = %d\n%s\n%s", code, out, stderr)
	}
	for _, f := range []string{svg, page} {
		if b, err := os.ReadFile(f); err != nil || !bytes.Contains(b, []byte("<svg")) {
			t.Errorf("%s: %v", f, err)
		}
	}

	code, out, _ = call("compliance", "--format", "json", "--through", "2020-03", "--baseline", "piie_revised", "--proration", "linear", "--basis", "us-exports")
	var rows []map[string]any
	if code != 0 || json.Unmarshal([]byte(out), &rows) != nil || len(rows) != 18 {
		t.Fatalf("json = %d, %d rows\n%s", code, len(rows), out)
	}
	if rows[0]["baseline_source"] != "piie_revised" || rows[0]["proration"] != "linear" || rows[17]["period"] != "2020-03-01" {
		t.Errorf("json rows: first %v last %v", rows[0], rows[17])
	}

	bad := []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"--format", "xml"}, 2, "--format \"xml\""},
		{[]string{"--baseline", "guess"}, 2, "--baseline \"guess\""},
		{[]string{"--proration", "weekly"}, 2, "--proration \"weekly\""},
		{[]string{"--through", "2020-13"}, 2, "--through"},
		{[]string{"--basis", "eu"}, 2, "--basis"},
		{[]string{"--basis", "cn-imports"}, 1, "no trade_flows in the lake for cn_imports"},
	}
	for _, b := range bad {
		code, _, stderr := call(append([]string{"compliance"}, b.args...)...)
		if code != b.code || !strings.Contains(stderr, b.msg) {
			t.Errorf("compliance %v = %d, stderr %q; want %d and %q", b.args, code, stderr, b.code, b.msg)
		}
	}
}

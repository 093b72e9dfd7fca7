package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tradepipe/tradepipe/internal/censustest"
)

// testConfig writes a config with a temp lake and an inbox holding copies
// of the example responses.
func testConfig(t *testing.T) (cfg, inbox, lakeDir string) {
	t.Helper()
	dir := t.TempDir()
	inbox = filepath.Join(dir, "inbox")
	lakeDir = filepath.Join(dir, "lake")
	if err := os.MkdirAll(inbox, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := censustest.CopySynthetic(inbox, time.Time{}); err != nil {
		t.Fatal(err)
	}
	cfg = filepath.Join(dir, "tradepipe.yaml")
	body := fmt.Sprintf(`lake: file://%s
jobs:
  census-exports:
    source: census
    options: {flow: export, partner: "5700", level: HS6, inbox: "file://%s"}
`, lakeDir, inbox)
	if err := os.WriteFile(cfg, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return cfg, inbox, lakeDir
}

func runCLI(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestRunOnceTwice(t *testing.T) {
	cfg, _, lakeDir := testConfig(t)
	code, out, errs := runCLI("run", "--once", "--config", cfg)
	if code != exitOK || !strings.Contains(out, "18 written, 0 unchanged, 0 failed") || !strings.Contains(out, "864 written") {
		t.Fatalf("first run: exit %d\n%s\n%s", code, out, errs)
	}
	if _, err := os.Stat(filepath.Join(lakeDir, "trade_flows/source=census/flow=export/year=2020/month=04/partner-CN.parquet")); err != nil {
		t.Fatal(err)
	}
	code, out, _ = runCLI("run", "--config", cfg, "--once", "--job", "census-exports")
	if code != exitOK || !strings.Contains(out, "0 written, 18 unchanged") {
		t.Fatalf("second run: exit %d\n%s", code, out)
	}
}

func TestExitCodes(t *testing.T) {
	cfg, inbox, _ := testConfig(t)
	bad := filepath.Join(t.TempDir(), "bad.json")
	_ = os.WriteFile(bad, []byte("not json"), 0o644)
	good := filepath.Join(inbox, "exports-hs6-5700-2020-04.json")
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no args", nil, exitUsage, "Usage:"},
		{"unknown command", []string{"frobnicate"}, exitUsage, "unknown command"},
		{"validate ok", []string{"validate", "--config", cfg}, exitOK, "ok (1 jobs: census-exports)"},
		{"validate bad", []string{"validate", "--config", "../../internal/config/testdata/many_problems.bad.yaml"}, exitUsage, "jobs.b.window: must be 0 or more months"},
		{"missing config", []string{"validate", "--config", "/nonexistent/x.yaml"}, exitUsage, "read config"},
		{"unknown job", []string{"ingest", "--config", cfg, "nope", good}, exitUsage, `no job "nope"`},
		{"ingest needs files", []string{"ingest", "--config", cfg, "census-exports"}, exitUsage, "at least one file"},
		{"flags after positionals", []string{"ingest", "census-exports", good, "--config", cfg}, exitOK, "1 written"},
		{"bad file fails", []string{"ingest", "--config", cfg, "census-exports", bad}, exitFailed, "not a Census API response"},
		{"unknown --job", []string{"run", "--once", "--config", cfg, "--job", "x"}, exitUsage, `no job "x"`},
		{"version", []string{"version"}, exitOK, "tradepipe "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errs := runCLI(tc.args...)
			if code != tc.code || !strings.Contains(out+errs, tc.want) {
				t.Errorf("exit %d (want %d), output lacks %q:\n%s\n%s", code, tc.code, tc.want, out, errs)
			}
		})
	}
}

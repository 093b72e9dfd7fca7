package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A live source replays a directory of saved responses (base_url:
// file://…): a backfill of the bundled Census and GACC samples runs with no
// network, and a second one finds everything done.
func TestBackfillReplay(t *testing.T) {
	examples, err := filepath.Abs("../../examples")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cfg := filepath.Join(dir, "tradepipe.yaml")
	body := fmt.Sprintf(`lake: file://%s/lake
jobs:
  census-exports:
    source: census
    options: {flow: export, partner: "5700", level: HS6, max_attempts: 1,
              base_url: "file://%s/census/exports-hs6-5700-{year}-{month}.json.gz"}
  gacc-imports:
    source: gacc
    options: {flow: import, max_attempts: 1, base_url: "file://%s/gacc/release-{year}-{month}.html"}
`, dir, examples, examples)
	if err := os.WriteFile(cfg, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs := runCLI("backfill", "census-exports", "--from", "2017-01", "--to", "2017-03", "--config", cfg)
	if code != exitOK || !strings.Contains(out, "succeeded: 3 months done (0 failed), 0 pending") {
		t.Fatalf("census backfill: exit %d\n%s\n%s", code, out, errs)
	}
	code, out, errs = runCLI("backfill", "gacc-imports", "--from", "2020-03", "--to", "2020-04", "--config", cfg)
	if code != exitOK || !strings.Contains(out, "2 months done (0 failed), 0 pending") {
		t.Fatalf("gacc backfill: exit %d\n%s\n%s", code, out, errs)
	}
	code, out, _ = runCLI("backfill", "census-exports", "--from", "2017-01", "--to", "2017-03", "--dry-run", "--config", cfg)
	if code != exitOK || !strings.Contains(out, "0 of 3 months would run") {
		t.Errorf("dry run after the backfill: exit %d\n%s", code, out)
	}
	for _, p := range []string{"trade_flows/source=census/flow=export/year=2017/month=03", "trade_totals/source=gacc/flow=import/year=2020/month=04"} {
		if _, err := os.Stat(filepath.Join(dir, "lake", p)); err != nil {
			t.Error(err)
		}
	}
	// A base_url whose directory does not exist fails, rather than read
	// as "no data".
	bad := strings.Replace(body, "/census/exports", "/nowhere/exports", 1)
	if err := os.WriteFile(cfg, []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, _ = runCLI("backfill", "census-exports", "--from", "2017-04", "--to", "2017-04", "--config", cfg)
	if code != exitFailed || !strings.Contains(out, "FAILED 2017-04") {
		t.Errorf("missing directory: exit %d\n%s", code, out)
	}
}

package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// A job taken out of the config is retired: a dry run lists its 18 months
// and changes nothing; the retirement takes its files out, reruns the
// compliance job over what is left, and a second retirement finds nothing.
// A job still in the config is refused with exit 2.
func TestRetireCommand(t *testing.T) {
	cfg, _, lakeDir := testConfig(t)
	body, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	gacc, err := filepath.Abs("../../examples/gacc")
	if err != nil {
		t.Fatal(err)
	}
	rest := fmt.Sprintf(`  gacc-imports:
    source: gacc
    options: {flow: import, inbox: "file://%s"}
  compliance:
    source: compliance
    options: {baseline: lake, synthetic: [cn_imports]}
`, gacc)
	if err := os.WriteFile(cfg, append(body, rest...), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, out, errs := runCLI("run", "--once", "--config", cfg); code != exitOK {
		t.Fatalf("run: exit %d\n%s\n%s", code, out, errs)
	}
	april := filepath.Join(lakeDir, "trade_flows/source=census/flow=export/year=2020/month=04/partner-CN.parquet")
	if _, err := os.Stat(april); err != nil {
		t.Fatal(err)
	}
	if code, _, errs := runCLI("retire", "--config", cfg, "census-exports"); code != exitUsage || !strings.Contains(errs, "census-exports: the job is in the config") {
		t.Fatalf("retire a configured job: exit %d, %s", code, errs)
	}

	// The job leaves the config.
	without := strings.Split(string(body), "jobs:")[0] + "jobs:\n" + rest
	if err := os.WriteFile(cfg, []byte(without), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs := runCLI("retire", "--config", cfg, "census-exports", "--dry-run")
	if code != exitOK || strings.Count(out, "would retire trade_flows/") != 18 || !strings.Contains(out, "job census-exports: would retire 18 partitions, 18 files, 864 rows") {
		t.Fatalf("dry run: exit %d\n%s\n%s", code, out, errs)
	}
	if _, err := os.Stat(april); err != nil {
		t.Fatalf("the dry run removed a file: %v", err)
	}
	code, out, errs = runCLI("retire", "--config", cfg, "census-exports")
	if code != exitOK || !strings.Contains(out, "job census-exports: retired 18 partitions, 18 files, 864 rows") {
		t.Fatalf("retire: exit %d\n%s\n%s", code, out, errs)
	}
	// Compliance ran again: the US-export basis has no rows now, and its
	// partition lost its file; China's imports are unchanged.
	if !regexp.MustCompile(`(?m)^compliance +1 +1 +0 +0 `).MatchString(out) {
		t.Errorf("compliance did not run again with the US basis gone:\n%s", out)
	}
	for basis, want := range map[string]int{"us_exports": 0, "cn_imports": 1} {
		if got, _ := filepath.Glob(filepath.Join(lakeDir, "compliance/basis="+basis+"/year=*/*.parquet")); len(got) != want {
			t.Errorf("compliance %s after retirement: %v, want %d files", basis, got, want)
		}
	}
	if _, err := os.Stat(april); !os.IsNotExist(err) {
		t.Fatalf("April's file after retirement: %v", err)
	}
	code, out, _ = runCLI("retire", "--config", cfg, "census-exports")
	if code != exitOK || !strings.Contains(out, "job census-exports has no files in the lake") {
		t.Fatalf("retire again: exit %d\n%s", code, out)
	}
}

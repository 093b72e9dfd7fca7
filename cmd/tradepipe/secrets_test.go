package main

import (
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Issue 12: an upstream error body that echoes the request URL put the
// Census API key into 42 log lines, the summary and every ledger file.
// Through the CLI, against a local server that echoes it: neither the
// output, the logs nor any file of the lake holds the key.
func TestCensusKeyNeverLeaks(t *testing.T) {
	const key = "c3nsus-k3y-audit-0123456789"
	t.Setenv("TP_AUDIT_CENSUS_KEY", key)
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, _ := url.QueryUnescape(r.URL.RawQuery)
		http.Error(w, "error: unknown variable in request "+r.URL.Path+"?"+u, http.StatusBadRequest)
	}))
	defer ts.Close()
	dir := t.TempDir()
	lakeDir := filepath.Join(dir, "lake")
	cfg := filepath.Join(dir, "tradepipe.yaml")
	body := "lake: file://" + lakeDir + `
jobs:
  census-exports:
    source: census
    window: 1
    max_attempts: 1
    options: {flow: export, partner: "5700", level: HS6, api_key_env: TP_AUDIT_CENSUS_KEY, base_url: "` + ts.URL + `", max_attempts: 1}
`
	if err := os.WriteFile(cfg, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs := runCLI("run", "--once", "--config", cfg, "--log-level", "debug")
	if code == exitOK || !strings.Contains(out+errs, "unknown variable") {
		t.Fatalf("exit %d; the upstream error is not reported:\n%s\n%s", code, out, errs)
	}
	if strings.Contains(out+errs, key) {
		t.Errorf("the key is in the output or the logs:\n%s\n%s", out, errs)
	}
	files := 0
	err := filepath.WalkDir(lakeDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		files++
		if strings.Contains(string(b), key) {
			t.Errorf("%s holds the key", p)
		}
		return nil
	})
	if err != nil || files == 0 {
		t.Fatalf("%d lake files: %v", files, err)
	}
}

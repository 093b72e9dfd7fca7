package main

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"testing"
)

// TestMemoryLimitFromConfig checks that a command applies memory_limit
// to the process, and that without it the limit stays as it was.
func TestMemoryLimitFromConfig(t *testing.T) {
	before := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(before) })
	dir := t.TempDir()
	for _, tt := range []struct {
		name, line string
		want       int64
	}{
		{"unset", "", before},
		{"set", "memory_limit: 1099511627776\n", 1 << 40},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg := filepath.Join(dir, tt.name+".yaml")
			body := fmt.Sprintf("lake: file://%s\n%sjobs:\n  panjiva:\n    source: panjiva\n", filepath.Join(dir, "lake"), tt.line)
			if err := os.WriteFile(cfg, []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
			if code, out, errs := runCLI("status", "--config", cfg); code != exitOK {
				t.Fatalf("status: exit %d\n%s\n%s", code, out, errs)
			}
			if got := debug.SetMemoryLimit(-1); got != tt.want {
				t.Errorf("memory limit %d, want %d", got, tt.want)
			}
		})
	}
}

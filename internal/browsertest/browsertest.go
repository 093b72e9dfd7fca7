// Package browsertest runs Debian's headless Chromium for tests that check
// a page as a person sees it, and keeps their screenshots as artefacts.
// Without Chromium a test skips locally and fails under CI=true, where
// .ci/run installs it, so CI cannot pass by skipping.
package browsertest

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// Run runs headless Chromium once with a fresh profile, the given window
// size ("1280,2200") and args (--dump-dom URL, --screenshot=PATH URL),
// and returns what it printed. Nothing may load from the network: the
// proxy is a dead port and background networking is off.
func Run(t *testing.T, window string, args ...string) []byte {
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
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	flags := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--proxy-server=127.0.0.1:9", // loopback bypasses a proxy by default
		"--user-data-dir=" + t.TempDir(), "--hide-scrollbars", "--window-size=" + window}
	cmd := exec.CommandContext(ctx, bin, append(flags, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium %v: %v\n%s", args, err, stderr.String())
	}
	return stdout.Bytes()
}

// Artifact returns the absolute path a test keeps file name under:
// $TRADEPIPE_ARTIFACTS, else .artifacts/ at the module root (ignored by
// git; .ci/run prints the paths).
func Artifact(t *testing.T, name string) string {
	t.Helper()
	dir := os.Getenv("TRADEPIPE_ARTIFACTS")
	if dir == "" {
		root, err := moduleRoot()
		if err != nil {
			t.Fatal(err)
		}
		dir = filepath.Join(root, ".artifacts")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	p, err := filepath.Abs(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// moduleRoot is the nearest directory above the working directory (a
// test's package directory) that holds go.mod.
func moduleRoot() (string, error) {
	d, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d, nil
		}
		up := filepath.Dir(d)
		if up == d {
			return "", os.ErrNotExist
		}
		d = up
	}
}

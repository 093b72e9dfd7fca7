package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"sync"
	"testing"

	"github.com/tradepipe/tradepipe/sinks/s3lake/s3test"
)

// The test binary doubles as tradepipe for the tests that start processes.
func TestMain(m *testing.M) {
	if os.Getenv("TRADEPIPE_TEST_AS_MAIN") == "1" {
		os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

var summaryRE = regexp.MustCompile(`partitions: (\d+) written, (\d+) unchanged, (\d+) failed`)

// twoProcesses runs `tradepipe run --once` twice at the same time on the
// config and returns each process's written and unchanged counts.
func twoProcesses(t *testing.T, config string) (written, unchanged [2]int) {
	t.Helper()
	var wg sync.WaitGroup
	var outs [2]bytes.Buffer
	var errs [2]error
	for i := range 2 {
		wg.Go(func() {
			cmd := exec.Command(os.Args[0], "run", "--once", "--config", config)
			cmd.Env = append(os.Environ(), "TRADEPIPE_TEST_AS_MAIN=1")
			cmd.Stdout = &outs[i]
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Run(); err != nil {
				errs[i] = fmt.Errorf("process %d: %w\n%s", i, err, stderr.String())
			}
		})
	}
	wg.Wait()
	for i := range 2 {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		m := summaryRE.FindStringSubmatch(outs[i].String())
		if m == nil {
			t.Fatalf("process %d printed no summary: %s", i, outs[i].String())
		}
		written[i], _ = strconv.Atoi(m[1])
		unchanged[i], _ = strconv.Atoi(m[2])
		if m[3] != "0" {
			t.Fatalf("process %d: %s", i, outs[i].String())
		}
	}
	return written, unchanged
}

func writeConfig(t *testing.T, lakeURL, s3 string) string {
	t.Helper()
	examples, err := filepath.Abs("../../examples/census")
	if err != nil {
		t.Fatal(err)
	}
	cfg := fmt.Sprintf(`lake: %s
%sjobs:
  census-exports:
    source: census
    window: 3
    options: {flow: export, partner: "5700", level: HS6, inbox: "file://%s"}
`, lakeURL, s3, examples)
	p := filepath.Join(t.TempDir(), "tradepipe.yaml")
	if err := os.WriteFile(p, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func checkOneWriter(t *testing.T, written, unchanged [2]int) {
	t.Helper()
	files, _ := filepath.Glob("../../examples/census/*.json.gz")
	n := len(files)
	t.Logf("two processes: written %d + %d, unchanged %d + %d, partitions %d", written[0], written[1], unchanged[0], unchanged[1], n)
	if written[0]+written[1] != n || written[0]+unchanged[0] != n || written[1]+unchanged[1] != n {
		t.Fatalf("written %v, unchanged %v: want each of %d partitions written by exactly one process", written, unchanged, n)
	}
}

func TestTwoProcessesFileLake(t *testing.T) {
	w, u := twoProcesses(t, writeConfig(t, "file://"+t.TempDir(), ""))
	checkOneWriter(t, w, u)
}

func TestTwoProcessesS3Lake(t *testing.T) {
	opts, bucket := s3test.Env(t)
	l := s3test.Open(t, bucket, s3test.Prefix(t), opts) // deletes the prefix after
	s3 := fmt.Sprintf("s3:\n  region: %s\n  endpoint: %q\n  path_style: %v\n", opts.Region, opts.Endpoint, opts.PathStyle)
	w, u := twoProcesses(t, writeConfig(t, l.URL(), s3))
	checkOneWriter(t, w, u)
}

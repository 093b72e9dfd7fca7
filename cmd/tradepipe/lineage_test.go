package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/tradepipe/tradepipe/internal/lineage"
)

// The config's lineage section reaches the engine: an ingest appends a
// START and a COMPLETE event per input to lineage.file.
func TestLineageFileFromConfig(t *testing.T) {
	dir := t.TempDir()
	events := filepath.Join(dir, "lineage.jsonl")
	cfg := filepath.Join(dir, "tradepipe.yaml")
	body := fmt.Sprintf(`lake: file://%s/lake
lineage: {file: %q, namespace: quickstart}
jobs:
  census-exports:
    source: census
    options: {flow: export, partner: "5700", level: HS6}
`, dir, events)
	if err := os.WriteFile(cfg, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	files := []string{"../../examples/census/exports-hs6-5700-2017-01.json.gz", "../../examples/census/exports-hs6-5700-2017-02.json.gz"}
	if code, out, errs := runCLI(append([]string{"ingest", "census-exports", "--config", cfg}, files...)...); code != exitOK {
		t.Fatalf("ingest: exit %d\n%s\n%s", code, out, errs)
	}
	b, err := os.ReadFile(events)
	if err != nil {
		t.Fatal(err)
	}
	var types []string
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if err := lineage.Check(sc.Bytes()); err != nil {
			t.Errorf("event: %v", err)
		}
		var ev lineage.Event
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			t.Fatal(err)
		}
		if ev.Job.Namespace != "quickstart" {
			t.Errorf("namespace %q", ev.Job.Namespace)
		}
		types = append(types, string(ev.EventType))
	}
	if fmt.Sprint(types) != "[START COMPLETE START COMPLETE]" {
		t.Errorf("events %v, want START and COMPLETE per input", types)
	}
}

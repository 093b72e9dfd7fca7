package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/tradepipe/tradepipe/internal/censustest"
	"github.com/tradepipe/tradepipe/pipeline"
)

// A run makes a span tree run > fetch, partition > stage, run > commit, all in one
// trace, and the log lines of the run carry its trace id.
func TestTraces(t *testing.T) {
	api := censustest.New()
	defer api.Close()
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "tradepipe.yaml")
	body := fmt.Sprintf(`lake: file://%s/lake
jobs:
  census-exports:
    source: census
    window: 2
    options: {flow: export, partner: "5700", level: HS6, base_url: "%s", max_attempts: 1}
`, dir, api.URL)
	if err := os.WriteFile(cfgPath, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := loadConfig(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	logger, err := (&globals{stderr: &logs}).logger()
	if err != nil {
		t.Fatal(err)
	}
	spans := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(spans))
	defer tp.Shutdown(context.Background())
	ctx := context.Background()
	a, err := newApp(ctx, cfg, logger, nil, tp.Tracer("test"))
	if err != nil {
		t.Fatal(err)
	}
	exec, err := a.executor(nil)
	if err != nil {
		t.Fatal(err)
	}
	s, err := exec.RunOnce(ctx, "census-exports", pipeline.TriggerManual)
	if err != nil || s.Count(pipeline.StatusWritten) != 2 {
		t.Fatalf("run: %v, %d written", err, s.Count(pipeline.StatusWritten))
	}

	got := spans.GetSpans()
	byName := map[string][]tracetest.SpanStub{}
	for _, sp := range got {
		byName[sp.Name] = append(byName[sp.Name], sp)
	}
	for name, n := range map[string]int{"run": 1, "fetch": 2, "partition": 2, "stage": 2, "commit": 2} {
		if len(byName[name]) != n {
			t.Errorf("%d %q spans, want %d (all: %d spans)", len(byName[name]), name, n, len(got))
		}
	}
	if t.Failed() {
		t.FailNow()
	}
	run := byName["run"][0]
	tid := run.SpanContext.TraceID()
	for _, sp := range got {
		if sp.SpanContext.TraceID() != tid {
			t.Errorf("span %s is in trace %s, not the run's %s", sp.Name, sp.SpanContext.TraceID(), tid)
		}
	}
	parent := func(name string) map[string]bool {
		ids := map[string]bool{}
		for _, sp := range byName[name] {
			ids[sp.SpanContext.SpanID().String()] = true
		}
		return ids
	}
	for child, par := range map[string]string{"fetch": "run", "partition": "run", "stage": "partition", "commit": "run"} {
		for _, sp := range byName[child] {
			if !parent(par)[sp.Parent.SpanID().String()] {
				t.Errorf("%s span's parent is not a %s span", child, par)
			}
		}
	}
	for _, sp := range byName["partition"] {
		attrs := map[string]string{}
		for _, kv := range sp.Attributes {
			attrs[string(kv.Key)] = kv.Value.Emit()
		}
		if attrs["tradepipe.status"] != "written" || attrs["tradepipe.rows"] == "0" || !strings.HasPrefix(attrs["tradepipe.partition"], "trade_flows/source=census/") {
			t.Errorf("partition span attributes = %v", attrs)
		}
	}

	// The partition log lines carry the run's trace id.
	n := 0
	for _, l := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(l), &rec); err != nil {
			t.Fatalf("log line %q: %v", l, err)
		}
		if rec["msg"] == "partition" {
			n++
			if rec["trace_id"] != tid.String() {
				t.Errorf("partition log line has trace_id %v, want %s", rec["trace_id"], tid)
			}
		}
	}
	if n != 2 {
		t.Errorf("%d partition log lines, want 2:\n%s", n, logs.String())
	}
}

// Tracing is off unless an OTLP endpoint is configured.
func TestTracingOffByDefault(t *testing.T) {
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "")
	t.Setenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "")
	tr, shutdown, err := tracing(context.Background())
	if err != nil || tr != nil {
		t.Errorf("tracing() = %v, %v; want off", tr, err)
	}
	_ = shutdown(context.Background())
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:1")
	tr, shutdown, err = tracing(context.Background())
	if err != nil || tr == nil {
		t.Errorf("with an endpoint: tracing() = %v, %v; want a tracer", tr, err)
	}
	_ = shutdown(context.Background())
}

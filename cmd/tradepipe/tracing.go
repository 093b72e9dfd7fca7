package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"time"

	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.40.0"
	"go.opentelemetry.io/otel/trace"
)

// tracing returns the tracer for runs, partitions, fetches and commits:
// OTLP over HTTP when OTEL_EXPORTER_OTLP_ENDPOINT or
// OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is set (the exporter reads the other
// OTEL_* variables itself), else nil: tracing is off unless configured.
// shutdown flushes the spans still buffered; ctx bounds it.
func tracing(ctx context.Context) (tr trace.Tracer, shutdown func(context.Context) error, err error) {
	none := func(context.Context) error { return nil }
	if os.Getenv("OTEL_SDK_DISABLED") == "true" ||
		(os.Getenv("OTEL_EXPORTER_OTLP_ENDPOINT") == "" && os.Getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") == "") {
		return nil, none, nil
	}
	exp, err := otlptracehttp.New(ctx)
	if err != nil {
		return nil, none, fmt.Errorf("%w: OTLP exporter: %w", errConfig, err)
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithResource(resource.NewSchemaless(
		semconv.ServiceName("tradepipe"), semconv.ServiceVersion(versionString()),
	)))
	return tp.Tracer("github.com/tradepipe/tradepipe"), tp.Shutdown, nil
}

// tracer returns the process's tracer (see tracing) and has run flush it
// before exit, for up to five seconds.
func (g *globals) tracer() (trace.Tracer, error) {
	tr, shutdown, err := tracing(g.ctx)
	if err != nil {
		return nil, err
	}
	g.closers = append(g.closers, func() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(g.ctx), 5*time.Second)
		defer cancel()
		_ = shutdown(ctx)
	})
	return tr, nil
}

// traceHandler adds the trace and span ids of the context's span to each
// record, so a log line leads to its trace.
type traceHandler struct{ slog.Handler }

func (h traceHandler) Handle(ctx context.Context, r slog.Record) error {
	if sc := trace.SpanContextFromContext(ctx); sc.IsValid() {
		r.AddAttrs(slog.String("trace_id", sc.TraceID().String()), slog.String("span_id", sc.SpanID().String()))
	}
	return h.Handler.Handle(ctx, r)
}

func (h traceHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return traceHandler{h.Handler.WithAttrs(as)}
}

func (h traceHandler) WithGroup(name string) slog.Handler {
	return traceHandler{h.Handler.WithGroup(name)}
}

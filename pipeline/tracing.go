package pipeline

import (
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// Span attributes; the span names are "run" (a job's run), "fetch" (one
// month from a live source), "partition" (one partition published, ingest
// or derived), "stage" (its record staged in the release's transaction)
// and "commit" (the transaction's outcome record and views: one per
// release or derived run, a child of the run).
const (
	attrJob       = attribute.Key("tradepipe.job")
	attrTrigger   = attribute.Key("tradepipe.trigger")
	attrMonth     = attribute.Key("tradepipe.month")
	attrPartition = attribute.Key("tradepipe.partition")
	attrStatus    = attribute.Key("tradepipe.status")
	attrRows      = attribute.Key("tradepipe.rows")
	attrTxn       = attribute.Key("tradepipe.txn")
)

func endSpan(span trace.Span, err error) {
	if err != nil {
		span.RecordError(err)
		span.SetStatus(codes.Error, err.Error())
	}
	span.End()
}

func endPartition(span trace.Span, res Result) {
	span.SetAttributes(attrStatus.String(string(res.Status)), attrRows.Int64(res.Rows), attribute.Int64("tradepipe.quarantined", res.Quarantined))
	endSpan(span, res.Err)
}

func endRun(span trace.Span, s *Summary) {
	if s != nil {
		rows, q := s.Rows()
		span.SetAttributes(attribute.Int("tradepipe.partitions.written", s.Count(StatusWritten)),
			attribute.Int("tradepipe.partitions.unchanged", s.Count(StatusUnchanged)),
			attribute.Int("tradepipe.partitions.failed", s.Count(StatusFailed)),
			attrRows.Int64(rows), attribute.Int64("tradepipe.quarantined", q))
		if s.Failed() {
			span.SetStatus(codes.Error, "a partition failed")
		}
	}
	span.End()
}

// Package lineage builds OpenLineage run events (spec 2-0-2, RunEvent) for
// the engine's releases and sends them where the config says: POSTed as
// JSON to an HTTP endpoint (Marquez's /api/v1/lineage, or any OpenLineage
// HTTP receiver), appended as one JSON line per event to a file, or both.
//
// One release is one OpenLineage run: its id is a UUID derived from the
// release's transaction id (the same transaction always gives the same
// run id, so START and COMPLETE pair up and a re-sent event is the same
// run), the job is the tradepipe job in the configured namespace, the
// inputs are the raw inputs with a "tradepipe_input" facet holding their
// SHA-256, source URI and release id, and the outputs are the tables the
// release committed with a "tradepipe_commit" facet holding the
// transaction id and each partition's log seq (and, once tables carry
// Iceberg metadata, the snapshot id: Output.SnapshotID).
//
// Contract:
//   - Emitter.Emit is safe for concurrent use; ctx bounds the whole send
//     (the HTTP request, the file write). An error means the event was not
//     delivered to every sink (errors.Join of each sink's); the caller
//     logs it: lineage never fails a run.
//   - Build validates what OpenLineage requires of a RunEvent (eventType,
//     eventTime, run.runId a UUID, job.namespace and name, producer,
//     schemaURL), so a sink never receives an event a consumer rejects on
//     those grounds.
//   - Source URIs are written as the engine recorded them, which the
//     engine has already scrubbed of credentials.
package lineage

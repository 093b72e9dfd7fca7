// Package iceberg keeps an Apache Iceberg (format v2) table for every lake
// table, derived from the commit log of sinks/publish: one snapshot per
// committed release transaction, whose data files are the immutable
// Parquet files the commit protocol already wrote under _tables/ (nothing
// is copied or rewritten).
//
// # Layout
//
//	_iceberg/<table>/metadata/v<N>.metadata.json   table metadata, version N
//	_iceberg/<table>/metadata/version-hint.text    N, a hint only
//	_iceberg/<table>/metadata/snap-<id>-1-<uuid>.avro  manifest list
//	_iceberg/<table>/metadata/<uuid>-m0.avro       manifest (Avro, raw deflate)
//
// The table location is <base>/_iceberg/<table>; data files keep their
// _tables/ keys and are named by absolute URL (<base>/_tables/...), base
// being the lake's URL unless Writer.Base says otherwise.
//
// # Commit
//
// v<N+1>.metadata.json is written with PutIfAbsent: of two writers only
// one creates it, the other derives its snapshot again on top of v<N+1>.
// That one write is the Iceberg commit (the embedded catalog): an engine
// given the metadata location reads a complete table. version-hint.text
// is written after it as a convenience and may lag; Current probes the
// versions after the hint. (iceberg-go's catalog/hadoop commits by
// writing the hint, which two writers on S3 can both do; it is not used.)
//
// # Snapshots
//
// CommitTxn(id), called after transaction id's outcome record says
// "committed", writes one snapshot per table the transaction changed: each
// partition it staged gets the files of its record at the transaction's
// seq, replacing the partition's previous files (operation overwrite when
// files are removed, append otherwise). Each snapshot carries
// tradepipe.txn=<id> in its summary, which makes the call idempotent;
// Catchup calls it for every committed transaction no snapshot names, so a
// crash between a transaction's commit and its snapshots converges on the
// next run. A partition a later record has superseded is skipped, left to
// the later transaction's snapshot: a snapshot never holds part of a
// release.
//
// Schemas come from internal/schema's Table (the Parquet writer's own
// definition) with ids 1..n in file column order; the Parquet files carry
// no field ids, so every table sets schema.name-mapping.default. Partition
// specs are identity on the path keys that are columns and month(period)
// (or year(period)) for the year/month keys.
//
// Time travel reaches a snapshot as long as its files exist: the commit
// protocol deletes a data file Retention (24h by default) after the commit
// that replaced it, so older snapshots of the current tables lose their
// files; *_history tables keep every vintage and stay the durable as-of.
package iceberg

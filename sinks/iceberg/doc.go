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
//	_iceberg/<table>/metadata/<uuid>-m0.avro       manifest (Avro, null codec)
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
// On a lake.Syncer (a directory) the manifest and the manifest list are
// written unsynced and synced together before the PutIfAbsent: the
// version names them, so they must be durable first, and nothing else
// needs them to be.
//
// A Writer keeps, per table, the version it committed last (the
// metadata and the current snapshot's entries, in memory): its next
// commit starts from it when the lake still holds that version as
// written and no version after it (two stats), instead of reading and
// parsing the metadata and the manifests. A version another writer
// committed in between loses this writer its PutIfAbsent, and the next
// attempt reads the lake, as without the cache.
//
// Manifests of plain data files (no column statistics, string and int
// partition values: every table here) are encoded by this package with
// the header iceberg-go writes for the table, taken once, because
// iceberg-go's ManifestWriter builds and parses the Avro schema again
// for every manifest; any other entry goes through iceberg-go.
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
// next run. A transaction that changed no file of a table that exists
// still gets a snapshot (the same files), so every committed transaction
// is named once. A partition a later record has superseded is skipped, left to
// the later transaction's snapshot: a snapshot never holds part of a
// release.
//
// Schemas come from internal/schema's Table (the Parquet writer's own
// definition), field ids in file column order as iceberg-go numbers them
// (a list's element id right after its column); the Parquet files carry
// no field ids, so every table sets schema.name-mapping.default. Partition
// specs are identity on the path keys that are columns and month(period)
// (or year(period)) for the year/month keys.
//
// # Catch-up checkpoint
//
// With Writer.Checkpoint set, Catchup keeps there the lake time (an
// object's ModTime, the lake's clock) before which every transaction
// record has been applied: it lists the records and reads only those
// stamped at or after it, then moves it to checkpointSlack before the
// newest record it listed. A record's stamp is its outcome's write, so a
// transaction that began before a checkpoint and committed after it is
// stamped after it and read.
//
// # Expiry
//
// With Writer.Expire (and a Checkpoint), each commit also expires the
// snapshots superseded (the next snapshot committed) more than
// MaxSnapshotAge ago, keeping the MinSnapshotsToKeep newest, those under
// a ref other than main, and any committed less than clockSkew before
// the checkpoint (Catchup would take an expired snapshot's transaction
// after the checkpoint for one never applied). MaxSnapshotAge is at
// least the commit protocol's Retention (24h): a snapshot is not expired
// while the protocol keeps the files it replaced, and one whose files all
// still exist is expired by age all the same (*_history tables keep every
// vintage and are the durable as-of). The commit removes the snapshots
// (snapshot-log pruned) and bounds the metadata-log to
// PreviousVersionsMax, all written into the table's properties under
// Iceberg's names; after the commit and the hint, the expired snapshots'
// manifest lists and manifests are deleted, and with DeleteAfterCommit
// the metadata versions before the metadata-log's oldest. Manifest lists
// and manifests no snapshot names that the lake stamped more than
// MaxSnapshotAge before the new version (a crash's leftovers, a lost
// race's attempt) are deleted then too; that takes a listing of the
// metadata directory, which a writer makes at most once an hour of
// lake time per table (many releases in one run), deleting in between
// only the versions that fell off the metadata-log. A crash anywhere
// leaves a table that reads as its previous or its new version.
//
// Time travel reaches a snapshot as long as its files exist: the commit
// protocol deletes a data file Retention (24h by default) after the commit
// that replaced it, so a snapshot superseded longer ago may have lost
// files until the next commit expires it.
//
// # Reconcile annotations
//
// A reconcile annotation (publish.Publisher.Annotate) is a log record
// committed outside a transaction that changes a group's warnings, not
// its files. It makes no snapshot: the table's rows are the same. The
// next snapshot of the partition reads the annotated head, whose files
// are the same.
package iceberg

// Package publish is the lake's commit protocol: data files are
// immutable, numbered log records describe each partition's states, one
// transaction record per release makes every partition the release wrote
// current at once, and a Hive-style "current" view that glob readers
// query is maintained from the latest commit of each partition.
//
// # Layout (P is a partition, e.g. trade_flows/source=census/flow=export/year=2020/month=04)
//
//	_tables/P/data/<group>-<sha256[:16]>.parquet   immutable data files, named by content
//	_tables/P/_log/<seq, 20 digits>.json            P's records; each names its parent (the
//	                                               committed state it replaces) and, when
//	                                               staged in a transaction, "txn": <id>
//	_tables/_txn/<id>.json                          a transaction's outcome: {"state":
//	                                               "committed"|"aborted", release id, job,
//	                                               inputs, partitions and their seqs, time}
//	_tables/_pending/<hash>.json                    marker: P's view may lag its log
//	P/<group>.parquet                              the view: one file per group, a copy (hard
//	                                               link on a filesystem, CopyObject on S3)
//	P/_manifest.json, P/_SUCCESS                   the commit the view was last fully synced to
//
// A partition holds groups: "part-00000" for datasets written whole per
// partition (trade_totals, compliance), one per job for trade_flows (named
// after the job's partners for census: partner-CN), one group per delivery
// for datasets that accumulate deliveries (shipments), one per vintage in
// *_history. A record replaces one group and keeps the others (a
// transaction may stage a partition more than once, e.g. to drop a second
// group; each record stacks on the previous one).
//
// _tables/ starts with "_", and lies outside every dataset directory, so a
// glob such as trade_flows/**/*.parquet never reaches an immutable file:
// DuckDB's ** does not skip "_" directories, Hive, Athena, Trino and Spark
// do, and neither needs to.
//
// # Which record is current
//
// A record without "txn" is committed by its own write (Publisher.Publish:
// reconcile annotations, lakes from before
// transactions). A record with "txn": id is committed when
// _tables/_txn/<id>.json says "committed", aborted when it says "aborted",
// and staged (invisible) while there is no outcome. A partition's state is
// its newest committed record (Load); staged and aborted records never
// are. The outcome object is written once, with PutIfAbsent (rename of a
// new name on a filesystem, If-None-Match on S3): whoever writes it first
// decides. A writer that holds P's lease and finds on top of P's log a
// record of a transaction with no outcome knows the stager is gone or lost
// its lease; it writes {"state":"aborted"} there with PutIfAbsent (if the
// stager's "committed" got there first, the record is committed and is
// the parent), deletes the aborted record and stacks its own on the last
// committed one, so a log holds committed records and at most one staged
// record on top.
//
// # A release, step by step (Step names the hook points)
//
// Txn.Publish, for each partition the release writes (data, its
// quarantine, its history, months a corrected delivery withdraws), under
// that partition's lease:
//
//  1. data: each new file is put under its content-addressed key, unless
//     it is there already (same name, same bytes). A file with the bytes
//     of one the transaction already put (a release's data and its
//     history) is a Lake.Copy of it: a hard link on a directory, a
//     server-side copy on S3, as durable as an upload.
//  2. pending: a marker for P is put (skipped when one is there: an earlier
//     refresh was cut short, so this one rewrites every view file).
//  3. commit: the record N+1, parent the committed head, carrying the
//     transaction's id, is written with PutIfAbsent. It is staged: nothing
//     of it is visible. Another record at N+1 means another writer got
//     there first: ErrConflict.
//
// Txn.Commit, once every partition is staged, still under all the leases:
//
//  4. txn: _tables/_txn/<id>.json is written with PutIfAbsent, state
//     "committed", listing every staged partition and seq. This one write
//     is the commit of the whole release. ErrConflict: a writer aborted
//     the transaction first (a lease was lost); nothing of it is visible.
//
// Then, for each staged partition:
//
//  5. view: view files the commit dropped are deleted first, then each
//     changed group's view file is replaced atomically by a copy of its
//     immutable file.
//  6. manifest, success: P/_manifest.json (a copy of the record) and
//     _SUCCESS.
//  7. cleanup: unreferenced data files are collected (below) and the
//     marker removed. On a lake.Syncer (a directory) steps 5 and 6 write
//     without fsync and are made durable together, with one sync of the
//     partition's directory, before this step (a view file is a link to
//     its data file, whose bytes step 1 made durable: only its name, in
//     that directory, is synced here): the marker, removed only
//     after, makes the next run refresh the view again after a crash of
//     the machine.
//
// A release that stages nothing (every partition unchanged) writes no
// transaction. A release that fails before step 4 writes "aborted"
// (Txn.Abort) so the next writer need not decide. Publisher.Publish is the
// same without a transaction: step 3's record is the commit and step 4 is
// skipped.
//
// # What readers see
//
// A reader that follows commits (Load, Partitions, a later Iceberg
// snapshot per transaction record) sees each partition's newest committed
// record and reads the immutable files it names: before step 4 the
// previous state of every partition of the release, from step 4 on the
// new state of all of them, whatever the views are doing. Partitions lists
// only partitions with a committed record.
//
// A reader that globs P/*.parquet sees: before step 4 the previous
// commit's files only (nothing of the release is in any view); during step
// 5 of P, each group's file is its previous or its new version, never both
// and never a part (a file the commit dropped disappears before any new
// file appears, so rows are never counted twice; a glob during the step
// may miss a dropped group for an instant); after step 5 of P exactly the
// new commit's files. The views of a release's partitions are refreshed
// one after the other after the commit, so a glob across partitions may
// see month A at the new commit and month B still at the previous one
// until the last refresh: the glob is per-partition exact, not
// release-atomic; a reader that needs the release whole follows commits.
// Rows that were never committed never enter a view.
//
// # Crashes
//
// A crash before step 4 leaves every partition's previous commit current,
// staged records without outcome (invisible), at worst unreferenced files
// under _tables/ (invisible to both readers) and markers. The next run's
// Recover (Pending, then Recover per partition under its lease) or next
// publish of each partition aborts the transaction, drops its records,
// collects the files and brings the view to the committed head. A crash
// after step 4 leaves the release committed and views at the previous
// commit or partly refreshed (whole groups, as above); the markers are
// there, and Recover brings each view to the committed record. Publishing
// the same input again is then "unchanged" apart from finishing the
// refresh. A re-run converges on the lake a clean run makes, byte for
// byte apart from transaction ids (random per attempt) and the outcome
// records of aborted attempts.
//
// # Retention
//
// A data file the latest commit no longer references is kept while the
// commit that referenced it was replaced less than Retention ago
// (DefaultRetention, 24h): a reader that loaded that commit may still be
// reading its files. After that, and always for files no committed record
// references (a publish that crashed before its commit, an aborted
// transaction), collection deletes it. Committed records and transaction
// records are small and kept; aborted log records are deleted by the
// writer that aborts them.
//
// # Concurrency
//
// One writer per partition at a time: the engine holds the lease of every
// partition of a release from its first staged record until its views are
// refreshed, taken in sorted path order so that releases sharing
// partitions cannot deadlock; Settle and Recover run under the lease too.
// The conditional writes are the backstop when a lease is lost: a second
// committer of a log seq fails, and of a stager and an aborter only the
// first outcome written counts.
package publish

// Package publish is the lake's commit protocol for one partition: data
// files are immutable, a numbered commit record makes a new state of the
// partition visible at once, and a Hive-style "current" view that glob
// readers query is maintained from the latest commit.
//
// # Layout of one partition P (e.g. trade_flows/source=census/flow=export/year=2020/month=04)
//
//	_tables/P/data/<group>-<sha256[:16]>.parquet   immutable data files, named by content
//	_tables/P/_log/<seq, 20 digits>.json            commit records 1, 2, …; each names its parent
//	_tables/_pending/<hash>.json                    marker: P's view may lag its log
//	P/<group>.parquet                              the view: one file per group, a copy (hard
//	                                               link on a filesystem, CopyObject on S3)
//	P/_manifest.json, P/_SUCCESS                   the commit the view was last fully synced to
//
// A partition holds groups: "part-00000" for datasets written whole per
// partition (trade_flows, trade_totals, compliance), one group per delivery
// for datasets that accumulate deliveries (shipments), one per vintage in
// *_history. A commit replaces one group and keeps the others.
//
// _tables/ starts with "_", and lies outside every dataset directory, so a
// glob such as trade_flows/**/*.parquet never reaches an immutable file:
// DuckDB's ** does not skip "_" directories, Hive, Athena, Trino and Spark
// do, and neither needs to.
//
// # Publish, step by step (Step names the hook points)
//
//  1. data: each new file is put under its content-addressed key, unless
//     it is there already (same name, same bytes).
//  2. pending: a marker for P is put (skipped when one is there: an earlier
//     refresh was cut short, so this one rewrites every view file).
//  3. commit: the record seq N+1 with parent N is written with PutIfAbsent
//     (rename on a filesystem, If-None-Match on S3). This one write is the
//     commit: all of the new state becomes current at once. Another
//     record at N+1 means another writer committed first: ErrConflict,
//     nothing of this publish is visible.
//  4. view: view files the commit dropped are deleted first, then each
//     changed group's view file is replaced atomically by a copy of its
//     immutable file.
//  5. manifest, success: P/_manifest.json (a copy of the commit) and
//     _SUCCESS.
//  6. cleanup: unreferenced data files are collected (below) and the
//     marker removed.
//
// # What readers see
//
// A reader that follows commits (Load, Partitions, a later Iceberg
// snapshot) sees the latest record and reads the immutable files it names:
// before step 3 the previous state, from step 3 on the new one, whole,
// whatever the view is doing.
//
// A reader that globs P/*.parquet sees: before step 3 the previous commit's
// files only (nothing of the new data is in the view); during step 4 each
// group's file is its previous or its new version, never both and never a
// part (a file the commit dropped disappears before any new file appears,
// so rows are never counted twice; a glob during the step may miss a
// dropped group for an instant); after step 4 exactly the new commit's
// files. Rows that were never committed never enter the view.
//
// # Crashes
//
// A crash before step 3 leaves the previous commit current and, at worst,
// unreferenced files under _tables/ (invisible to both readers) and a
// marker. A crash after step 3 leaves the commit made and the view at the
// previous commit or partly refreshed (whole groups, as above). Either way
// the marker is there: the next run calls Pending and Recover (under P's
// lease) before anything else, which brings the view to the latest commit
// and collects stray files; and publishing the same commit again is
// "unchanged" apart from finishing the refresh. A re-run converges on the
// lake a clean run makes, byte for byte.
//
// # Retention
//
// A data file the latest commit no longer references is kept while the
// commit that referenced it was replaced less than Retention ago
// (DefaultRetention, 24h): a reader that loaded that commit may still be
// reading its files. After that, and always for files no commit ever
// referenced (a publish that crashed before step 3), collection deletes
// it. Commit records are small and kept.
//
// # Concurrency
//
// One writer per partition at a time: the engine holds the partition's
// lease around Publish, Settle and Recover. The conditional commit write
// is the backstop when a lease is lost: the second committer fails instead
// of overwriting.
package publish

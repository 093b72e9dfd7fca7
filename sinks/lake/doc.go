// Package lake is the object-store view of the data lake: flat keys with
// slash-separated segments, whole-object puts that are atomically visible,
// gets, prefix listings and deletes. Implementations: a local directory
// (file://) here, S3 and S3-compatible stores elsewhere.
//
// Lakes that can write conditionally (compare-and-swap on an ETag)
// implement Conditional; cross-process leases are built on it. Dir does on
// Unix, S3 does.
//
// Dir makes each write durable before it returns (the file synced before
// its rename, then its directory). Where the caller can batch that, or
// needs no durability at all, Dir also implements Syncer: Unsynced is the
// same directory with writes that skip fsync (still atomic and at once
// visible), Sync makes chosen keys durable, each file and each distinct
// directory once. S3 is durable on every write and does not implement it.
//
// Keys are relative to the lake root, use "/" and never start with "/".
// Dir never follows a symbolic link out of its root (ErrEscapes), so an
// inbox holding a link to /etc/shadow offers no input, and it creates
// files 0666 and directories 0777 under the process umask.
//
// Sweep is the one call that removes what killed runs left behind (spool
// files, Dir's ".tmp-" files, unfinished S3 multipart uploads), when older
// than DefaultLeftoverAge; lakes that have such leftovers implement
// Sweeper.
// Every implementation passes the conformance suites of package laketest
// (Run, RunPublish, and RunConditional for Conditional lakes).
package lake

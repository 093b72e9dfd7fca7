// Package state is the engine's one view of <lake>/_state: the run ledger,
// leases, backfills, schedule watermarks, fetch validators, reconciliation
// records and the input index, under one key layout with a version number.
//
// Layout (version 1, everything under _state/v1/):
//
//	ledger/<job>/<YYYY-MM>.json          one (job, month) run record; 0000-00 for derived jobs
//	watermarks/<job>.json                last evaluated schedule tick
//	backfills/<id>.json                  a backfill and its months
//	leases/<partition>.json              partition and run leases (package sinks/lease)
//	fetch/<job>/<YYYY-MM>.json           validators of the last published fetch
//	reconcile/<source>/<flow>/<YYYY-MM>.json
//	inputs/<job>/<sha256>.json           content index: where an input landed
//	inputs/<job>/by-location/<hash>.json location index: the version last landed from a URI
//
// A reader or writer outside this package never builds a _state key: status,
// the operator API and the engine go through Store and the Key functions.
// A later layout gets a new version directory, so a binary never misreads
// records it does not know.
//
// Writes where two processes may race (two daemons, a daemon and `tradepipe
// ingest`, a backfill and a schedule) use Update: a compare-and-swap loop on
// the object's ETag (lake.Conditional's PutIfAbsent / PutIfMatch), so an
// update is applied to the latest version and never lost to a concurrent
// writer. Put (last writer wins) is for records with one writer by
// construction, such as the content index, whose key is the content.
package state

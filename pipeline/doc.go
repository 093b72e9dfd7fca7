// Package pipeline is the engine: the one writer of the lake. Scheduled
// runs, `run --once`, `ingest`, backfills, API runs and derived jobs
// (compliance) all go through an Executor, so each takes the leases,
// writes the ledger (package state) and counts in metrics the same way.
//
// One partition from fetch to commit, in reading order:
//
//   - executor.go: a run of a job (RunMonth for a live month under its run
//     lease, the inbox, Ingest, a derived job); retries; the ledger entry of
//     every (job, month), updated by compare-and-swap.
//   - runner.go: Recover (settle the views a crash left behind), then
//     RunOnce / RunMonth / Ingest, which turn inputs into releases and
//     ProcessRelease: archive, parse (sources.SafeParse: the one parse call
//     site), take the release's leases and begin its transaction
//     (release.go), stage each partition, withdraw months a corrected
//     delivery dropped, commit the transaction (or abort it when a
//     partition failed), remember the input.
//   - release.go: a release as one transaction of sinks/publish: leases of
//     all its partitions taken in sorted order and held until its views are
//     refreshed; a failed partition fails the whole release. A data
//     partition's quarantine is not among them when the release
//     quarantined nothing there and its committed state has nothing of the
//     job's to clear (needsQuarantine, read under the data partition's
//     lease; when there is, the leases are taken again with it): the
//     release does not write it.
//   - inputs.go: where releases come from (inbox objects, local files,
//     fetches), raw/ archive copies, failed/ (only the object the run
//     took moves there: one replaced since is left in place).
//   - collector.go: the parser's rows routed to one spool file per data
//     partition and one quarantine file per data partition (two partitions
//     of one release never share a writer).
//   - partition.go: one data partition under its lease: unchanged check,
//     vintage check (vintage.go), its quarantine, its history, its staged
//     record in the release's transaction (sinks/publish).
//   - identity.go: a delivery is its source location plus its content:
//     the content index makes the same bytes "unchanged" anywhere; the
//     location index lets a corrected file replace exactly its rows.
//   - derived.go: Deriver, the interface of derived jobs; the engine
//     commits what they compute.
//   - locks.go: Locker (partition and run leases), HoldProber.
//   - reconcile.go, fingerprint.go, vintage.go: checks a commit carries.
//   - scheduler.go, schedule.go, backfill.go: when runs happen; shard.go:
//     a backfill's months dealt to N processes (ShardMonths), each shard
//     an ordinary backfill under the same leases and ledger.
//   - lineage.go: the OpenLineage events of a release's transaction
//     (Options.Lineage), sent after it begins and after it ends.
//
// Contracts:
//   - Every write of a release (data, quarantine, history and withdrawn
//     partitions) becomes visible through one commit: the transaction
//     record of sinks/publish, written after every partition is staged
//     under its lease. Before it a reader that follows commits sees none of
//     the release, after it all of it; glob views are refreshed after it.
//     A derived run is one transaction too. See sinks/publish for what readers
//     see at each step and after a crash.
//   - A crash at any point is recovered by the next run without a human
//     (Recover first: it aborts a transaction its writer left without an
//     outcome, or finishes the views of a committed one; a re-run of the
//     same input converges).
//   - A month left "running" by a dead holder is resumed as soon as its run
//     lease is free (HoldProber), not after its heartbeat goes stale.
//   - The ledger scrubs every record it writes with Options.Redactor.
//
// The engine knows sources only through sources.Parser and
// sources.Fetcher, derived jobs through Deriver, and the lake through
// lake.Conditional.
package pipeline

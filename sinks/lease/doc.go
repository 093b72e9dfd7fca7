// Package lease is a pipeline.Locker across processes and machines: one
// lease object per partition in the lake, under _state/leases/, written with
// the lake's conditional puts (lake.Conditional: If-None-Match / If-Match on
// S3, O_EXCL link and a locked compare on a local directory).
//
// Contract:
//   - Lock takes the lease with PutIfAbsent. When another owner holds it,
//     Lock waits (polling, bounded by ctx) until it is released or expired,
//     then takes it over with PutIfMatch on the ETag it read, so of several
//     waiters exactly one wins.
//   - A lease carries its owner, a token unique to the acquisition, and an
//     expiry TTL after the last renewal. While held it is renewed every
//     RenewEvery (PutIfMatch on the last ETag). If a renewal is refused (the
//     lease was taken over) or renewals keep failing until less than one
//     RenewEvery is left before expiry, the held context is cancelled with
//     cause ErrLost, so the work stops before anyone else can take it over.
//   - The returned unlock stops renewing and marks the lease released (a
//     conditional put), so the next writer need not wait out the TTL. It is
//     safe to call more than once.
//   - On a lake that implements lake.Syncer (a directory) leases are
//     written without fsync: a crash of the machine that loses a lease
//     or leaves it empty kills its holder as well. An unreadable lease is
//     free (Lock takes it over, Held reports it free).
//   - Within one process a Locker also serialises callers of a partition
//     without touching the lake.
//   - A lease whose holder is known dead is free at once (no TTL wait).
//     Known dead means, and only means: the owner is of the default form
//     hostname:pid:token:bootid:pidns, and its hostname, kernel boot id
//     and PID namespace are all this process's, and no process has that
//     pid. Sharing a hostname is not enough: pods with hostNetwork and
//     containers with --uts=host share it across PID namespaces, where a
//     live holder's pid is invisible. Any other owner (other host, boot,
//     namespace, an identity the system cannot read such as outside
//     Linux, an older owner form) is alive until its lease expires.
//
// Limits: expiry compares clocks of different machines; they must agree to
// well within RenewEvery. A lease is not a fencing token: a write already in
// flight when the held context is cancelled can still land, so TTL must
// exceed the longest single lake call by a margin (the default is 2 minutes,
// renewed every 20 seconds).
package lease

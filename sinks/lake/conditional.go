package lake

import (
	"context"
	"errors"
	"io"
)

// ErrPrecondition is returned (wrapped) by conditional writes when the
// condition does not hold: PutIfAbsent found an object, PutIfMatch found a
// different version (or none).
var ErrPrecondition = errors.New("precondition failed")

// Conditional is implemented by lakes that can write conditionally: the
// compare-and-swap that cross-process leases are built on. ETags are opaque
// version tags; only compare them for equality, and only with ETags from
// the same lake's conditional methods.
type Conditional interface {
	Lake
	// GetVersion returns the whole object at key and its ETag, read as one
	// version. The error wraps ErrNotExist when there is none. ctx bounds
	// the read. Meant for small objects (leases, markers).
	GetVersion(ctx context.Context, key string) (body []byte, etag string, err error)
	// PutIfAbsent stores r under key only when no object is there, and
	// returns the new object's ETag. The error wraps ErrPrecondition when an
	// object exists. An outcome the transport leaves unknown (a reset
	// connection, a 5xx) is resolved by reading the key back, so the body
	// must be unique to this writer (carry an owner and a nonce). ctx bounds
	// the whole call.
	PutIfAbsent(ctx context.Context, key string, r io.Reader) (etag string, err error)
	// PutIfMatch replaces the object at key only when its ETag is etag, and
	// returns the new ETag. The error wraps ErrPrecondition when the object
	// changed or is gone. Unknown outcomes are resolved as for PutIfAbsent.
	PutIfMatch(ctx context.Context, key, etag string, r io.Reader) (newETag string, err error)
}

// Syncer is a Conditional lake whose writes can skip being made durable
// one by one (a directory: an fsync of each file and of its directory
// per write). The commit protocol uses it where a batch suffices (the
// view of a partition, made durable once before its pending marker is
// removed) and where no durability is needed (leases: a crash of the
// machine kills their holders too). Object stores are durable on every
// write and do not implement it.
type Syncer interface {
	Conditional
	// Unsynced returns the same lake with writes that are atomic and at
	// once visible to every reader, as before, but may be lost or read as
	// empty after a crash of the machine (not of the process) until Sync.
	// Its Copy leaves dst's bytes as durable as src's (a hard link shares
	// them; a copy it cannot link is synced): only dst's name waits, and
	// Sync of any key in dst's directory makes it durable.
	Unsynced() Conditional
	// Sync makes the objects at keys and their names durable. ctx bounds
	// it; an error means some may not be.
	Sync(ctx context.Context, keys ...string) error
}

package pipeline

import (
	"context"
	"sync"
)

type Locker interface {
	// Lock blocks until the caller holds partition (a lake path) or ctx is
	// done, and returns the function that releases it. While held, the
	// implementation keeps the hold alive (renewing a lease); if it loses
	// the hold, the returned context is cancelled so the work stops before
	// publishing. Errors: ctx's error, or the store's.
	Lock(ctx context.Context, partition string) (held context.Context, unlock func(), err error)
}

type processLocks struct {
	mu    sync.Mutex
	locks map[string]chan struct{}
}

func (l *processLocks) Lock(ctx context.Context, p string) (context.Context, func(), error) {
	l.mu.Lock()
	if l.locks == nil {
		l.locks = map[string]chan struct{}{}
	}
	ch, ok := l.locks[p]
	if !ok {
		ch = make(chan struct{}, 1)
		l.locks[p] = ch
	}
	l.mu.Unlock()
	select {
	case ch <- struct{}{}:
		return ctx, func() { <-ch }, nil
	case <-ctx.Done():
		return nil, nil, ctx.Err()
	}
}

// HoldProber is implemented by Lockers that can tell whether a name is
// held now by a live holder. The scheduler resumes a month left "running"
// as soon as its run lease is not held, instead of waiting for its
// heartbeat to go stale.
type HoldProber interface {
	// Held reports whether name is held now. ctx bounds the check; an
	// error means the store could not be read (the caller then waits).
	Held(ctx context.Context, name string) (bool, error)
}

// Held implements HoldProber for the holds of this process.
func (l *processLocks) Held(_ context.Context, p string) (bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	ch, ok := l.locks[p]
	return ok && len(ch) > 0, nil
}

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

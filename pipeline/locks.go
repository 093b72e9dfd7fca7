package pipeline

import (
	"context"
	"fmt"
	"slices"
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

// leaseSet holds the leases of every partition one release writes, from
// its first staged record until its views are refreshed. Leases are taken
// in sorted path order, so two releases that share partitions cannot
// deadlock.
type leaseSet struct {
	locker  Locker
	ctx     context.Context // cancelled when any hold is lost
	held    map[string]bool
	unlocks []func()
}

// lockAll takes the leases of paths, sorted, and returns the set; ctx of
// the set is cancelled as soon as any of them is lost.
func lockAll(ctx context.Context, locker Locker, paths []string) (*leaseSet, error) {
	s := &leaseSet{locker: locker, ctx: ctx, held: map[string]bool{}}
	sorted := slices.Clone(paths)
	slices.Sort(sorted)
	for _, p := range slices.Compact(sorted) {
		if err := s.lock(p); err != nil {
			s.release()
			return nil, err
		}
	}
	return s, nil
}

// lock takes p's lease unless the set holds it: a partition found only
// while publishing (out of order, which is rare and only risks waiting).
func (s *leaseSet) lock(p string) error {
	if s.held[p] {
		return nil
	}
	held, unlock, err := s.locker.Lock(s.ctx, p)
	if err != nil {
		return fmt.Errorf("lock %s: %w", p, err)
	}
	s.ctx, s.held[p] = held, true
	s.unlocks = append(s.unlocks, unlock)
	return nil
}

// release gives every lease back, the last taken first.
func (s *leaseSet) release() {
	for i := len(s.unlocks) - 1; i >= 0; i-- {
		s.unlocks[i]()
	}
	s.unlocks, s.held = nil, map[string]bool{}
}

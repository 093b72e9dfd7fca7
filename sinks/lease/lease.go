package lease

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/tradepipe/tradepipe/sinks/lake"
)

// ErrLost is the cause (context.Cause) of a held context cancelled because
// the lease was taken over or could not be renewed in time.
var ErrLost = errors.New("lease lost")

// Defaults of Options.
const (
	DefaultTTL            = 2 * time.Minute
	DefaultPoll           = 2 * time.Second
	DefaultReleaseTimeout = 10 * time.Second
	DefaultPrefix         = "_state/v1/leases/" // pipeline/state.LeasePrefix: the one _state layout
)

// Options configure a Locker.
type Options struct {
	Lake lake.Conditional
	// Owner names this process in lease objects; empty means
	// ProcessOwner(os.Getpid(), random).
	Owner string
	// TTL is how long a lease lives after its last renewal.
	TTL time.Duration
	// RenewEvery is the renewal period; zero means TTL/6. It must be under
	// TTL/2.
	RenewEvery time.Duration
	// Poll is the longest wait between tries while another owner holds a
	// lease.
	Poll time.Duration
	// ReleaseTimeout bounds the release write at unlock.
	ReleaseTimeout time.Duration
	// Prefix is where lease objects live in the lake.
	Prefix string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Alive reports whether the process named by a lease's owner may still
	// hold it. A lease whose holder is known dead is free at once, so a
	// process restarted after a crash (systemd's Restart=) does not wait out
	// the TTL. Nil means HolderAlive.
	Alive func(owner string) bool
}

// ProcessOwner is the default owner name of process pid on this machine:
// hostname:pid:token:bootid:pidns. The boot id and the PID namespace make
// "this host" mean "the same kernel, the same PID numbering": containers
// sharing a hostname (hostNetwork pods, --uts=host) differ in namespace,
// and a process in another namespace cannot see the holder's pid.
func ProcessOwner(pid int, token string) string {
	host, _ := os.Hostname()
	boot, ns := machineIdentity()
	return fmt.Sprintf("%s:%d:%s:%s:%s", host, pid, token, boot, ns)
}

// HolderAlive is the default Options.Alive: an owner of the default form
// (ProcessOwner) is dead when it names this host, this boot and this PID
// namespace, and no process has that pid. Anything else (another host,
// boot or namespace, an identity this system cannot read, another form, a
// pid in use, possibly reused) counts as alive, and the lease is waited
// out: a wrong "dead" would let two writers in, a wrong "alive" only
// waits.
func HolderAlive(owner string) bool {
	parts := strings.Split(owner, ":")
	if len(parts) != 5 {
		return true
	}
	host, _ := os.Hostname()
	boot, ns := machineIdentity()
	pid, err := strconv.Atoi(parts[1])
	if err != nil || parts[0] != host || boot == "" || ns == "" || parts[3] != boot || parts[4] != ns || pid <= 0 || pid == os.Getpid() {
		return true
	}
	return processExists(pid)
}

// Record is the content of a lease object.
type Record struct {
	Partition string    `json:"partition"`
	Owner     string    `json:"owner"`
	Token     string    `json:"token"` // unique per acquisition
	Acquired  time.Time `json:"acquired_at"`
	Renewed   time.Time `json:"renewed_at"`
	Expires   time.Time `json:"expires_at"`
	Renewals  int64     `json:"renewals"`
	Released  bool      `json:"released,omitempty"`
}

// Free reports whether a lease may be taken over at now: released, or
// expired (now at or after its expiry).
func Free(r Record, now time.Time) bool {
	return r.Released || !now.Before(r.Expires)
}

// WaitFor is how long a waiter sleeps before trying again: until the
// lease expires, but at most poll (a release can come any time), and at
// least a millisecond.
func WaitFor(r Record, now time.Time, poll time.Duration) time.Duration {
	if Free(r, now) {
		return 0
	}
	return max(time.Millisecond, min(poll, r.Expires.Sub(now)))
}

// GiveUp reports whether a holder whose renewal just failed must stop:
// the next renewal, every from now, would come too late (at or after
// expires).
func GiveUp(expires, now time.Time, every time.Duration) bool {
	return !now.Add(every).Before(expires)
}

// Locker implements pipeline.Locker with lease objects. It is safe for
// concurrent use.
type Locker struct {
	opts   Options
	logger *slog.Logger
	mu     sync.Mutex
	local  map[string]chan struct{}
}

// New returns a Locker; logger may be nil (discard).
func New(opts Options, logger *slog.Logger) (*Locker, error) {
	if opts.Lake == nil {
		return nil, errors.New("lease: no lake")
	}
	if s, ok := opts.Lake.(lake.Syncer); ok {
		// A lease needs no fsync: a crash of the machine that loses or
		// empties a lease object kills its holder too, and an empty or
		// unreadable lease is free (acquire, Held).
		opts.Lake = s.Unsynced()
	}
	if opts.TTL <= 0 {
		opts.TTL = DefaultTTL
	}
	if opts.RenewEvery <= 0 {
		opts.RenewEvery = opts.TTL / 6
	}
	if opts.RenewEvery*2 >= opts.TTL {
		return nil, fmt.Errorf("lease: renew period %s must be under half the TTL %s", opts.RenewEvery, opts.TTL)
	}
	if opts.Poll <= 0 {
		opts.Poll = DefaultPoll
	}
	if opts.ReleaseTimeout <= 0 {
		opts.ReleaseTimeout = DefaultReleaseTimeout
	}
	if opts.Prefix == "" {
		opts.Prefix = DefaultPrefix
	}
	if !strings.HasSuffix(opts.Prefix, "/") {
		opts.Prefix += "/"
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Alive == nil {
		opts.Alive = HolderAlive
	}
	if opts.Owner == "" {
		opts.Owner = ProcessOwner(os.Getpid(), token()[:8])
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Locker{opts: opts, logger: logger, local: map[string]chan struct{}{}}, nil
}

// Owner returns the owner name written into leases.
func (l *Locker) Owner() string { return l.opts.Owner }

// Key returns the lake key of partition's lease.
func (l *Locker) Key(partition string) string { return l.opts.Prefix + partition + ".json" }

// Held implements pipeline.HoldProber: whether a live holder has name's
// lease now (not released, not expired, holder not known dead). ctx
// bounds the read.
func (l *Locker) Held(ctx context.Context, name string) (bool, error) {
	b, _, err := l.opts.Lake.GetVersion(ctx, l.Key(name))
	if errors.Is(err, lake.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	var r Record
	if json.Unmarshal(b, &r) != nil {
		return false, nil // unreadable (cut short by a crash): free, as acquire takes it
	}
	return !Free(r, l.opts.Now()) && l.opts.Alive(r.Owner), nil
}

// Lock implements pipeline.Locker: it blocks until this Locker holds the
// lease of partition or ctx is done. The held context is cancelled with
// cause ErrLost when the lease is lost; unlock releases it. Errors: ctx's,
// or the lake's.
func (l *Locker) Lock(ctx context.Context, partition string) (context.Context, func(), error) {
	key := l.Key(partition)
	if err := lake.CheckKey(key); err != nil {
		return nil, nil, fmt.Errorf("lease %s: %w", partition, err)
	}
	unlockLocal, err := l.lockLocal(ctx, partition)
	if err != nil {
		return nil, nil, err
	}
	h, err := l.acquire(ctx, partition, key)
	if err != nil {
		unlockLocal()
		return nil, nil, err
	}
	held, cancel := context.WithCancelCause(ctx)
	h.cancel = cancel
	h.stop = make(chan struct{})
	h.done = make(chan struct{})
	go h.renew(held)
	var once sync.Once
	return held, func() {
		once.Do(func() {
			close(h.stop)
			<-h.done
			h.release()
			cancel(context.Canceled)
			unlockLocal()
		})
	}, nil
}

func (l *Locker) lockLocal(ctx context.Context, p string) (func(), error) {
	l.mu.Lock()
	ch, ok := l.local[p]
	if !ok {
		ch = make(chan struct{}, 1)
		l.local[p] = ch
	}
	l.mu.Unlock()
	select {
	case ch <- struct{}{}:
		return func() { <-ch }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// holding is one held lease.
type holding struct {
	l      *Locker
	key    string
	rec    Record
	etag   string
	lost   bool
	cancel context.CancelCauseFunc
	stop   chan struct{}
	done   chan struct{}
}

func (l *Locker) acquire(ctx context.Context, partition, key string) (*holding, error) {
	log := l.logger.With("partition", partition, "owner", l.opts.Owner)
	waited := false
	for {
		now := l.opts.Now().UTC()
		rec := Record{Partition: partition, Owner: l.opts.Owner, Token: token(), Acquired: now, Renewed: now, Expires: now.Add(l.opts.TTL)}
		etag, err := l.opts.Lake.PutIfAbsent(ctx, key, encode(rec))
		if err == nil {
			log.Debug("lease taken", "expires", rec.Expires)
			return &holding{l: l, key: key, rec: rec, etag: etag}, nil
		}
		if !errors.Is(err, lake.ErrPrecondition) {
			return nil, fmt.Errorf("lease %s: %w", partition, err)
		}
		body, cur, err := l.opts.Lake.GetVersion(ctx, key)
		if errors.Is(err, lake.ErrNotExist) {
			continue // removed meanwhile
		}
		if err != nil {
			return nil, fmt.Errorf("lease %s: %w", partition, err)
		}
		var old Record
		bad := json.Unmarshal(body, &old) != nil
		now = l.opts.Now().UTC()
		orphaned := !bad && !Free(old, now) && !l.opts.Alive(old.Owner)
		if bad || Free(old, now) || orphaned {
			rec.Acquired, rec.Renewed, rec.Expires = now, now, now.Add(l.opts.TTL)
			etag, err := l.opts.Lake.PutIfMatch(ctx, key, cur, encode(rec))
			if err == nil {
				switch {
				case orphaned:
					log.Warn("took over the lease of a dead process", "previous_owner", old.Owner, "expires_at", old.Expires)
				case !old.Released:
					log.Warn("took over an expired lease", "previous_owner", old.Owner, "expired_at", old.Expires)
				}
				return &holding{l: l, key: key, rec: rec, etag: etag}, nil
			}
			if !errors.Is(err, lake.ErrPrecondition) {
				return nil, fmt.Errorf("lease %s: %w", partition, err)
			}
			continue // another waiter won; look again
		}
		if !waited {
			log.Info("waiting for lease", "holder", old.Owner, "expires", old.Expires)
			waited = true
		}
		t := time.NewTimer(WaitFor(old, now, l.opts.Poll))
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-t.C:
		}
	}
}

// renew keeps the lease alive until stop, or cancels held when it is lost.
func (h *holding) renew(held context.Context) {
	defer close(h.done)
	every := h.l.opts.RenewEvery
	t := time.NewTimer(every)
	defer t.Stop()
	for {
		select {
		case <-h.stop:
			return
		case <-held.Done():
			return
		case <-t.C:
		}
		now := h.l.opts.Now().UTC()
		next := h.rec
		next.Renewed, next.Expires, next.Renewals = now, now.Add(h.l.opts.TTL), h.rec.Renewals+1
		ctx, cancel := context.WithTimeout(held, every)
		etag, err := h.l.opts.Lake.PutIfMatch(ctx, h.key, h.etag, encode(next))
		cancel()
		switch {
		case err == nil:
			h.rec, h.etag = next, etag
			t.Reset(every)
		case errors.Is(err, lake.ErrPrecondition):
			h.lose(fmt.Errorf("%w: %s was taken over", ErrLost, h.rec.Partition))
			return
		case GiveUp(h.rec.Expires, h.l.opts.Now(), every):
			h.lose(fmt.Errorf("%w: %s not renewed before expiry: %v", ErrLost, h.rec.Partition, err))
			return
		default:
			h.l.logger.Warn("lease renewal failed; retrying", "partition", h.rec.Partition, "err", err)
			t.Reset(every / 3)
		}
	}
}

func (h *holding) lose(cause error) {
	h.lost = true
	h.l.logger.Error("lease lost; stopping the partition's work", "partition", h.rec.Partition, "err", cause)
	h.cancel(cause)
}

// release marks the lease released, unless it was lost.
func (h *holding) release() {
	if h.lost {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), h.l.opts.ReleaseTimeout)
	defer cancel()
	rec := h.rec
	rec.Released, rec.Expires = true, h.l.opts.Now().UTC()
	if _, err := h.l.opts.Lake.PutIfMatch(ctx, h.key, h.etag, encode(rec)); err != nil {
		h.l.logger.Warn("lease not released; it will expire", "partition", h.rec.Partition, "expires", h.rec.Expires, "err", err)
	}
}

func encode(r Record) *bytes.Reader {
	b, _ := json.MarshalIndent(r, "", "  ") // a Record always marshals
	return bytes.NewReader(append(b, '\n'))
}

func token() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

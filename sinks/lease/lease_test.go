package lease_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/tradepipe/tradepipe/pipeline"
	"github.com/tradepipe/tradepipe/sinks/lake"
	"github.com/tradepipe/tradepipe/sinks/lease"
	"github.com/tradepipe/tradepipe/sinks/s3lake/s3test"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		goleak.IgnoreTopFunction("net/http.(*persistConn).readLoop"),
		goleak.IgnoreTopFunction("net/http.(*persistConn).writeLoop"),
		goleak.IgnoreTopFunction("internal/poll.runtime_pollWait"),
	)
}

var _ pipeline.Locker = (*lease.Locker)(nil)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func TestFree(t *testing.T) {
	for _, tc := range []struct {
		name string
		rec  lease.Record
		now  time.Time
		want bool
	}{
		{"live", lease.Record{Expires: t0.Add(time.Minute)}, t0, false},
		{"one ns before expiry", lease.Record{Expires: t0}, t0.Add(-1), false},
		{"at expiry", lease.Record{Expires: t0}, t0, true},
		{"after expiry", lease.Record{Expires: t0}, t0.Add(time.Hour), true},
		{"released before expiry", lease.Record{Expires: t0.Add(time.Hour), Released: true}, t0, true},
		{"zero record", lease.Record{}, t0, true},
	} {
		if got := lease.Free(tc.rec, tc.now); got != tc.want {
			t.Errorf("%s: Free = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestWaitFor(t *testing.T) {
	for _, tc := range []struct {
		name string
		exp  time.Time
		now  time.Time
		poll time.Duration
		want time.Duration
	}{
		{"poll shorter than expiry", t0.Add(time.Minute), t0, 2 * time.Second, 2 * time.Second},
		{"expiry sooner than poll", t0.Add(500 * time.Millisecond), t0, 2 * time.Second, 500 * time.Millisecond},
		{"expired", t0, t0, time.Second, 0},
		{"floor", t0.Add(10), t0, time.Second, time.Millisecond},
	} {
		if got := lease.WaitFor(lease.Record{Expires: tc.exp}, tc.now, tc.poll); got != tc.want {
			t.Errorf("%s: WaitFor = %s, want %s", tc.name, got, tc.want)
		}
	}
}

func TestGiveUp(t *testing.T) {
	every := 20 * time.Second
	for _, tc := range []struct {
		name string
		now  time.Time
		want bool
	}{
		{"first failed renewal, two periods left", t0.Add(-40 * time.Second), false},
		{"just over one period left", t0.Add(-every - 1), false},
		{"exactly one period left", t0.Add(-every), true},
		{"expired", t0.Add(time.Second), true},
	} {
		if got := lease.GiveUp(t0, tc.now, every); got != tc.want {
			t.Errorf("%s: GiveUp = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestNewRejectsSlowRenewal(t *testing.T) {
	if _, err := lease.New(lease.Options{Lake: dirLake(t), TTL: time.Minute, RenewEvery: 30 * time.Second}, nil); err == nil {
		t.Fatal("renewing every TTL/2 accepted")
	}
}

func dirLake(t *testing.T) lake.Conditional {
	d, err := lake.NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// clock is a settable clock.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.now = c.now.Add(d); c.mu.Unlock() }

func TestDir(t *testing.T) { run(t, dirLake) }

func TestS3(t *testing.T) {
	run(t, func(t *testing.T) lake.Conditional { return s3test.New(t, nil) })
}

func run(t *testing.T, newLake func(t *testing.T) lake.Conditional) {
	ctx := context.Background()
	const part = "trade_flows/source=census/flow=export/year=2020/month=04"

	t.Run("ExclusiveUntilUnlock", func(t *testing.T) {
		l := newLake(t)
		// The clock stands still: the lease never expires, so b can only
		// get it from a's release, not by waiting out the TTL.
		c := &clock{now: t0}
		a := mustLocker(t, lease.Options{Lake: l, Owner: "a", Poll: 10 * time.Millisecond, Now: c.Now})
		b := mustLocker(t, lease.Options{Lake: l, Owner: "b", Poll: 10 * time.Millisecond, Now: c.Now})
		_, unlockA, err := a.Lock(ctx, part)
		if err != nil {
			t.Fatal(err)
		}
		short, cancel := context.WithTimeout(ctx, 150*time.Millisecond)
		defer cancel()
		if _, _, err := b.Lock(short, part); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("second owner while held: err = %v, want deadline exceeded", err)
		}
		unlockA()
		unlockA() // idempotent
		rec := read(t, l, a.Key(part))
		if !rec.Released || rec.Owner != "a" {
			t.Fatalf("after unlock: %+v", rec)
		}
		// The deadline only ends a hung test; b cannot get the lease by
		// expiry, so a pass proves the release freed it.
		patient, cancel2 := context.WithTimeout(ctx, time.Minute)
		defer cancel2()
		_, unlockB, err := b.Lock(patient, part)
		if err != nil {
			t.Fatalf("taking a released lease: %v", err)
		}
		defer unlockB()
		if rec := read(t, l, a.Key(part)); rec.Owner != "b" || rec.Released {
			t.Fatalf("after b locks: %+v", rec)
		}
	})

	t.Run("ExpiredLeaseIsTakenOver", func(t *testing.T) {
		l := newLake(t)
		c := &clock{now: t0}
		dead := mustLocker(t, lease.Options{Lake: l, Owner: "dead", TTL: time.Minute, Now: c.Now})
		// A holder that crashed: its lease stays, unreleased, never renewed.
		key := dead.Key(part)
		body, _ := json.Marshal(lease.Record{Partition: part, Owner: "dead", Token: "x", Expires: t0.Add(time.Minute)})
		if _, err := l.PutIfAbsent(ctx, key, strings.NewReader(string(body))); err != nil {
			t.Fatal(err)
		}
		b := mustLocker(t, lease.Options{Lake: l, Owner: "b", TTL: time.Minute, Poll: 5 * time.Millisecond, Now: c.Now})
		short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
		defer cancel()
		if _, _, err := b.Lock(short, part); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("live lease taken: err = %v", err)
		}
		c.Add(time.Minute) // now at its expiry
		_, unlock, err := b.Lock(ctx, part)
		if err != nil {
			t.Fatal(err)
		}
		defer unlock()
		rec := read(t, l, key)
		if rec.Owner != "b" || !rec.Expires.Equal(t0.Add(2*time.Minute)) {
			t.Fatalf("after takeover: %+v", rec)
		}
	})

	// Leases are written without fsync on a directory lake: a crash of the
	// machine may leave one empty. It is free, to Held and to Lock, with
	// no TTL wait.
	t.Run("EmptyLeaseIsFree", func(t *testing.T) {
		l := newLake(t)
		c := &clock{now: t0}
		b := mustLocker(t, lease.Options{Lake: l, Owner: "b", Poll: time.Hour, Now: c.Now})
		if _, err := l.PutIfAbsent(ctx, b.Key(part), strings.NewReader("")); err != nil {
			t.Fatal(err)
		}
		if held, err := b.Held(ctx, part); err != nil || held {
			t.Fatalf("empty lease: held = %v, err = %v; want free", held, err)
		}
		_, unlock, err := b.Lock(ctx, part)
		if err != nil {
			t.Fatal(err)
		}
		defer unlock()
		if rec := read(t, l, b.Key(part)); rec.Owner != "b" {
			t.Fatalf("after Lock: %+v", rec)
		}
	})

	// A process killed while holding a lease, restarted on the same host,
	// takes its partitions back at once instead of waiting out the TTL.
	t.Run("LeaseOfADeadProcessIsTakenOver", func(t *testing.T) {
		l := newLake(t)
		host, _ := os.Hostname()
		gone := exec.Command("true")
		if err := gone.Run(); err != nil {
			t.Fatal(err)
		}
		owner := lease.ProcessOwner(gone.Process.Pid, "deadbeef")
		if lease.HolderAlive(owner) {
			t.Skipf("pid %d was reused already", gone.Process.Pid)
		}
		body, _ := json.Marshal(lease.Record{Partition: part, Owner: owner, Token: "x", Expires: time.Now().Add(time.Hour)})
		b := mustLocker(t, lease.Options{Lake: l, Owner: "b", Poll: 5 * time.Millisecond})
		if _, err := l.PutIfAbsent(ctx, b.Key(part), strings.NewReader(string(body))); err != nil {
			t.Fatal(err)
		}
		// The lease expires in an hour: taking it within the (generous,
		// hang-only) deadline proves the dead holder was detected.
		patient, cancel := context.WithTimeout(ctx, time.Minute)
		defer cancel()
		_, unlock, err := b.Lock(patient, part)
		if err != nil {
			t.Fatalf("lease of a dead process not taken over: %v", err)
		}
		unlock()
		// A live holder on this host, or one on another host, is waited for.
		for _, alive := range []string{lease.ProcessOwner(os.Getpid(), "x"), "otherhost:1:x", "a", fmt.Sprintf("%s:%d:x", host, gone.Process.Pid)} {
			if !lease.HolderAlive(alive) {
				t.Errorf("HolderAlive(%q) = false", alive)
			}
		}
	})

	// The clock stands still, so neither expiry nor a slow renewal can end
	// the lease: only the takeover can. The intruder writes between two
	// renewals (gate), not while one is in flight: an unconditional Put
	// racing a conditional swap may be overwritten by it, which is no
	// takeover the holder could see (it failed 2 runs in 9 under load).
	t.Run("RenewalKeepsItAndTakeoverLosesIt", func(t *testing.T) {
		l := &gated{Conditional: newLake(t)}
		c := &clock{now: t0}
		a := mustLocker(t, lease.Options{Lake: l, Owner: "a", TTL: time.Minute, RenewEvery: 250 * time.Millisecond, Now: c.Now})
		held, unlock, err := a.Lock(ctx, part)
		if err != nil {
			t.Fatal(err)
		}
		defer unlock()
		waitFor(t, "two renewals", func() bool { return read(t, l, a.Key(part)).Renewals >= 2 })
		if held.Err() != nil {
			t.Fatalf("held context done while renewed: %v", context.Cause(held))
		}
		// Someone overwrites the lease (an operator, a buggy writer).
		l.mu.Lock()
		err = l.Put(ctx, a.Key(part), strings.NewReader(`{"owner":"intruder"}`))
		l.mu.Unlock()
		if err != nil {
			t.Fatal(err)
		}
		select {
		case <-held.Done():
		case <-time.After(time.Minute): // hang guard only
			t.Fatal("held context not cancelled after the lease was taken")
		}
		if !errors.Is(context.Cause(held), lease.ErrLost) {
			t.Fatalf("cause = %v, want ErrLost", context.Cause(held))
		}
		unlock()
		if rec := read(t, l, a.Key(part)); rec.Owner != "intruder" {
			t.Fatalf("unlock after loss overwrote the new holder: %+v", rec)
		}
	})

	t.Run("FailingRenewalsCancelBeforeExpiry", func(t *testing.T) {
		l := &flaky{Conditional: newLake(t)}
		c := &clock{now: t0}
		a := mustLocker(t, lease.Options{Lake: l, Owner: "a", TTL: 3 * time.Second, RenewEvery: 30 * time.Millisecond, Now: c.Now})
		held, unlock, err := a.Lock(ctx, part)
		if err != nil {
			t.Fatal(err)
		}
		defer unlock()
		l.fail.Store(true)
		// The clock stands still, so failed renewals with time left must
		// not cancel, however many come and whenever.
		waitFor(t, "three failed renewals", func() bool { return l.failed.Load() >= 3 })
		if held.Err() != nil {
			t.Fatalf("cancelled with time left: %v", context.Cause(held))
		}
		c.Add(3*time.Second - 30*time.Millisecond) // one period before expiry
		select {
		case <-held.Done():
		case <-time.After(time.Minute): // hang guard only
			t.Fatal("held context not cancelled")
		}
		if !errors.Is(context.Cause(held), lease.ErrLost) {
			t.Fatalf("cause = %v", context.Cause(held))
		}
	})

	t.Run("ManyOwnersOneHolder", func(t *testing.T) {
		l := newLake(t)
		var holders, maxHolders, entries atomic.Int32
		var wg sync.WaitGroup
		for i := range 4 {
			lk := mustLocker(t, lease.Options{Lake: l, Owner: fmt.Sprintf("w%d", i), Poll: 5 * time.Millisecond})
			wg.Go(func() {
				for range 3 {
					_, unlock, err := lk.Lock(ctx, part)
					if err != nil {
						t.Error(err)
						return
					}
					n := holders.Add(1)
					for {
						m := maxHolders.Load()
						if n <= m || maxHolders.CompareAndSwap(m, n) {
							break
						}
					}
					entries.Add(1)
					time.Sleep(5 * time.Millisecond)
					holders.Add(-1)
					unlock()
				}
			})
		}
		wg.Wait()
		if maxHolders.Load() != 1 || entries.Load() != 12 {
			t.Fatalf("max concurrent holders = %d, entries = %d; want 1 and 12", maxHolders.Load(), entries.Load())
		}
	})
}

func mustLocker(t *testing.T, o lease.Options) *lease.Locker {
	t.Helper()
	l, err := lease.New(o, nil)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func read(t *testing.T, l lake.Conditional, key string) lease.Record {
	t.Helper()
	b, _, err := l.GetVersion(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	var r lease.Record
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatalf("lease %s: %v: %s", key, err, b)
	}
	return r
}

// flaky fails conditional replaces with a transient error while fail is
// set, counting the failures.
type flaky struct {
	lake.Conditional
	fail   atomic.Bool
	failed atomic.Int32
}

func (f *flaky) PutIfMatch(ctx context.Context, key, etag string, r io.Reader) (string, error) {
	if f.fail.Load() {
		f.failed.Add(1)
		return "", errors.New("injected: 503 slow down")
	}
	return f.Conditional.PutIfMatch(ctx, key, etag, r)
}

// gated holds mu across every conditional replace, so a test holding mu
// writes between two of them, never during one.
type gated struct {
	lake.Conditional
	mu sync.Mutex
}

func (g *gated) PutIfMatch(ctx context.Context, key, etag string, r io.Reader) (string, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.Conditional.PutIfMatch(ctx, key, etag, r)
}

// waitFor polls cond until it holds; the minute is a hang guard, not a
// timing assumption.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("no %s within a minute", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Issue 12: with the same hostname (hostNetwork pods, --uts=host), a live
// holder in another PID namespace, whose pid the taker cannot see, counted
// as dead, and two writers held one partition for about 20 s.
func TestHolderInAnotherPIDNamespaceIsAlive(t *testing.T) {
	gone := exec.Command("true")
	if err := gone.Run(); err != nil {
		t.Fatal(err)
	}
	pid := gone.Process.Pid
	here := lease.ProcessOwner(pid, "tok")
	parts := strings.Split(here, ":")
	if len(parts) != 5 || parts[3] == "" || parts[4] == "" {
		t.Skipf("no boot id or PID namespace on this system: %q", here)
	}
	if lease.HolderAlive(here) {
		t.Skipf("pid %d was reused already", pid)
	}
	host, _ := os.Hostname()
	for name, owner := range map[string]string{
		"other PID namespace": strings.Join([]string{host, parts[1], "tok", parts[3], "4026599999"}, ":"),
		"other boot":          strings.Join([]string{host, parts[1], "tok", "00000000-0000-0000-0000-000000000000", parts[4]}, ":"),
		"old owner form":      fmt.Sprintf("%s:%d:tok", host, pid),
	} {
		if !lease.HolderAlive(owner) {
			t.Errorf("%s: HolderAlive(%q) = false: its lease would be taken from a live holder", name, owner)
		}
	}
}

package gctune

import (
	"runtime"
	"sync"
	"testing"
)

func TestPercent(t *testing.T) {
	const mib = 1 << 20
	for _, tc := range []struct {
		live, headroom uint64
		want           int
	}{
		{0, 64 * mib, MaxPercent},
		{50, 64 * mib, MaxPercent},
		{1 * mib, 64 * mib, MaxPercent}, // 6400% capped
		{16 * mib, 64 * mib, 400},
		{32 * mib, 64 * mib, 200},
		{64 * mib, 64 * mib, 100},
		{80 * mib, 64 * mib, 80},
		{120 * mib, 64 * mib, MinPercent}, // 53% raised
		{16 * mib, 0, MinPercent},
	} {
		if got := Percent(tc.live, tc.headroom); got != tc.want {
			t.Errorf("Percent(%d, %d) = %d, want %d", tc.live, tc.headroom, got, tc.want)
		}
	}
}

// recorder is a SetGCPercent that keeps what it was given.
type recorder struct {
	mu   sync.Mutex
	cur  int
	got  []int
	seen chan struct{}
}

func (r *recorder) set(p int) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	old := r.cur
	r.cur = p
	r.got = append(r.got, p)
	select {
	case r.seen <- struct{}{}:
	default:
	}
	return old
}

// A cycle sets the percentage from the live heap; Stop gives back the one
// found at Start, and a cycle after Stop changes nothing.
func TestCycleAndStop(t *testing.T) {
	r := &recorder{cur: 250, seen: make(chan struct{}, 1)}
	tu := start(1<<40, r.set) // a headroom no live heap reaches: MaxPercent
	tu.cycle()
	tu.Stop()
	tu.cycle()
	tu.Stop()
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.got) != 3 || r.got[0] != 100 || r.got[1] != MaxPercent || r.got[2] != 250 {
		t.Fatalf("percentages set %v, want [100 %d 250]", r.got, MaxPercent)
	}
}

// The runtime calls the Tuner after a collection: no timer, only
// collections until the cleanup has run.
func TestTunesAfterACollection(t *testing.T) {
	r := &recorder{cur: 100, seen: make(chan struct{}, 1)}
	tu := start(1<<40, r.set)
	defer tu.Stop()
	<-r.seen // Start's own
	for {
		runtime.GC()
		select {
		case <-r.seen:
			r.mu.Lock()
			last := r.got[len(r.got)-1]
			r.mu.Unlock()
			if last != MaxPercent {
				t.Fatalf("set %d after a collection, want %d", last, MaxPercent)
			}
			return
		default:
			runtime.Gosched()
		}
	}
}

func TestNilAndGOGC(t *testing.T) {
	var tu *Tuner
	tu.Stop() // safe
	if Start(0) != nil {
		t.Error("Start(0) tunes")
	}
	t.Setenv("GOGC", "200")
	if Start(64<<20) != nil {
		t.Error("Start tunes with GOGC set")
	}
}

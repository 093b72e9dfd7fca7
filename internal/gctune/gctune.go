package gctune

import (
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
)

// MaxPercent bounds the percentage: past it a nearly empty heap would
// grow by the whole headroom between cycles of a few kilobytes live,
// which buys nothing more.
const MaxPercent = 1000

// MinPercent is the percentage of a live heap larger than the headroom:
// below Go's 100, so a large heap's peak is 1.6 times what is live, not
// twice. It took the 2M-row workbook from 254 to 235–238 MB with no CPU
// cost that the 12-month Census run or the 1M workbook showed (the
// shared strings table, most of that heap, is one pointer-free block,
// cheap to mark); 40 saved no more (docs/BENCHMARKS.md, "GC headroom").
const MinPercent = 60

// Percent is the GOGC percentage for live bytes live and headroom bytes
// of headroom.
func Percent(live, headroom uint64) int {
	if live < 100 {
		return MaxPercent
	}
	return int(min(max(headroom/(live/100), MinPercent), MaxPercent))
}

// Tuner resets the GC percentage after every cycle (see the package
// doc). Start it with Start; Stop gives back the percentage it found.
type Tuner struct {
	headroom uint64
	prev     int
	mu       sync.Mutex // orders a cycle's set against Stop's
	stopped  bool
	sample   []metrics.Sample
	// set is debug.SetGCPercent; tests pass their own.
	set func(int) int
}

// sentinel is what the collector frees to tell a Tuner that a cycle
// ended. It holds a pointer so that it is not batched with other small
// objects by the tiny allocator, which could keep it alive.
type sentinel struct{ _ *byte }

// Start begins tuning for headroom bytes and returns the Tuner, or nil
// when headroom is 0 or GOGC is set in the environment (the operator's
// choice stands).
func Start(headroom uint64) *Tuner {
	if headroom == 0 || os.Getenv("GOGC") != "" {
		return nil
	}
	return start(headroom, debug.SetGCPercent)
}

func start(headroom uint64, set func(int) int) *Tuner {
	t := &Tuner{headroom: headroom, set: set,
		sample: []metrics.Sample{{Name: "/gc/heap/live:bytes"}}}
	t.prev = t.set(100)
	t.arm()
	return t
}

// Stop ends tuning and restores the percentage in force at Start. Safe
// on a nil Tuner and more than once.
func (t *Tuner) Stop() {
	if t == nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.stopped {
		t.stopped = true
		t.set(t.prev)
	}
}

func (t *Tuner) arm() {
	runtime.AddCleanup(new(sentinel), func(t *Tuner) { t.cycle() }, t)
}

// cycle runs on the runtime's cleanup goroutine after a cycle freed the
// sentinel: it sets the percentage for the live heap the cycle found and
// arms the next sentinel.
func (t *Tuner) cycle() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.stopped {
		return
	}
	metrics.Read(t.sample)
	if t.sample[0].Value.Kind() == metrics.KindUint64 {
		t.set(Percent(t.sample[0].Value.Uint64(), t.headroom))
	}
	t.arm()
}

// Package gctune sizes the garbage collector's headroom by what is live.
//
// Go's collector lets the heap grow by GOGC percent of the live heap
// before the next cycle: at the default 100, a run whose live heap is
// 20 MB collects every 20 MB allocated. A Census run over the 40 real
// monthly files makes 51 cycles in 2–3 s of CPU that way; with a 64 MiB
// headroom it makes 14 and takes about 13% less CPU (docs/BENCHMARKS.md,
// "GC headroom"), while a 2M-row workbook, whose live heap is over 100 MB,
// needs a bound tighter than the default's to stay under its memory
// target. A Tuner gives both: after each cycle it sets the percentage so
// the heap may grow by a fixed headroom over the live heap, or by
// MinPercent of it when that is more:
//
//	percent = clamp(headroom * 100 / live, MinPercent, MaxPercent)
//
// So a small heap grows by up to the headroom (peak about live +
// headroom), and a heap whose live part is larger than the headroom
// peaks at 1.6 times it instead of twice. A soft memory limit
// (runtime/debug.SetMemoryLimit, config memory_limit) still caps it.
//
// Limits: the percentage is the process's, so one Tuner a process, started
// where a command starts (cmd/tradepipe), not in libraries; the CLI's
// tests, which run many commands in one process, may have two at once,
// which muddles only the collector's pacing. It acts after a cycle, so the first
// cycle runs at the percentage in force at start. It does nothing when
// the operator set GOGC in the environment.
package gctune

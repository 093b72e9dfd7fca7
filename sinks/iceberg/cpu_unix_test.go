//go:build unix

package iceberg

import (
	"syscall"
	"time"
)

// cpuTime is the process's CPU time so far (user and system, every
// thread): the benchmark reports it beside the wall time, which a
// loaded machine inflates.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

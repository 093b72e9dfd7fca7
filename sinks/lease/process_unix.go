//go:build unix

package lease

import (
	"errors"
	"syscall"
)

// processExists reports whether a process with pid exists on this host.
// EPERM means it exists but belongs to another user.
func processExists(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

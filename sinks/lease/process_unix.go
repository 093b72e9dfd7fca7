//go:build unix

package lease

import (
	"errors"
	"os"
	"strings"
	"syscall"
)

// processExists reports whether a process with pid exists on this host.
// EPERM means it exists but belongs to another user.
func processExists(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// machineIdentity returns the kernel's boot id and this process's PID
// namespace (Linux /proc); empty where they cannot be read, and then no
// holder is ever found dead.
func machineIdentity() (boot, pidns string) {
	if b, err := os.ReadFile("/proc/sys/kernel/random/boot_id"); err == nil {
		boot = strings.TrimSpace(string(b))
	}
	if l, err := os.Readlink("/proc/self/ns/pid"); err == nil {
		// "pid:[4026531836]": keep the number, since ':' separates fields.
		pidns = strings.Trim(strings.TrimPrefix(l, "pid:"), "[]")
	}
	return boot, pidns
}

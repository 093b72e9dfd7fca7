package lake

import (
	"errors"

	"golang.org/x/sys/unix"
)

// noLinkOnTheWay says, in one system call, that confined's lstat walk of
// p would find no link: openat2 with RESOLVE_NO_SYMLINKS walks p's
// components in order and succeeds, or fails with ENOENT at the first
// missing component, only when none before it is a link. The path is
// absolute, so the root's own components are walked too; that is done
// only when the root had no link in NewDir (root == real). Any other
// outcome (ELOOP for a link on the way, in the root or below it; ENOTDIR,
// EACCES, an old kernel's ENOSYS, a seccomp EPERM) is false, and confined
// takes the walk, whose answers and errors are then exactly as before.
func (d *Dir) noLinkOnTheWay(p string) bool {
	if d.root != d.real {
		return false
	}
	fd, err := unix.Openat2(unix.AT_FDCWD, p, &unix.OpenHow{
		Flags:   unix.O_PATH | unix.O_CLOEXEC,
		Resolve: unix.RESOLVE_NO_SYMLINKS,
	})
	if err == nil {
		unix.Close(fd)
		return true
	}
	return errors.Is(err, unix.ENOENT)
}

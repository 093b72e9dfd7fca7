package lake

import (
	"errors"

	"golang.org/x/sys/unix"
)

// walkResult is what noLinkOnTheWay found out about a path.
type walkResult int

const (
	walkUnknown walkResult = iota // take confined's lstat walk
	walkNoLink                    // no link on the way, up to the first missing component
	walkLink                      // a link on the way (or p itself is one)
)

// noLinkOnTheWay answers for confined's lstat walk in one system call:
// openat2 with RESOLVE_NO_SYMLINKS walks p's components in order and
// fails with ELOOP at the first link, ENOENT at the first missing
// component, which are the two answers of the walk (a link before the
// missing component, or none). The path is absolute, so the root's own
// components are walked too: it is done only when the root had no link
// in NewDir (root == real); a link put there since gives walkLink, and
// resolved then judges the path against real, as the walk would not.
// Any other outcome (ENOTDIR, EACCES, an old kernel's ENOSYS, a seccomp
// EPERM) takes the walk, so its errors stay the walk's.
func (d *Dir) noLinkOnTheWay(p string) walkResult {
	if d.root != d.real {
		return walkUnknown
	}
	fd, err := unix.Openat2(unix.AT_FDCWD, p, &unix.OpenHow{
		Flags:   unix.O_PATH | unix.O_CLOEXEC,
		Resolve: unix.RESOLVE_NO_SYMLINKS,
	})
	switch {
	case err == nil:
		unix.Close(fd)
		return walkNoLink
	case errors.Is(err, unix.ENOENT):
		return walkNoLink
	case errors.Is(err, unix.ELOOP):
		return walkLink
	}
	return walkUnknown
}

//go:build unix

package parquetfile

import (
	"os"
	"syscall"
)

// mapFile maps f's first n bytes read-only: the row spool is read back in
// sort order, so it is mapped rather than read onto the heap, and the
// kernel may drop its pages under memory pressure. release unmaps; no
// string read from the mapping may be used after it.
func mapFile(f *os.File, n int64) (data []byte, release func(), err error) {
	if n == 0 {
		return nil, func() {}, nil
	}
	data, err = syscall.Mmap(int(f.Fd()), 0, int(n), syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		return nil, nil, err
	}
	return data, func() { _ = syscall.Munmap(data) }, nil
}

// mapAnon maps n bytes of zeroed private memory outside the Go heap
// (offheap).
func mapAnon(n int) ([]byte, error) {
	return syscall.Mmap(-1, 0, n, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
}

func unmapAnon(b []byte) { _ = syscall.Munmap(b) }

//go:build !unix

package parquetfile

import (
	"errors"
	"io"
	"os"
)

// mapFile reads f's first n bytes where mmap is not available.
func mapFile(f *os.File, n int64) (data []byte, release func(), err error) {
	data = make([]byte, n)
	if _, err := f.ReadAt(data, 0); err != nil && err != io.EOF {
		return nil, nil, err
	}
	return data, func() {}, nil
}

// mapAnon fails where mmap is not available: offheap stays on the heap.
func mapAnon(int) ([]byte, error) { return nil, errors.ErrUnsupported }

func unmapAnon([]byte) {}

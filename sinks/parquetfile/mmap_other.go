//go:build !unix

package parquetfile

import (
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

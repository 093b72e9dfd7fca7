package lake

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
)

// ObjectReader reads one version of an object at any offset.
type ObjectReader interface {
	// ReadAt reads len(p) bytes at off, as io.ReaderAt; it is safe for
	// concurrent use. The bytes are those of the version opened: when the
	// object has been replaced since, ReadAt returns them or an error,
	// never bytes of the newer version (on a store that gives objects no
	// ETag, S3-compatible ones without one, that cannot be checked).
	io.ReaderAt
	// Size is the size of the version opened.
	Size() int64
	io.Closer
}

// RangeReader is implemented by lakes that read part of an object without
// fetching the rest (S3: ranged GETs). Readers of large columnar files
// (a Parquet footer, then the column chunks a query needs) use it through
// OpenReaderAt.
type RangeReader interface {
	// OpenReaderAt opens the object at key for reads at any offset. ctx
	// bounds the open and every later read. The error wraps ErrNotExist
	// when there is no object at key.
	OpenReaderAt(ctx context.Context, key string) (ObjectReader, error)
}

// OpenReaderAt opens the object at key for reads at any offset: through
// l's RangeReader when it has one, a local file in place, and otherwise
// the object read whole into memory.
func OpenReaderAt(ctx context.Context, l Lake, key string) (ObjectReader, error) {
	if rr, ok := l.(RangeReader); ok {
		return rr.OpenReaderAt(ctx, key)
	}
	rc, err := l.Get(ctx, key)
	if err != nil {
		return nil, err
	}
	if f, ok := rc.(interface {
		io.ReaderAt
		Stat() (fs.FileInfo, error)
	}); ok {
		fi, err := f.Stat()
		if err != nil {
			_ = rc.Close()
			return nil, fmt.Errorf("read %s: %w", key, err)
		}
		return fileReader{ReaderAt: f, Closer: rc, size: fi.Size()}, nil
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", key, err)
	}
	return bytesReader{bytes.NewReader(b)}, nil
}

// fileReader is a local file read in place (a directory lake replaces a
// file by rename, so the open file keeps the version opened).
type fileReader struct {
	io.ReaderAt
	io.Closer
	size int64
}

func (f fileReader) Size() int64 { return f.size }

type bytesReader struct{ *bytes.Reader }

func (bytesReader) Close() error { return nil }

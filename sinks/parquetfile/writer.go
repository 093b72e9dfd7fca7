package parquetfile

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress/zstd"
)

// File is a finished spool file.
type File struct {
	Path   string // local path; the caller removes it after upload
	Rows   int64
	Bytes  int64
	SHA256 string
}

// batchSize rows are buffered before a Write call into parquet-go; it keeps
// per-row overhead low without holding a partition in memory.
const batchSize = 1024

// codec is shared by every writer: a zstd.Codec pools its encoders, and
// each encoder holds megabytes of history, so a codec per writer made
// memory grow with the number of partitions open at once. It holds no
// per-file state; the bytes written are the same.
var codec = &zstd.Codec{Level: zstd.SpeedDefault}

// pageBufferSize bounds the uncompressed page each column of each open
// writer buffers: a delivery keeps one writer per month open, so this is
// paid once per column per partition.
const pageBufferSize = 64 << 10

// maxRowsPerRowGroup bounds what each open writer holds: parquet-go keeps
// a row group's column values in memory until it is written out, and a
// delivery of shipments keeps one writer per month open (36 for three
// years), so memory is about open partitions × this × row width.
const maxRowsPerRowGroup = 32 << 10

// Writer streams rows of type T into a Parquet file in a spool directory.
// It is not safe for concurrent use.
type Writer[T any] struct {
	f    *os.File
	w    *parquet.GenericWriter[T]
	buf  []T
	rows int64
}

// Create starts a spool file in dir (os.TempDir() when empty).
func Create[T any](dir string) (*Writer[T], error) {
	f, err := os.CreateTemp(dir, "spool-*.parquet")
	if err != nil {
		return nil, fmt.Errorf("create spool file: %w", err)
	}
	w := parquet.NewGenericWriter[T](f,
		parquet.Compression(codec),
		parquet.CreatedBy("tradepipe", "", ""),
		parquet.PageBufferSize(pageBufferSize),
		parquet.MaxRowsPerRowGroup(maxRowsPerRowGroup),
	)
	return &Writer[T]{f: f, w: w, buf: make([]T, 0, batchSize)}, nil
}

// Write adds a row.
func (w *Writer[T]) Write(row T) error {
	w.buf = append(w.buf, row)
	w.rows++
	if len(w.buf) == cap(w.buf) {
		return w.flush()
	}
	return nil
}

// Rows is the number of rows written so far.
func (w *Writer[T]) Rows() int64 { return w.rows }

func (w *Writer[T]) flush() error {
	if len(w.buf) == 0 {
		return nil
	}
	if _, err := w.w.Write(w.buf); err != nil {
		return fmt.Errorf("write parquet rows: %w", err)
	}
	clear(w.buf)
	w.buf = w.buf[:0]
	return nil
}

// Close finishes the file and returns its description. On error the spool
// file is removed.
func (w *Writer[T]) Close() (File, error) {
	err := w.flush()
	if err == nil {
		err = w.w.Close()
	}
	if err == nil {
		err = w.f.Sync()
	}
	if err != nil {
		w.Abort()
		return File{}, fmt.Errorf("finish parquet file: %w", err)
	}
	h := sha256.New()
	if _, err := w.f.Seek(0, io.SeekStart); err != nil {
		w.Abort()
		return File{}, err
	}
	n, err := io.Copy(h, w.f)
	if err != nil {
		w.Abort()
		return File{}, fmt.Errorf("hash spool file: %w", err)
	}
	if err := w.f.Close(); err != nil {
		_ = os.Remove(w.f.Name())
		return File{}, err
	}
	return File{Path: w.f.Name(), Rows: w.rows, Bytes: n, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

// Abort discards the file. Safe to call after Close has failed.
func (w *Writer[T]) Abort() {
	_ = w.f.Close()
	_ = os.Remove(w.f.Name())
}

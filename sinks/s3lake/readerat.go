package s3lake

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/tradepipe/tradepipe/sinks/lake"
)

// Sizes of the ranged reads. A columnar reader reads the footer at the
// end, then column chunks in small sequential reads (parquet-go buffers
// 4 KiB at a time): without read-ahead each would be a request.
const (
	// tailSize bytes at the end come with the open, in the same request
	// that learns the size and the ETag; an object up to this size is
	// read whole by it.
	tailSize = 64 << 10
	// readAhead is the least a read that misses fetches, from its offset
	// on.
	readAhead = 256 << 10
)

// OpenReaderAt implements lake.RangeReader with ranged GETs: the open is
// one GET of the last tailSize bytes (a suffix range, which also gives
// the size and the ETag), and later reads fetch at least readAhead bytes
// with If-Match on that ETag, so a replaced object fails the read
// (412) instead of mixing two versions.
func (l *Lake) OpenReaderAt(ctx context.Context, key string) (lake.ObjectReader, error) {
	k, err := l.objectKey(key)
	if err != nil {
		return nil, err
	}
	out, err := l.client.GetObject(ctx, &s3.GetObjectInput{
		Bucket: aws.String(l.bucket), Key: k, Range: aws.String(fmt.Sprintf("bytes=-%d", tailSize)),
	})
	if err != nil {
		if statusOf(err) == 416 { // an empty object has no suffix to give
			return l.openEmpty(ctx, key)
		}
		return nil, l.mapErr("get", key, err)
	}
	defer out.Body.Close()
	tail, err := io.ReadAll(out.Body)
	if err != nil {
		return nil, fmt.Errorf("get %s: %w", key, err)
	}
	size := int64(len(tail))
	if cr := aws.ToString(out.ContentRange); cr != "" {
		size, err = totalOfContentRange(cr)
		if err != nil {
			return nil, fmt.Errorf("get %s: %w", key, err)
		}
	}
	if size < int64(len(tail)) {
		return nil, fmt.Errorf("get %s: %d bytes for an object of %d", key, len(tail), size)
	}
	r := &rangeReader{ctx: ctx, l: l, key: key, etag: aws.ToString(out.ETag), size: size}
	r.tail = block{off: size - int64(len(tail)), b: tail}
	return r, nil
}

// openEmpty opens an object the suffix range refused: empty, or gone.
func (l *Lake) openEmpty(ctx context.Context, key string) (lake.ObjectReader, error) {
	o, err := l.Stat(ctx, key)
	if err != nil {
		return nil, err
	}
	if o.Size != 0 {
		return nil, fmt.Errorf("get %s: range refused for an object of %d bytes", key, o.Size)
	}
	return &rangeReader{ctx: ctx, l: l, key: key, etag: o.ETag}, nil
}

// totalOfContentRange reads the complete length from "bytes a-b/total".
func totalOfContentRange(cr string) (int64, error) {
	_, total, ok := strings.Cut(cr, "/")
	n, err := strconv.ParseInt(total, 10, 64)
	if !ok || err != nil || n < 0 {
		return 0, fmt.Errorf("content-range %q has no length", cr)
	}
	return n, nil
}

type block struct {
	off int64
	b   []byte
}

// copyFrom copies the part of [off, off+len(p)) that b holds, if b holds
// its start.
func (b block) copyFrom(p []byte, off int64) (int, bool) {
	if off < b.off || off >= b.off+int64(len(b.b)) {
		return 0, false
	}
	return copy(p, b.b[off-b.off:]), true
}

// rangeReader is one version of an object: its tail, and the last block
// a read fetched.
type rangeReader struct {
	ctx  context.Context
	l    *Lake
	key  string
	etag string
	size int64

	mu   sync.Mutex
	tail block
	last block
}

func (r *rangeReader) Size() int64  { return r.size }
func (r *rangeReader) Close() error { return nil }

// ReadAt implements io.ReaderAt.
func (r *rangeReader) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, fmt.Errorf("get %s: negative offset %d", r.key, off)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for n < len(p) {
		at := off + int64(n)
		if at >= r.size {
			return n, io.EOF
		}
		if m, ok := r.tail.copyFrom(p[n:], at); ok {
			n += m
			continue
		}
		if m, ok := r.last.copyFrom(p[n:], at); ok {
			n += m
			continue
		}
		// Fetch from at to the tail at most, and at least readAhead.
		end := min(max(at+int64(len(p)-n), at+readAhead), r.tail.off, r.size)
		b, err := r.fetch(at, end)
		if err != nil {
			return n, err
		}
		r.last = block{off: at, b: b}
	}
	return n, nil
}

func (r *rangeReader) fetch(from, to int64) ([]byte, error) {
	in := &s3.GetObjectInput{
		Bucket: aws.String(r.l.bucket), Key: aws.String(r.l.root + r.key),
		Range: aws.String(fmt.Sprintf("bytes=%d-%d", from, to-1)),
	}
	if r.etag != "" {
		in.IfMatch = aws.String(r.etag)
	}
	out, err := r.l.client.GetObject(r.ctx, in)
	if err != nil {
		return nil, r.l.mapErr("get", r.key, err)
	}
	defer out.Body.Close()
	b, err := io.ReadAll(io.LimitReader(out.Body, to-from+1))
	if err != nil {
		return nil, fmt.Errorf("get %s bytes %d-%d: %w", r.key, from, to-1, err)
	}
	if int64(len(b)) != to-from {
		return nil, fmt.Errorf("get %s bytes %d-%d: %d bytes", r.key, from, to-1, len(b))
	}
	return b, nil
}

package lake

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"net/url"
	"path"
	"strings"
	"time"
)

// ErrNotExist is returned (wrapped) by Get and Stat for a missing key.
var ErrNotExist = errors.New("object does not exist")

// Object describes a stored object.
type Object struct {
	Key     string
	Size    int64
	ModTime time.Time
	ETag    string // opaque version tag; empty when the store has none
}

// Lake is an object store.
type Lake interface {
	// Put stores the bytes of r under key, replacing any object there.
	// Readers see either the previous object or the complete new one, never a
	// part; when Put returns an error (including ctx's), the previous object
	// is still in place. ctx bounds the whole upload.
	Put(ctx context.Context, key string, r io.Reader) error
	// Get opens the object at key. The error wraps ErrNotExist when there is
	// none. ctx bounds the open and the reads; close the reader when done.
	Get(ctx context.Context, key string) (io.ReadCloser, error)
	// Stat describes the object at key; the error wraps ErrNotExist when
	// there is none.
	Stat(ctx context.Context, key string) (Object, error)
	// List yields every object whose key starts with prefix, in ascending
	// key order. A prefix ending in "/" lists a directory recursively. Errors
	// end the sequence; objects still being written are never listed.
	List(ctx context.Context, prefix string) iter.Seq2[Object, error]
	// Delete removes the object at key; deleting a missing key is not an
	// error.
	Delete(ctx context.Context, key string) error
	// Copy makes dst hold the bytes of src, replacing any object at dst with
	// the same atomicity as Put: a reader of dst sees the previous object or
	// the complete copy. The commit protocol uses it to refresh the current
	// view from an immutable data file without moving the bytes through the
	// process where the store can (a hard link on a filesystem, a
	// server-side CopyObject on S3). The error wraps ErrNotExist when src is
	// missing. ctx bounds the whole copy.
	Copy(ctx context.Context, src, dst string) error
	// URL returns the lake's root URL, for messages and provenance. It holds
	// no credentials.
	URL() string
}

// CheckKey rejects keys that would escape the lake root or are not in the
// canonical form.
func CheckKey(key string) error {
	switch {
	case key == "":
		return errors.New("empty key")
	case strings.HasPrefix(key, "/"):
		return fmt.Errorf("key %q starts with /", key)
	case path.Clean(key) != key:
		return fmt.Errorf("key %q is not clean", key)
	case key == ".." || strings.HasPrefix(key, "../"):
		return fmt.Errorf("key %q escapes the lake", key)
	}
	return nil
}

// ReadAll returns the whole object at key.
func ReadAll(ctx context.Context, l Lake, key string) ([]byte, error) {
	rc, err := l.Get(ctx, key)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", key, err)
	}
	return b, nil
}

// Opener opens a lake from a URL; s3:// support is provided by package
// sinks/s3lake and injected by the caller so this package needs no AWS SDK.
type Opener func(ctx context.Context, u *url.URL) (Lake, error)

// Open opens rawURL: file:// (or a bare path) with the built-in directory
// lake, any other scheme through openers.
func Open(ctx context.Context, rawURL string, openers map[string]Opener) (Lake, error) {
	u, err := ParseURL(rawURL)
	if err != nil {
		return nil, err
	}
	if u.Scheme == "file" {
		return NewDir(u.Path)
	}
	open, ok := openers[u.Scheme]
	if !ok {
		return nil, fmt.Errorf("lake %q: unsupported scheme %q", rawURL, u.Scheme)
	}
	return open(ctx, u)
}

// ParseURL checks a lake or inbox URL: file://PATH (relative paths allowed,
// as in file://./lake) or s3://bucket/prefix.
func ParseURL(raw string) (*url.URL, error) {
	if raw == "" {
		return nil, errors.New("empty URL")
	}
	if !strings.Contains(raw, "://") {
		return &url.URL{Scheme: "file", Path: raw}, nil
	}
	scheme, rest, _ := strings.Cut(raw, "://")
	switch scheme {
	case "file":
		// url.Parse would read "./lake" in file://./lake as a host.
		if rest == "" {
			return nil, fmt.Errorf("URL %q: empty path", raw)
		}
		return &url.URL{Scheme: "file", Path: rest}, nil
	case "s3":
		u, err := url.Parse(raw)
		if err != nil {
			return nil, fmt.Errorf("URL %q: %w", raw, err)
		}
		if u.Host == "" {
			return nil, fmt.Errorf("URL %q: no bucket", raw)
		}
		if u.User != nil || u.RawQuery != "" {
			return nil, fmt.Errorf("URL %q: credentials and query parameters do not belong in the URL", raw)
		}
		return u, nil
	default:
		return nil, fmt.Errorf("URL %q: scheme %q is not file or s3", raw, scheme)
	}
}

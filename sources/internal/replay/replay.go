// Package replay lets a live source read a directory of saved responses as
// if it were its server: a base_url of file://DIR (file://./DIR relative to
// the working directory) makes the fetcher's GETs read files there. Used by
// the README's backfill examples and by tests that replay a source offline.
//
// A GET of file://HOST/PATH answers, like a static file server:
//   - 200 with the file's bytes and an ETag of their sha256, or 304 when
//     If-None-Match names that ETag (so conditional fetching works);
//   - 204 (no data, as an API answers for a month not out yet) when the
//     directory exists and holds no such file, 404 when the directory does
//     not exist either (a wrong base_url fails rather than reads empty);
//   - 400 for a host other than "" or "." (a file URL names this machine).
//
// The query is ignored: the fetcher puts what varies (the month) in the
// path, with {year} and {month} in its base_url.
package replay

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
)

// IsFileURL reports whether base is a file:// URL, which Client replays.
func IsFileURL(base string) bool { return strings.HasPrefix(strings.ToLower(base), "file://") }

// Month returns base with {year} and {month} (two digits) replaced.
func Month(base string, year, month int) string {
	return strings.NewReplacer("{year}", fmt.Sprintf("%04d", year), "{month}", fmt.Sprintf("%02d", month)).Replace(base)
}

// Client returns a client that replays file:// URLs and makes other
// requests with http.DefaultTransport.
func Client() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.RegisterProtocol("file", Transport{})
	return &http.Client{Transport: t}
}

// Path returns the file a file:// URL names.
func Path(u *url.URL) (string, error) {
	switch u.Host {
	case "", "localhost":
		return filepath.FromSlash(u.Path), nil
	case ".":
		return filepath.FromSlash("." + u.Path), nil
	}
	return "", fmt.Errorf("file URL %q names host %q: only file:///abs/path or file://./rel/path", u.Redacted(), u.Host)
}

// Transport is the http.RoundTripper of file:// URLs.
type Transport struct{}

// RoundTrip implements http.RoundTripper. It never returns an error for a
// missing or unreadable file: those are answers (404, 500), as a server's.
func (Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		_ = req.Body.Close()
	}
	if err := req.Context().Err(); err != nil {
		return nil, err
	}
	if req.Method != http.MethodGet && req.Method != http.MethodHead {
		return answer(req, http.StatusMethodNotAllowed, nil, "replay: only GET"), nil
	}
	p, err := Path(req.URL)
	if err != nil {
		return answer(req, http.StatusBadRequest, nil, err.Error()), nil
	}
	fi, err := os.Stat(p)
	if err != nil || !fi.Mode().IsRegular() {
		if d, err := os.Stat(filepath.Dir(p)); err == nil && d.IsDir() && (fi == nil || !fi.IsDir()) {
			return answer(req, http.StatusNoContent, nil, ""), nil
		}
		return answer(req, http.StatusNotFound, nil, fmt.Sprintf("replay: no saved response %s", p)), nil
	}
	b, err := os.ReadFile(p)
	if err != nil {
		return answer(req, http.StatusInternalServerError, nil, fmt.Sprintf("replay: read %s: %v", p, err)), nil
	}
	sum := sha256.Sum256(b)
	etag := `"` + hex.EncodeToString(sum[:]) + `"`
	h := http.Header{"Etag": {etag}}
	if req.Header.Get("If-None-Match") == etag {
		return answer(req, http.StatusNotModified, h, ""), nil
	}
	resp := answer(req, http.StatusOK, h, "")
	resp.Body = io.NopCloser(bytes.NewReader(b))
	resp.ContentLength = int64(len(b))
	return resp, nil
}

func answer(req *http.Request, status int, h http.Header, body string) *http.Response {
	if h == nil {
		h = http.Header{}
	}
	return &http.Response{
		Status: fmt.Sprintf("%d %s", status, http.StatusText(status)), StatusCode: status,
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1, Header: h, Request: req,
		Body: io.NopCloser(strings.NewReader(body)), ContentLength: int64(len(body)),
	}
}

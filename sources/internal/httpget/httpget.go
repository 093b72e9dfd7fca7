// Package httpget makes the one HTTP request that every live source's
// fetch attempt is: a GET, conditional when the pipeline has validators,
// whose answer is sorted into a body, "no data", "not modified", a
// retryable error (with the wait the server asked for) or a permanent one.
// The retry loop around it is internal/retry.Do.
package httpget

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"time"

	"github.com/tradepipe/tradepipe/internal/redact"
	"github.com/tradepipe/tradepipe/internal/retry"
	"github.com/tradepipe/tradepipe/sources"
)

// Request is one GET.
type Request struct {
	URL    string // may carry an API key: it never appears in errors
	Accept string // optional Accept header
	// Prev are the validators of the last published fetch; zero makes the
	// request unconditional.
	Prev    sources.Validators
	MaxBody int64
	// NoData lists statuses that mean "nothing for this month yet" (204,
	// and for some sources 404).
	NoData []int
	Now    func() time.Time
}

// Response is a 200 answer with its whole body.
type Response struct {
	Body      []byte
	SHA256    string // hex, of Body
	Header    http.Header
	FetchedAt time.Time // UTC
	// Delimited says the transport saw where the body ends, so a body cut
	// short would have been an error here: a Content-Length it matched,
	// chunked framing, an HTTP/2 stream, or a gzip stream Go decoded to its
	// trailer. False means only the connection's close ended the body,
	// and a dropped connection ends it the same way: the source must check
	// the body is whole itself (census: the JSON is).
	Delimited bool
}

// Validators returns the ETag and Last-Modified the server sent.
func (r *Response) Validators() sources.Validators {
	return sources.Validators{ETag: r.Header.Get("ETag"), LastModified: r.Header.Get("Last-Modified")}
}

// Get makes the request once; ctx bounds it. It returns
//   - the response, on 200 with a body read whole;
//   - (nil, 0, nil) on a status in NoData;
//   - an error wrapping sources.ErrNotModified on 304 to a conditional
//     request (a 304 to an unconditional one is a permanent error);
//   - a retryable error on 429, 5xx, a transport error or a body cut short,
//     with the wait Retry-After asked for;
//   - an error wrapping sources.ErrPermanent on any other status or a body
//     over MaxBody.
func Get(ctx context.Context, client *http.Client, r Request) (*Response, time.Duration, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.URL, nil)
	if err != nil {
		return nil, 0, sources.Permanent(retry.Scrub(err))
	}
	req.Header.Set("User-Agent", "tradepipe")
	if r.Accept != "" {
		req.Header.Set("Accept", r.Accept)
	}
	if r.Prev.ETag != "" {
		req.Header.Set("If-None-Match", r.Prev.ETag)
	}
	if r.Prev.LastModified != "" {
		req.Header.Set("If-Modified-Since", r.Prev.LastModified)
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, 0, retry.Scrub(err)
	}
	defer resp.Body.Close()
	switch code := resp.StatusCode; {
	case slices.Contains(r.NoData, code):
		return nil, 0, nil
	case code == http.StatusNotModified && !r.Prev.IsZero():
		return nil, 0, sources.ErrNotModified
	case code == http.StatusNotModified:
		return nil, 0, sources.Permanent(errors.New("HTTP 304 to a request that was not conditional"))
	case code == http.StatusOK:
	case code == http.StatusTooManyRequests || code >= 500:
		return nil, retry.RetryAfter(resp.Header.Get("Retry-After"), r.Now()), fmt.Errorf("HTTP %d: %s", code, errorBody(r.URL, resp.Body))
	default:
		// A bad request, a bad key, a page that is gone: retrying will
		// not help.
		return nil, 0, sources.Permanent(fmt.Errorf("HTTP %d: %s", code, errorBody(r.URL, resp.Body)))
	}
	fetched := r.Now().UTC()
	body, err := io.ReadAll(io.LimitReader(resp.Body, r.MaxBody+1))
	if err != nil {
		return nil, 0, fmt.Errorf("read body: %w", retry.Scrub(err))
	}
	if int64(len(body)) > r.MaxBody {
		return nil, 0, sources.Permanent(fmt.Errorf("body larger than %d bytes", r.MaxBody))
	}
	if cl := resp.ContentLength; cl >= 0 && int64(len(body)) != cl {
		return nil, 0, fmt.Errorf("truncated body: %d of %d bytes", len(body), cl)
	}
	sum := sha256.Sum256(body)
	return &Response{Body: body, SHA256: hex.EncodeToString(sum[:]), Header: resp.Header, FetchedAt: fetched, Delimited: delimited(resp)}, 0, nil
}

// delimited says whether net/http would have reported a body cut short:
// io.ErrUnexpectedEOF from a chunked, length-bounded or decompressed
// body, a stream error on HTTP/2. An HTTP/1 body with neither length nor
// chunks is read to the connection's close.
func delimited(resp *http.Response) bool {
	return resp.ContentLength >= 0 || resp.ProtoMajor >= 2 || resp.Uncompressed ||
		slices.Contains(resp.TransferEncoding, "chunked")
}

// errorBody is the start of an error answer, without the secrets of the
// request: servers echo the URL (and so key=) in their error pages, and
// from there it reached logs, the ledger and the API (issue 12).
func errorBody(rawURL string, body io.Reader) string {
	return redact.New(redact.URLSecrets(rawURL)...).Scrub(retry.Snippet(body))
}

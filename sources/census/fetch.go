package census

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/tradepipe/tradepipe/internal/retry"

	"github.com/tradepipe/tradepipe/internal/civil"
	"github.com/tradepipe/tradepipe/sources"
)

// maxBody bounds a response: a month of HS10 exports to one partner is a
// few MB; anything far larger is not a trade API answer.
const maxBody = 256 << 20

// requestURL builds the query for month m. With key false it is the URI
// recorded as provenance: it must never carry the API key.
func (s *Source) requestURL(m civil.Month, withKey bool) string {
	v := varsFor(s.opts.Flow)
	q := []string{
		"get=" + strings.Join([]string{v.commodity, v.desc, v.value, v.qty, v.unit}, ","),
		"CTY_CODE=" + url.QueryEscape(s.opts.Partner),
		"COMM_LVL=" + url.QueryEscape(s.opts.Level),
		"time=" + m.String(),
	}
	if withKey && s.opts.APIKey != "" {
		q = append(q, "key="+url.QueryEscape(s.opts.APIKey))
	}
	return strings.TrimRight(s.opts.BaseURL, "/") + "/" + v.endpoint + "?" + strings.Join(q, "&")
}

// Fetch implements sources.Fetcher.
func (s *Source) Fetch(ctx context.Context, m civil.Month, dir string) (*sources.Release, error) {
	return s.FetchIfModified(ctx, m, dir, sources.Validators{})
}

// FetchIfModified implements sources.ConditionalFetcher with
// If-None-Match and If-Modified-Since; a 304 answer is ErrNotModified.
func (s *Source) FetchIfModified(ctx context.Context, m civil.Month, dir string, prev sources.Validators) (*sources.Release, error) {
	public := s.requestURL(m, false)
	rel, err := retry.Do(ctx, s.retryPolicy(), stopRetrying,
		func() (*sources.Release, time.Duration, error) { return s.try(ctx, m, dir, prev) },
		func(attempt int, wait time.Duration, err error) {
			s.Retries++
			s.logger.Warn("census fetch retry", "month", m.String(), "attempt", attempt, "wait", wait, "err", err)
		})
	if err != nil {
		return nil, fmt.Errorf("fetch census %s: %w", public, err)
	}
	return rel, nil
}

// stopRetrying is true for answers no retry changes: a permanent error or
// "not modified".
func stopRetrying(err error) bool {
	return errors.Is(err, sources.ErrPermanent) || errors.Is(err, sources.ErrNotModified)
}

func (s *Source) retryPolicy() retry.Policy {
	return retry.Policy{MaxAttempts: s.opts.MaxAttempts, Base: s.opts.BaseBackoff, Max: s.opts.MaxBackoff, Jitter: s.jitter, Sleep: s.sleep}
}

// try makes one request. It returns the wait the server asked for with a
// retryable error.
func (s *Source) try(ctx context.Context, m civil.Month, dir string, prev sources.Validators) (*sources.Release, time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, s.opts.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.requestURL(m, true), nil)
	if err != nil {
		return nil, 0, sources.Permanent(retry.Scrub(err))
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "tradepipe")
	if prev.ETag != "" {
		req.Header.Set("If-None-Match", prev.ETag)
	}
	if prev.LastModified != "" {
		req.Header.Set("If-Modified-Since", prev.LastModified)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, 0, retry.Scrub(err)
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNoContent:
		return nil, 0, nil
	case resp.StatusCode == http.StatusNotModified && !prev.IsZero():
		return nil, 0, sources.ErrNotModified
	case resp.StatusCode == http.StatusOK:
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		return nil, retry.RetryAfter(resp.Header.Get("Retry-After"), s.now()), fmt.Errorf("HTTP %d: %s", resp.StatusCode, retry.Snippet(resp.Body))
	default:
		// 400 is the API's answer to an unknown variable or bad predicate;
		// 401/403 a bad key; none gets better by retrying.
		return nil, 0, sources.Permanent(fmt.Errorf("HTTP %d: %s", resp.StatusCode, retry.Snippet(resp.Body)))
	}
	fetched := s.now().UTC()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		return nil, 0, fmt.Errorf("read body: %w", retry.Scrub(err))
	}
	if len(body) > maxBody {
		return nil, 0, sources.Permanent(fmt.Errorf("body larger than %d bytes", maxBody))
	}
	// A connection cut mid-body can still end in a clean EOF when the server
	// sent no Content-Length; the JSON must be whole.
	if !json.Valid(body) {
		return nil, 0, fmt.Errorf("truncated or invalid JSON body (%d bytes)", len(body))
	}
	sum := sha256.Sum256(body)
	hexSum := hex.EncodeToString(sum[:])
	path := filepath.Join(dir, fmt.Sprintf("census-%s-%s-%s.json", s.opts.Flow, m, hexSum[:12]))
	if err := os.WriteFile(path, body, 0o600); err != nil {
		return nil, 0, sources.Permanent(fmt.Errorf("spool response: %w", err))
	}
	return &sources.Release{
		Source:       "census",
		URI:          s.requestURL(m, false),
		Name:         m.String(),
		Path:         path,
		Size:         int64(len(body)),
		SHA256:       hexSum,
		Ext:          "json",
		ReleaseID:    sources.ReleaseID(fetched, hexSum),
		Month:        m,
		FetchedAt:    fetched,
		ETag:         resp.Header.Get("ETag"),
		LastModified: resp.Header.Get("Last-Modified"),
	}, 0, nil
}

package census

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/tradepipe/tradepipe/sources/internal/httpget"
	"github.com/tradepipe/tradepipe/sources/internal/replay"

	"github.com/tradepipe/tradepipe/internal/retry"

	"github.com/tradepipe/tradepipe/internal/civil"
	"github.com/tradepipe/tradepipe/sources"
)

// maxBody bounds a response: a month of HS10 exports to one partner is a
// few MB; anything far larger is not a trade API answer.
const maxBody int64 = 256 << 20

// requestURL builds the query for month m. With key false it is the URI
// recorded as provenance: it must never carry the API key.
func (s *Source) requestURL(m civil.Month, withKey bool) string {
	if replay.IsFileURL(s.opts.BaseURL) {
		return replay.Month(s.opts.BaseURL, m.Year, int(m.Month))
	}
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
	// 400 is the API's answer to an unknown variable or bad predicate and
	// 401/403 a bad key: httpget makes them permanent.
	resp, wait, err := httpget.Get(ctx, s.client, httpget.Request{
		URL: s.requestURL(m, true), Accept: "application/json", Prev: prev,
		MaxBody: maxBody, NoData: []int{http.StatusNoContent}, Now: s.now,
	})
	if resp == nil || err != nil {
		return nil, wait, err
	}
	// A connection cut mid-body can still end in a clean EOF when the server
	// sent no Content-Length; the JSON must be whole.
	// (Saved responses replayed from file:// may be gzipped.)
	if body, err := gunzipped(resp.Body); err != nil || !json.Valid(body) {
		return nil, 0, fmt.Errorf("truncated or invalid JSON body (%d bytes)", len(resp.Body))
	}
	path := filepath.Join(dir, fmt.Sprintf("census-%s-%s-%s.json", s.opts.Flow, m, resp.SHA256[:12]))
	if err := os.WriteFile(path, resp.Body, 0o600); err != nil {
		return nil, 0, sources.Permanent(fmt.Errorf("spool response: %w", err))
	}
	v := resp.Validators()
	return &sources.Release{
		Source:       "census",
		URI:          s.requestURL(m, false),
		Name:         m.String(),
		Path:         path,
		Size:         int64(len(resp.Body)),
		SHA256:       resp.SHA256,
		Ext:          "json",
		ReleaseID:    sources.ReleaseID(resp.FetchedAt, resp.SHA256),
		Month:        m,
		FetchedAt:    resp.FetchedAt,
		ETag:         v.ETag,
		LastModified: v.LastModified,
	}, 0, nil
}

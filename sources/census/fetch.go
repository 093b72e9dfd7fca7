package census

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
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
	return s.queryURL(m, s.opts.Level, "", withKey)
}

// queryURL is the query for month m at level, restricted to commodities
// starting with prefix when it is not empty (E_COMMODITY=2710*).
func (s *Source) queryURL(m civil.Month, level, prefix string, withKey bool) string {
	v := varsFor(s.opts.Flow)
	q := []string{
		"get=" + strings.Join([]string{v.commodity, v.desc, v.value, v.qty, v.unit}, ","),
		"CTY_CODE=" + url.QueryEscape(s.opts.Partner),
		"COMM_LVL=" + url.QueryEscape(level),
	}
	if prefix != "" {
		q = append(q, v.commodity+"="+url.QueryEscape(prefix)+"*")
	}
	q = append(q, "time="+m.String())
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
	body, sum := resp.Body, resp.SHA256
	if len(s.opts.Detail) > 0 && !replay.IsFileURL(s.opts.BaseURL) {
		// The detail lines come out with the same FT-900 release, so the
		// main answer's validators stand for the whole.
		var err error
		if body, err = s.withDetail(ctx, m, body); err != nil {
			return nil, 0, err
		}
		h := sha256.Sum256(body)
		sum = hex.EncodeToString(h[:])
	}
	path := filepath.Join(dir, fmt.Sprintf("census-%s-%s-%s.json", s.opts.Flow, m, sum[:12]))
	if err := os.WriteFile(path, body, 0o600); err != nil {
		return nil, 0, sources.Permanent(fmt.Errorf("spool response: %w", err))
	}
	v := resp.Validators()
	return &sources.Release{
		Source:       "census",
		URI:          s.requestURL(m, false),
		Name:         m.String(),
		Path:         path,
		Size:         int64(len(body)),
		SHA256:       sum,
		Ext:          "json",
		ReleaseID:    sources.ReleaseID(resp.FetchedAt, sum),
		Month:        m,
		FetchedAt:    resp.FetchedAt,
		ETag:         v.ETag,
		LastModified: v.LastModified,
	}, 0, nil
}

// withDetail fetches each Detail prefix at HS10 for month m and appends its
// records to main, one response in the API's format (the header once). A
// prefix with no data (204) adds nothing; a header that differs from the
// main one is an error, as is any failed request (the whole release is
// retried).
func (s *Source) withDetail(ctx context.Context, m civil.Month, main []byte) ([]byte, error) {
	var rows []json.RawMessage
	if err := json.Unmarshal(main, &rows); err != nil || len(rows) == 0 {
		return nil, sources.Permanent(fmt.Errorf("census response is not a JSON array with a header: %v", err))
	}
	for _, p := range s.opts.Detail {
		resp, _, err := httpget.Get(ctx, s.client, httpget.Request{
			URL: s.queryURL(m, "HS10", p, true), Accept: "application/json",
			MaxBody: maxBody, NoData: []int{http.StatusNoContent}, Now: s.now,
		})
		if err != nil {
			return nil, fmt.Errorf("HS10 detail %s*: %w", p, err)
		}
		if resp == nil || len(resp.Body) == 0 {
			continue
		}
		var more []json.RawMessage
		if err := json.Unmarshal(resp.Body, &more); err != nil {
			return nil, fmt.Errorf("HS10 detail %s*: truncated or invalid JSON body (%d bytes)", p, len(resp.Body))
		}
		if len(more) == 0 {
			continue
		}
		if strings.Join(strings.Fields(string(more[0])), "") != strings.Join(strings.Fields(string(rows[0])), "") {
			return nil, sources.Permanent(fmt.Errorf("HS10 detail %s*: header %s differs from the HS6 header %s", p, more[0], rows[0]))
		}
		rows = append(rows, more[1:]...)
	}
	return json.Marshal(rows)
}

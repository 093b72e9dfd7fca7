package census

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

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
	for attempt := 1; ; attempt++ {
		rel, retryAfter, err := s.try(ctx, m, dir, prev)
		if err == nil {
			return rel, nil
		}
		if errors.Is(err, sources.ErrNotModified) {
			return nil, fmt.Errorf("fetch census %s: %w", public, err)
		}
		err = fmt.Errorf("fetch census %s (attempt %d of %d): %w", public, attempt, s.opts.MaxAttempts, err)
		if errors.Is(err, sources.ErrPermanent) || attempt >= s.opts.MaxAttempts || ctx.Err() != nil {
			return nil, err
		}
		wait := Backoff(attempt, s.opts.BaseBackoff, s.opts.MaxBackoff, s.jitter)
		if retryAfter > wait {
			wait = min(retryAfter, s.opts.MaxBackoff)
		}
		s.Retries++
		s.logger.Warn("census fetch retry", "month", m.String(), "attempt", attempt, "wait", wait, "err", err)
		if err := s.sleep(ctx, wait); err != nil {
			return nil, fmt.Errorf("fetch census %s: %w", public, err)
		}
	}
}

// Backoff is the wait before retry number attempt (1-based): full jitter
// over an exponentially growing window, capped at max.
func Backoff(attempt int, base, max time.Duration, jitter func(time.Duration) time.Duration) time.Duration {
	window := base
	for i := 1; i < attempt && window < max; i++ {
		window *= 2
	}
	window = min(window, max)
	return jitter(window)
}

// try makes one request. It returns the wait the server asked for with a
// retryable error.
func (s *Source) try(ctx context.Context, m civil.Month, dir string, prev sources.Validators) (*sources.Release, time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, s.opts.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.requestURL(m, true), nil)
	if err != nil {
		return nil, 0, sources.Permanent(scrub(err))
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
		return nil, 0, scrub(err)
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNoContent:
		return nil, 0, nil
	case resp.StatusCode == http.StatusNotModified && !prev.IsZero():
		return nil, 0, sources.ErrNotModified
	case resp.StatusCode == http.StatusOK:
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		return nil, retryAfter(resp.Header.Get("Retry-After"), s.now()), fmt.Errorf("HTTP %d: %s", resp.StatusCode, snippet(resp.Body))
	default:
		// 400 is the API's answer to an unknown variable or bad predicate;
		// 401/403 a bad key; none gets better by retrying.
		return nil, 0, sources.Permanent(fmt.Errorf("HTTP %d: %s", resp.StatusCode, snippet(resp.Body)))
	}
	fetched := s.now().UTC()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		return nil, 0, fmt.Errorf("read body: %w", scrub(err))
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

// retryAfter reads a Retry-After header: delay-seconds or an HTTP date.
func retryAfter(h string, now time.Time) time.Duration {
	h = strings.TrimSpace(h)
	if h == "" {
		return 0
	}
	if secs, err := strconv.Atoi(h); err == nil && secs >= 0 {
		return time.Duration(secs) * time.Second
	}
	if t, err := http.ParseTime(h); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// snippet returns the start of an error body, on one line.
func snippet(r io.Reader) string {
	b, _ := io.ReadAll(io.LimitReader(r, 300))
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return "(empty body)"
	}
	return strings.Join(strings.Fields(string(b)), " ")
}

// scrub drops the request URL (which carries the API key) from transport
// errors, keeping the cause.
func scrub(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s: %w", ue.Op, ue.Err)
	}
	return err
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func randJitter(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	return rand.N(d)
}

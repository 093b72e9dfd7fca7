package gacc

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/tradepipe/tradepipe/internal/retry"

	"github.com/tradepipe/tradepipe/internal/civil"
	"github.com/tradepipe/tradepipe/sources"
)

// maxBody bounds a fetched page or table; a release page is tens of KB.
const maxBody = 64 << 20

var _ sources.ConditionalFetcher = (*Source)(nil)

// LatestRelease is the newest month whose GACC figures are out at now: the
// preliminary release comes around the 7th–13th of the next month and the
// detailed data around the 20th, so a month counts as out 20 days after it
// ends.
func LatestRelease(now time.Time) civil.Month {
	return civil.MonthOf(now.UTC().AddDate(0, 0, -20)).AddMonths(-1)
}

// URL returns the page to fetch for month m: BaseURL with {year} and
// {month} (two digits) replaced. A URL without them names the same page
// (e.g. "the latest release") for every month.
func (s *Source) URL(m civil.Month) string {
	return strings.NewReplacer("{year}", fmt.Sprintf("%04d", m.Year), "{month}", fmt.Sprintf("%02d", int(m.Month))).Replace(s.opts.BaseURL)
}

func (s *Source) perMonth() bool {
	return strings.Contains(s.opts.BaseURL, "{month}")
}

// Fetch implements sources.Fetcher: the whole page, unconditionally. It
// returns (nil, nil) when the server answers 404 (the month's page is not
// out yet).
func (s *Source) Fetch(ctx context.Context, m civil.Month, dir string) (*sources.Release, error) {
	return s.FetchIfModified(ctx, m, dir, sources.Validators{})
}

// FetchIfModified implements sources.ConditionalFetcher: the pipeline keeps
// the validators of the last published fetch and passes them in; a 304
// returns an error wrapping sources.ErrNotModified at once. Otherwise 429
// and 5xx are retried with exponential backoff and full jitter, honouring
// Retry-After; other 4xx are permanent.
func (s *Source) FetchIfModified(ctx context.Context, m civil.Month, dir string, prev sources.Validators) (*sources.Release, error) {
	if s.opts.BaseURL == "" {
		return nil, sources.Permanent(errors.New("gacc: no base_url: this job reads only its inbox"))
	}
	u := s.URL(m)
	policy := retry.Policy{MaxAttempts: s.opts.MaxAttempts, Base: s.opts.BaseBackoff, Max: s.opts.MaxBackoff, Jitter: s.jitter, Sleep: s.sleep}
	rel, err := retry.Do(ctx, policy,
		func(err error) bool {
			return errors.Is(err, sources.ErrPermanent) || errors.Is(err, sources.ErrNotModified)
		},
		func() (*sources.Release, time.Duration, error) { return s.try(ctx, m, dir, prev) },
		func(attempt int, wait time.Duration, err error) {
			s.Retries++
			s.logger.Warn("gacc fetch retry", "url", u, "attempt", attempt, "wait", wait, "err", err)
		})
	if errors.Is(err, sources.ErrNotModified) {
		s.NotModified++
	}
	if err != nil {
		return nil, fmt.Errorf("fetch gacc %s: %w", u, err)
	}
	return rel, nil
}

func (s *Source) try(ctx context.Context, m civil.Month, dir string, prev sources.Validators) (*sources.Release, time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, s.opts.Timeout)
	defer cancel()
	u := s.URL(m)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, 0, sources.Permanent(err)
	}
	req.Header.Set("User-Agent", "tradepipe")
	if prev.ETag != "" {
		req.Header.Set("If-None-Match", prev.ETag)
	}
	if prev.LastModified != "" {
		req.Header.Set("If-Modified-Since", prev.LastModified)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, 0, err
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotModified:
		if prev.IsZero() {
			return nil, 0, sources.Permanent(errors.New("HTTP 304 to a request that was not conditional"))
		}
		return nil, 0, sources.ErrNotModified
	case resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusNoContent:
		return nil, 0, nil
	case resp.StatusCode == http.StatusOK:
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		return nil, retry.RetryAfter(resp.Header.Get("Retry-After"), s.now()), fmt.Errorf("HTTP %d: %s", resp.StatusCode, retry.Snippet(resp.Body))
	default:
		return nil, 0, sources.Permanent(fmt.Errorf("HTTP %d: %s", resp.StatusCode, retry.Snippet(resp.Body)))
	}
	fetched := s.now().UTC()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		return nil, 0, fmt.Errorf("read body: %w", err)
	}
	if len(body) > maxBody {
		return nil, 0, sources.Permanent(fmt.Errorf("body larger than %d bytes", maxBody))
	}
	if cl := resp.ContentLength; cl >= 0 && int64(len(body)) != cl {
		return nil, 0, fmt.Errorf("truncated body: %d of %d bytes", len(body), cl)
	}
	ext := extOf(u, resp.Header.Get("Content-Type"), body)
	if ext == "html" && !bytes.Contains(bytes.ToLower(body), []byte("</table>")) {
		// A page cut mid-table has no closing tag; retry.
		return nil, 0, fmt.Errorf("page has no complete table (%d bytes)", len(body))
	}
	sum := sha256.Sum256(body)
	hexSum := hex.EncodeToString(sum[:])
	p := filepath.Join(dir, fmt.Sprintf("gacc-%s-%s.%s", m, hexSum[:12], ext))
	if err := os.WriteFile(p, body, 0o600); err != nil {
		return nil, 0, sources.Permanent(fmt.Errorf("spool response: %w", err))
	}
	rel := &sources.Release{
		Source:       Name,
		URI:          u,
		Name:         fmt.Sprintf("%s-%s.%s", strings.TrimSuffix(path.Base(req.URL.Path), path.Ext(req.URL.Path)), m, ext),
		Path:         p,
		Size:         int64(len(body)),
		SHA256:       hexSum,
		Ext:          ext,
		ReleaseID:    sources.ReleaseID(fetched, hexSum),
		FetchedAt:    fetched,
		ETag:         resp.Header.Get("ETag"),
		LastModified: resp.Header.Get("Last-Modified"),
	}
	if s.perMonth() {
		rel.Month = m
	}
	return rel, 0, nil
}

// extOf names a fetched input's kind: the URL's extension when it is one
// the parser reads, else from the content type, else html.
func extOf(u, contentType string, body []byte) string {
	if pu, err := url.Parse(u); err == nil {
		switch e := strings.ToLower(strings.TrimPrefix(path.Ext(pu.Path), ".")); e {
		case "csv", "xlsx", "html", "htm":
			return e
		}
	}
	mt, _, _ := mime.ParseMediaType(contentType)
	switch {
	case bytes.HasPrefix(body, zipMagic) || strings.Contains(mt, "spreadsheetml"):
		return "xlsx"
	case mt == "text/csv":
		return "csv"
	}
	return "html"
}

package gacc

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/tradepipe/tradepipe/sources/internal/httpget"

	"github.com/tradepipe/tradepipe/internal/retry"

	"github.com/tradepipe/tradepipe/internal/civil"
	"github.com/tradepipe/tradepipe/sources"
)

// maxBody bounds a fetched page or table; a release page is tens of KB.
const maxBody int64 = 64 << 20

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
	// 404: the month's page is not out yet.
	resp, wait, err := httpget.Get(ctx, s.client, httpget.Request{
		URL: u, Prev: prev, MaxBody: maxBody,
		NoData: []int{http.StatusNotFound, http.StatusNoContent}, Now: s.now,
	})
	if resp == nil || err != nil {
		return nil, wait, err
	}
	ext := extOf(u, resp.Header.Get("Content-Type"), resp.Body)
	if ext == "html" && !bytes.Contains(bytes.ToLower(resp.Body), []byte("</table>")) {
		// A page cut mid-table has no closing tag; retry.
		return nil, 0, fmt.Errorf("page has no complete table (%d bytes)", len(resp.Body))
	}
	p := filepath.Join(dir, fmt.Sprintf("gacc-%s-%s.%s", m, resp.SHA256[:12], ext))
	if err := os.WriteFile(p, resp.Body, 0o600); err != nil {
		return nil, 0, sources.Permanent(fmt.Errorf("spool response: %w", err))
	}
	urlPath := path.Base(u)
	if i := strings.IndexAny(urlPath, "?#"); i >= 0 {
		urlPath = urlPath[:i]
	}
	v := resp.Validators()
	rel := &sources.Release{
		Source:       Name,
		URI:          u,
		Name:         fmt.Sprintf("%s-%s.%s", strings.TrimSuffix(urlPath, path.Ext(urlPath)), m, ext),
		Path:         p,
		Size:         int64(len(resp.Body)),
		SHA256:       resp.SHA256,
		Ext:          ext,
		ReleaseID:    sources.ReleaseID(resp.FetchedAt, resp.SHA256),
		FetchedAt:    resp.FetchedAt,
		ETag:         v.ETag,
		LastModified: v.LastModified,
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

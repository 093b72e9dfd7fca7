package census

import (
	"bytes"
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

// requestURL is the URI recorded as the provenance of month m's release:
// it never carries the API key. A job for several partners makes one
// request each and records one query that lists them all
// (CTY_CODE=5700,5820).
func (s *Source) requestURL(m civil.Month) string {
	if replay.IsFileURL(s.opts.BaseURL) {
		return replay.Month(strings.ReplaceAll(s.opts.BaseURL, "{partner}", strings.Join(s.codes, ",")), m.Year, int(m.Month))
	}
	return s.queryURL(m, s.opts.Level, "", strings.Join(s.codes, ","), false)
}

// requests are the URLs that make up month m's release, in order: per
// partner (one, for all partners) the main query, then its HS10 detail
// prefixes. A file:// base URL replays one saved response per month, or
// one per partner when it has {partner}.
func (s *Source) requests(m civil.Month, withKey bool) []string {
	ctys := s.codes
	if ctys == nil {
		ctys = []string{""}
	}
	if replay.IsFileURL(s.opts.BaseURL) {
		if !strings.Contains(s.opts.BaseURL, "{partner}") {
			return []string{replay.Month(s.opts.BaseURL, m.Year, int(m.Month))}
		}
		var out []string
		for _, c := range ctys {
			out = append(out, replay.Month(strings.ReplaceAll(s.opts.BaseURL, "{partner}", c), m.Year, int(m.Month)))
		}
		return out
	}
	var out []string
	for _, c := range ctys {
		out = append(out, s.queryURL(m, s.opts.Level, "", c, withKey))
		for _, p := range s.opts.Detail {
			out = append(out, s.queryURL(m, "HS10", p, c, withKey))
		}
	}
	return out
}

// queryURL is the query for month m at level, restricted to commodities
// starting with prefix when it is not empty (E_COMMODITY=2710*) and to
// partner cty when it is not empty (no CTY_CODE: every partner and the
// API's groupings).
func (s *Source) queryURL(m civil.Month, level, prefix, cty string, withKey bool) string {
	v := varsFor(s.opts.Flow)
	get := v.get()
	if cty == "" {
		// Without the predicate the answer must still say whose row it is.
		get = append(get, "CTY_CODE")
	}
	q := []string{"get=" + strings.Join(get, ",")}
	if cty != "" {
		// The recorded URI lists a job's partners with commas, unescaped
		// as the API writes lists.
		parts := strings.Split(cty, ",")
		for i, p := range parts {
			parts[i] = url.QueryEscape(p)
		}
		q = append(q, "CTY_CODE="+strings.Join(parts, ","))
	}
	q = append(q, "COMM_LVL="+url.QueryEscape(level))
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
	public := s.requestURL(m)
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
	urls := s.requests(m, true)
	resp, wait, err := httpget.Get(ctx, s.client, httpget.Request{
		URL: urls[0], Accept: "application/json", Prev: prev,
		MaxBody: maxBody, NoData: []int{http.StatusNoContent}, Now: s.now,
	})
	if resp == nil || err != nil {
		return nil, wait, err
	}
	// A connection cut mid-body ends in a clean EOF when the server sent
	// neither a Content-Length nor chunks; then the JSON must be whole.
	// Otherwise httpget has seen the body's end, and validating the JSON
	// here inflated and scanned every response once more before Parse
	// did: 16% of a backfill's CPU (docs/BENCHMARKS.md). A plain body must
	// still look like the API's array, so an error page sent with 200 is
	// retried as before; Parse rejects any other malformed body, as a
	// permanent error naming it. Delimited speaks for the last hop only: a
	// proxy that ends a cut upstream body cleanly hides the cut, and then
	// Parse fails the month and the next run fetches it again. (Saved
	// responses replayed from file:// may be gzipped.)
	if !resp.Delimited {
		if body, err := gunzipped(resp.Body); err != nil || !json.Valid(body) {
			return nil, 0, fmt.Errorf("truncated or invalid JSON body (%d bytes)", len(resp.Body))
		}
	} else if !isGzip(resp.Body) && !bracketed(resp.Body) {
		return nil, 0, fmt.Errorf("body is not a JSON array (%d bytes)", len(resp.Body))
	}
	body, sum := resp.Body, resp.SHA256
	if len(urls) > 1 {
		// The other partners and the detail lines come out with the same
		// FT-900 release, so the first answer's validators stand for the
		// whole.
		var err error
		if body, err = s.withMore(ctx, body, urls[1:]); err != nil {
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
		URI:          s.requestURL(m),
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

// bracketed says b, spaces aside, starts with [ and ends with ], as every
// answer of the API (an array of rows) does.
func bracketed(b []byte) bool {
	b = bytes.TrimSpace(b)
	return len(b) >= 2 && b[0] == '[' && b[len(b)-1] == ']'
}

// withMore fetches the further requests of a release (other partners,
// HS10 detail prefixes) and appends their records to main, one response
// in the API's format (the header once). A request with no data (204)
// adds nothing; a header that differs from the main one is an error, as
// is any failed request (the whole release is retried).
func (s *Source) withMore(ctx context.Context, main []byte, urls []string) ([]byte, error) {
	var rows []json.RawMessage
	// Not permanent: the main body's JSON was not checked at fetch when
	// the transport framed it, so this may be a cut the retry mends.
	if b, err := gunzipped(main); err != nil || json.Unmarshal(b, &rows) != nil || len(rows) == 0 {
		return nil, fmt.Errorf("census response is not a JSON array with a header: %v", err)
	}
	for _, u := range urls {
		what := queryLabel(u)
		resp, _, err := httpget.Get(ctx, s.client, httpget.Request{
			URL: u, Accept: "application/json",
			MaxBody: maxBody, NoData: []int{http.StatusNoContent}, Now: s.now,
		})
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		if resp == nil || len(resp.Body) == 0 {
			continue
		}
		var more []json.RawMessage
		b, err := gunzipped(resp.Body)
		if err != nil || json.Unmarshal(b, &more) != nil {
			return nil, fmt.Errorf("%s: truncated or invalid JSON body (%d bytes)", what, len(resp.Body))
		}
		if len(more) == 0 {
			continue
		}
		if strings.Join(strings.Fields(string(more[0])), "") != strings.Join(strings.Fields(string(rows[0])), "") {
			return nil, sources.Permanent(fmt.Errorf("%s: header %s differs from the first answer's header %s", what, more[0], rows[0]))
		}
		rows = append(rows, more[1:]...)
	}
	return json.Marshal(rows)
}

// queryLabel names a further request in errors without its key: its
// partner and commodity predicates (CTY_CODE=5820 E_COMMODITY=2710*), or
// the file it replays.
func queryLabel(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "request"
	}
	if u.Scheme == "file" {
		return u.Path
	}
	q := u.Query()
	var parts []string
	for _, k := range []string{"CTY_CODE", "E_COMMODITY", "I_COMMODITY", "COMM_LVL"} {
		if v := q.Get(k); v != "" {
			parts = append(parts, k+"="+v)
		}
	}
	if len(parts) == 0 {
		return "request"
	}
	return strings.Join(parts, " ")
}

package gacc

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tradepipe/tradepipe/sources"
)

// pageServer serves one release page with an ETag and a Last-Modified date
// and answers conditional requests as a real server does.
type pageServer struct {
	mu           sync.Mutex
	body         string
	etag         string // empty: none sent
	lastModified time.Time
	// script is a list of statuses to answer first, before the page.
	script []int
	// seen records each request's conditional headers.
	seen []string
}

func (p *pageServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.seen = append(p.seen, r.URL.Path+" inm="+r.Header.Get("If-None-Match")+" ims="+r.Header.Get("If-Modified-Since"))
	if len(p.script) > 0 {
		st := p.script[0]
		p.script = p.script[1:]
		if st == http.StatusServiceUnavailable {
			w.Header().Set("Retry-After", "7")
		}
		http.Error(w, "scripted "+http.StatusText(st), st)
		return
	}
	if r.URL.Path == "/missing.html" {
		http.NotFound(w, r)
		return
	}
	if p.etag != "" {
		w.Header().Set("ETag", p.etag)
		if r.Header.Get("If-None-Match") == p.etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
	}
	if !p.lastModified.IsZero() {
		w.Header().Set("Last-Modified", p.lastModified.UTC().Format(http.TimeFormat))
		if p.etag == "" {
			if t, err := http.ParseTime(r.Header.Get("If-Modified-Since")); err == nil && !p.lastModified.After(t) {
				w.WriteHeader(http.StatusNotModified)
				return
			}
		}
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = w.Write([]byte(p.body))
}

func (p *pageServer) set(f func(*pageServer)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	f(p)
}

func (p *pageServer) requests() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.seen...)
}

func fetchSource(t *testing.T, base string) (*Source, *[]time.Duration) {
	t.Helper()
	s, err := New(Options{BaseURL: base, MaxAttempts: 3, BaseBackoff: time.Second, MaxBackoff: 10 * time.Second}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	var waits []time.Duration
	s.sleep = func(_ context.Context, d time.Duration) error { waits = append(waits, d); return nil }
	s.jitter = func(d time.Duration) time.Duration { return d }
	s.now = func() time.Time { return fetched }
	return s, &waits
}

func readPage(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestFetchIfModifiedETag(t *testing.T) {
	srv := &pageServer{body: readPage(t, "release_2017_12.html"), etag: `"v1"`}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	s, _ := fetchSource(t, ts.URL+"/statistics/{year}/{month}.html")
	ctx := context.Background()

	rel, err := s.Fetch(ctx, m(2017, 12), t.TempDir())
	if err != nil || rel == nil {
		t.Fatalf("first fetch: %v, %v", rel, err)
	}
	if rel.URI != ts.URL+"/statistics/2017/12.html" || rel.Month != m(2017, 12) || rel.Ext != "html" || rel.ETag != `"v1"` {
		t.Errorf("release = %+v", rel)
	}
	if err := s.Parse(ctx, rel, &sink{}); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(rel.ReleaseID, "20180123T000000Z-") {
		t.Errorf("release id %q: the page's PubDate should name the vintage", rel.ReleaseID)
	}
	// The pipeline passes back the validators of the published fetch.
	if none, err := s.FetchIfModified(ctx, m(2017, 12), t.TempDir(), sources.ValidatorsOf(rel)); none != nil || !errors.Is(err, sources.ErrNotModified) {
		t.Fatalf("unchanged page: %v, %v; want ErrNotModified on 304", none, err)
	}
	if s.NotModified != 1 {
		t.Errorf("NotModified = %d", s.NotModified)
	}
	// A revision: new content, new ETag, fetched in full.
	srv.set(func(p *pageServer) {
		p.body = strings.Replace(p.body, "15,450,123.4", "15,460,000", 1)
		p.etag = `"v2"`
	})
	rev, err := s.FetchIfModified(ctx, m(2017, 12), t.TempDir(), sources.ValidatorsOf(rel))
	if err != nil || rev == nil || rev.SHA256 == rel.SHA256 || rev.ETag != `"v2"` {
		t.Fatalf("revised page: %+v, %v", rev, err)
	}
	got := srv.requests()
	want := []string{
		"/statistics/2017/12.html inm= ims=",
		`/statistics/2017/12.html inm="v1" ims=`,
		`/statistics/2017/12.html inm="v1" ims=`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("requests:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestFetchIfModifiedLastModified(t *testing.T) {
	lm := time.Date(2018, 1, 23, 2, 0, 0, 0, time.UTC)
	srv := &pageServer{body: readPage(t, "release_2020_01-02.html"), lastModified: lm}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	s, _ := fetchSource(t, ts.URL+"/latest.html")
	ctx := context.Background()
	rel, err := s.Fetch(ctx, m(2020, 2), t.TempDir())
	if err != nil || rel == nil || rel.LastModified == "" || !rel.Month.IsZero() {
		t.Fatalf("fetch: %+v, %v (a URL without {month} names no month)", rel, err)
	}
	if none, err := s.FetchIfModified(ctx, m(2020, 3), t.TempDir(), sources.ValidatorsOf(rel)); none != nil || !errors.Is(err, sources.ErrNotModified) {
		t.Fatalf("unchanged page: %v, %v", none, err)
	}
	if got := srv.requests(); !strings.HasSuffix(got[1], "ims="+lm.Format(http.TimeFormat)) {
		t.Errorf("second request = %q, want If-Modified-Since", got[1])
	}
}

func TestFetchStatuses(t *testing.T) {
	ctx := context.Background()
	t.Run("retry 503 honouring Retry-After", func(t *testing.T) {
		srv := &pageServer{body: readPage(t, "release_2017_12.html"), script: []int{503, 502}}
		ts := httptest.NewServer(srv)
		defer ts.Close()
		s, waits := fetchSource(t, ts.URL+"/p.html")
		rel, err := s.Fetch(ctx, m(2017, 12), t.TempDir())
		if err != nil || rel == nil {
			t.Fatalf("%v, %v", rel, err)
		}
		if s.Retries != 2 || len(*waits) != 2 || (*waits)[0] != 7*time.Second || (*waits)[1] != 2*time.Second {
			t.Errorf("retries %d waits %v, want 7s (Retry-After) then 2s", s.Retries, *waits)
		}
	})
	t.Run("404 is not out yet", func(t *testing.T) {
		ts := httptest.NewServer(&pageServer{})
		defer ts.Close()
		s, _ := fetchSource(t, ts.URL+"/missing.html")
		if rel, err := s.Fetch(ctx, m(2026, 10), t.TempDir()); rel != nil || err != nil {
			t.Errorf("%v, %v; want (nil, nil)", rel, err)
		}
	})
	t.Run("403 is permanent", func(t *testing.T) {
		ts := httptest.NewServer(&pageServer{script: []int{403}})
		defer ts.Close()
		s, _ := fetchSource(t, ts.URL+"/p.html")
		_, err := s.Fetch(ctx, m(2017, 12), t.TempDir())
		if !errors.Is(err, sources.ErrPermanent) || s.Retries != 0 || !strings.Contains(err.Error(), "HTTP 403") {
			t.Errorf("err = %v, retries %d", err, s.Retries)
		}
	})
	t.Run("a page cut before its table ends is retried, then fails", func(t *testing.T) {
		ts := httptest.NewServer(&pageServer{body: "<html><table><tr><td>Japan"})
		defer ts.Close()
		s, _ := fetchSource(t, ts.URL+"/p.html")
		_, err := s.Fetch(ctx, m(2017, 12), t.TempDir())
		if err == nil || errors.Is(err, sources.ErrPermanent) || s.Retries != 2 || !strings.Contains(err.Error(), "attempt 3 of 3") {
			t.Errorf("err = %v, retries %d", err, s.Retries)
		}
	})
	t.Run("no base_url", func(t *testing.T) {
		s, _ := fetchSource(t, "")
		if _, err := s.Fetch(ctx, m(2017, 12), t.TempDir()); !errors.Is(err, sources.ErrPermanent) {
			t.Errorf("err = %v", err)
		}
	})
}

func TestLatestRelease(t *testing.T) {
	cases := map[string]string{
		"2020-04-19": "2020-02", // March's data are not out before the 20th of April
		"2020-04-21": "2020-03",
		"2021-01-05": "2020-11",
	}
	for day, want := range cases {
		now, _ := time.Parse("2006-01-02", day)
		if got := LatestRelease(now).String(); got != want {
			t.Errorf("LatestRelease(%s) = %s, want %s", day, got, want)
		}
	}
}

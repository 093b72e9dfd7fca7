package census

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/tradepipe/tradepipe/internal/civil"
	"github.com/tradepipe/tradepipe/sources"
)

// versioned serves apr2020 with the given validators and answers 304 to a
// request whose conditional headers match them, as a CDN does. It records
// the conditional headers it received.
type versioned struct {
	etag, lastModified string
	calls              int
	got                []sources.Validators
}

func (v *versioned) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	v.calls++
	in := sources.Validators{ETag: r.Header.Get("If-None-Match"), LastModified: r.Header.Get("If-Modified-Since")}
	v.got = append(v.got, in)
	if (v.etag != "" && in.ETag == v.etag) || (v.etag == "" && v.lastModified != "" && in.LastModified == v.lastModified) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	if v.etag != "" {
		w.Header().Set("ETag", v.etag)
	}
	if v.lastModified != "" {
		w.Header().Set("Last-Modified", v.lastModified)
	}
	_, _ = w.Write([]byte(apr2020))
}

func TestFetchIfModified(t *testing.T) {
	m := civil.Month{Year: 2020, Month: time.April}
	lm := "Wed, 03 Jun 2020 12:30:00 GMT"
	for _, tc := range []struct {
		name string
		srv  *versioned
		want sources.Validators
	}{
		{"etag", &versioned{etag: `"v1"`}, sources.Validators{ETag: `"v1"`}},
		{"last-modified", &versioned{lastModified: lm}, sources.Validators{LastModified: lm}},
		{"both", &versioned{etag: `W/"v1"`, lastModified: lm}, sources.Validators{ETag: `W/"v1"`, LastModified: lm}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hs := httptest.NewServer(tc.srv)
			defer hs.Close()
			var waits []time.Duration
			s := newTestSource(t, hs.URL, &waits)
			ctx := context.Background()

			rel, err := s.FetchIfModified(ctx, m, t.TempDir(), sources.Validators{})
			if err != nil || rel == nil {
				t.Fatalf("first fetch: %v, %v", rel, err)
			}
			if got := sources.ValidatorsOf(rel); got != tc.want {
				t.Fatalf("validators = %+v, want %+v", got, tc.want)
			}
			rel, err = s.FetchIfModified(ctx, m, t.TempDir(), sources.ValidatorsOf(rel))
			if !errors.Is(err, sources.ErrNotModified) || rel != nil {
				t.Fatalf("second fetch = %v, %v; want ErrNotModified", rel, err)
			}
			if tc.srv.calls != 2 || len(waits) != 0 || s.Retries != 0 {
				t.Errorf("%d calls, waits %v: a 304 must not be retried", tc.srv.calls, waits)
			}
			if tc.srv.got[0] != (sources.Validators{}) || tc.srv.got[1] != tc.want {
				t.Errorf("conditional headers sent: %+v", tc.srv.got)
			}
			// Changed upstream: the old validators get the new body.
			tc.srv.etag, tc.srv.lastModified = tc.srv.etag+"2", "Thu, 04 Jun 2020 12:30:00 GMT"
			if rel, err := s.FetchIfModified(ctx, m, t.TempDir(), tc.want); err != nil || rel == nil {
				t.Fatalf("fetch after change: %v, %v", rel, err)
			}
		})
	}
}

// A 304 to a request that was not conditional is a server fault: an error,
// never taken as "not modified" (which would skip the month silently).
func TestUnaskedNotModifiedIsAnError(t *testing.T) {
	srv := &server{t: t, steps: steps(status(http.StatusNotModified, ""))}
	hs := httptest.NewServer(srv)
	defer hs.Close()
	var waits []time.Duration
	s := newTestSource(t, hs.URL, &waits)
	rel, err := s.Fetch(context.Background(), civil.Month{Year: 2020, Month: time.April}, t.TempDir())
	if err == nil || errors.Is(err, sources.ErrNotModified) || rel != nil {
		t.Fatalf("fetch = %v, %v; want an error that is not ErrNotModified", rel, err)
	}
}

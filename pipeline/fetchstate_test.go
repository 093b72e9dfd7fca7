package pipeline

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/tradepipe/tradepipe/sinks/lake/laketest"

	"github.com/tradepipe/tradepipe/internal/civil"
	"github.com/tradepipe/tradepipe/sinks/lake"
	"github.com/tradepipe/tradepipe/sinks/publish"
	"github.com/tradepipe/tradepipe/sources/census"
)

// etagServer serves one Census response under an ETag and answers 304 to a
// matching If-None-Match.
type etagServer struct {
	mu       sync.Mutex
	etag     string
	body     string
	calls    int
	notMod   int
	lastCond string
}

func (s *etagServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	s.lastCond = r.Header.Get("If-None-Match")
	if s.lastCond == s.etag {
		s.notMod++
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Set("ETag", s.etag)
	_, _ = w.Write([]byte(s.body))
}

func (s *etagServer) set(etag, body string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.etag, s.body = etag, body
}

// The validators of a published fetch are stored per job and month and
// sent on the next run; a 304 is "unchanged" and writes nothing. A fetch
// whose publish failed stores no validators, so the next run gets the
// whole input again.
func TestConditionalFetch(t *testing.T) {
	ctx := context.Background()
	apr := civil.Month{Year: 2020, Month: time.April}
	body := func(value string) string {
		return "[" + header + `,["120190","SOYBEANS","` + value + `","1","KG","5700","HS6","2020-04"]]`
	}
	srv := &etagServer{}
	srv.set(`"v1"`, body("100"))
	hs := httptest.NewServer(srv)
	defer hs.Close()
	src, err := census.New(census.Options{Flow: "export", Partner: "5700", BaseURL: hs.URL, MaxAttempts: 1}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	job := &Job{Name: "census-live", Source: "census", Parser: src, Fetcher: src}
	l, _ := lake.NewDir(t.TempDir())
	key := "_state/v1/fetch/census-live/2020-04.json"

	// A failed publish: nothing remembered.
	crash := errors.New("crash")
	res := newRunner(t, l, func(publish.Step, string) error { return crash }).RunMonth(ctx, job, apr)
	if !anyFailed(res) {
		t.Fatalf("crashed run: %+v", res)
	}
	if _, err := l.Stat(ctx, key); !errors.Is(err, lake.ErrNotExist) {
		t.Fatalf("validators stored after a failed publish: %v", err)
	}

	r := newRunner(t, l, nil)
	for i, step := range []struct {
		etag, value string
		want        Status
		cond        string // If-None-Match the server should get
	}{
		{`"v1"`, "100", StatusWritten, ""},
		{`"v1"`, "100", StatusUnchanged, `"v1"`}, // 304
		{`"v2"`, "250", StatusWritten, `"v1"`},   // changed upstream
		{`"v2"`, "250", StatusUnchanged, `"v2"`},
	} {
		srv.set(step.etag, body(step.value))
		before := laketest.Snapshot(t, l)
		res := r.RunMonth(ctx, job, apr)
		if len(res) != 1 || res[0].Status != step.want {
			t.Fatalf("step %d: %+v, want %s", i, res, step.want)
		}
		if srv.lastCond != step.cond {
			t.Errorf("step %d: server got If-None-Match %q, want %q", i, srv.lastCond, step.cond)
		}
		if step.want == StatusUnchanged {
			if got := laketest.Changed(before, laketest.Snapshot(t, l)); len(got) != 0 {
				t.Errorf("step %d: not-modified run wrote %v", i, got)
			}
		}
		rec, err := r.loadFetchRecord(ctx, job, apr)
		if err != nil || rec == nil || rec.ETag != step.etag {
			t.Errorf("step %d: fetch record %+v, %v", i, rec, err)
		}
	}
	if srv.notMod != 2 {
		t.Errorf("%d answers were 304, want 2", srv.notMod)
	}
	// Forgotten validators: the next fetch is unconditional.
	if err := r.ForgetFetch(ctx, job, apr); err != nil {
		t.Fatal(err)
	}
	if res := r.RunMonth(ctx, job, apr); len(res) != 1 || res[0].Status != StatusUnchanged || srv.lastCond != "" || srv.notMod != 2 {
		t.Errorf("after ForgetFetch: %+v, If-None-Match %q", res, srv.lastCond)
	}
}

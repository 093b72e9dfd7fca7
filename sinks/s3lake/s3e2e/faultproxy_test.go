package s3e2e_test

import (
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Kinds of injected faults.
const (
	fault500       = "500 InternalError"
	fault503       = "503 SlowDown"
	faultReset     = "reset before forwarding"
	faultLost      = "reset after forwarding (applied, response lost)"
	faultLostCond  = "reset after forwarding a conditional PUT"
	faultDelay     = "delay 300ms"
	faultTruncated = "GET body cut short, then reset"
)

// faultProxy forwards to an S3 endpoint and, at rate, injects a fault
// instead of (or around) forwarding.
type faultProxy struct {
	t      *testing.T
	rate   float64
	proxy  *httputil.ReverseProxy
	srv    *httptest.Server
	mu     sync.Mutex
	rng    *rand.Rand
	faults map[string]int
	reqs   atomic.Int64
}

func newFaultProxy(t *testing.T, target string, rate float64, seed uint64) *faultProxy {
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	p := &faultProxy{t: t, rate: rate, rng: rand.New(rand.NewPCG(seed, seed)), faults: map[string]int{}}
	p.proxy = httputil.NewSingleHostReverseProxy(u) // keeps the signed Host header
	p.proxy.ErrorLog = nil
	p.srv = httptest.NewServer(p)
	t.Cleanup(p.srv.Close)
	return p
}

func (p *faultProxy) URL() string { return p.srv.URL }

func (p *faultProxy) pick(r *http.Request) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.rng.Float64() >= p.rate {
		return ""
	}
	kinds := []string{fault500, fault503, faultReset, faultLost, faultDelay}
	if r.Method == http.MethodGet && !r.URL.Query().Has("list-type") {
		kinds = append(kinds, faultTruncated)
	}
	k := kinds[p.rng.IntN(len(kinds))]
	if k == faultLost && r.Method == http.MethodPut && (r.Header.Get("If-None-Match") != "" || r.Header.Get("If-Match") != "") {
		k = faultLostCond
	}
	p.faults[k]++
	return k
}

func (p *faultProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.reqs.Add(1)
	switch p.pick(r) {
	case fault500:
		_, _ = io.Copy(io.Discard, r.Body)
		s3Error(w, 500, "InternalError", "injected")
	case fault503:
		_, _ = io.Copy(io.Discard, r.Body)
		s3Error(w, 503, "SlowDown", "injected")
	case faultReset:
		_, _ = io.Copy(io.Discard, r.Body)
		reset(w)
	case faultLost, faultLostCond:
		rec := httptest.NewRecorder()
		p.proxy.ServeHTTP(rec, r)
		reset(w)
	case faultDelay:
		time.Sleep(300 * time.Millisecond)
		p.proxy.ServeHTTP(w, r)
	case faultTruncated:
		rec := httptest.NewRecorder()
		p.proxy.ServeHTTP(rec, r)
		body := rec.Body.Bytes()
		if rec.Code != http.StatusOK || len(body) < 2 {
			reset(w)
			return
		}
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(body[:len(body)/2])
		w.(http.Flusher).Flush()
		reset(w)
	default:
		p.proxy.ServeHTTP(w, r)
	}
}

func s3Error(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(status)
	fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>%s</Code><Message>%s</Message></Error>`, code, msg)
}

// reset closes the client's connection with a TCP RST.
func reset(w http.ResponseWriter) {
	conn, _, err := w.(http.Hijacker).Hijack()
	if err != nil {
		return
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}

func (p *faultProxy) report() (requests int64, total int, kinds string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	var parts []string
	for k, n := range p.faults {
		total += n
		parts = append(parts, fmt.Sprintf("%s: %d", k, n))
	}
	sort.Strings(parts)
	return p.reqs.Load(), total, strings.Join(parts, "; ")
}

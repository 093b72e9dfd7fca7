package server

import (
	"fmt"
	"mime"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Limits and timeouts of the listener; see Serve. They bound what idle or
// slow clients can hold: 2,000 idle keep-alive connections used to hold
// 2,000 descriptors for as long as the clients liked.
const (
	readHeaderTimeout = 10 * time.Second
	readTimeout       = 30 * time.Second
	writeTimeout      = 60 * time.Second
	idleTimeout       = 30 * time.Second
	maxHeaderBytes    = 32 << 10
	maxBodyBytes      = 64 << 10
)

// httpServer is the http.Server Serve runs.
func (s *Server) httpServer() *http.Server {
	return &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
	}
}

// guard is the middleware every request passes: the Host check against
// DNS rebinding and, for mutating calls, the cross-origin check. Auth,
// then jsonBody, come after, in mutating.
func (s *Server) guard(next http.Handler) http.Handler {
	cop := http.NewCrossOriginProtection()
	for _, o := range s.opts.TrustedOrigins {
		// Validated by the config; a bad one is refused here too.
		if err := cop.AddTrustedOrigin(o); err != nil {
			s.logger.Warn("server: ignoring trusted origin", "origin", o, "err", err)
		}
	}
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusForbidden, "cross-origin request refused: a web page may not call this API")
	}))
	return cop.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !s.hostAllowed(r.Host) {
			writeError(w, http.StatusMisdirectedRequest, fmt.Sprintf("host %.80q is not served here (allowed: loopback names%s)", r.Host, s.allowedNote()))
			return
		}
		next.ServeHTTP(w, r)
	}))
}

// jsonBody answers 415 unless a POST (or any call with a body) says
// Content-Type: application/json, which neither an HTML form nor a
// cross-site fetch without a CORS preflight can send, and bounds the body.
// It runs after auth, so that a caller without a token hears 401 first.
func jsonBody(w http.ResponseWriter, r *http.Request) bool {
	if r.Method == http.MethodPost || r.ContentLength > 0 {
		mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if err != nil || mt != "application/json" {
			writeError(w, http.StatusUnsupportedMediaType, "mutating calls need Content-Type: application/json")
			return false
		}
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxBodyBytes)
	return true
}

// hostAllowed reports whether the Host header names this server: a
// configured host, or on a loopback listener a loopback name. A page on
// evil.example whose name was rebound to 127.0.0.1 sends its own name.
func (s *Server) hostAllowed(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.ToLower(strings.TrimSuffix(strings.Trim(host, "[]"), "."))
	for _, a := range s.opts.AllowedHosts {
		if strings.EqualFold(a, host) {
			return true
		}
	}
	if s.opts.Loopback {
		if host == "localhost" || strings.HasSuffix(host, ".localhost") {
			return true
		}
		ip := net.ParseIP(host)
		return ip != nil && ip.IsLoopback()
	}
	// A listener on other interfaces answers to any name unless names
	// are configured; its mutating calls need the token anyway.
	return len(s.opts.AllowedHosts) == 0
}

func (s *Server) allowedNote() string {
	if len(s.opts.AllowedHosts) == 0 {
		return ""
	}
	return ", " + strings.Join(s.opts.AllowedHosts, ", ")
}

// bearer returns the token of an Authorization header; the scheme is
// case-insensitive (RFC 9110 §11.1).
func bearer(h string) (string, bool) {
	scheme, tok, ok := strings.Cut(strings.TrimSpace(h), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	tok = strings.TrimSpace(tok)
	return tok, tok != ""
}

// coalescer keeps at most one manual run of a job waiting behind the one
// in progress: a burst of POST .../runs starts one run, not one each.
type coalescer struct {
	mu     sync.Mutex
	queued map[string]string // job → id of the request waiting to run
	active map[string]int    // job → manual runs started and not returned
}

// admit returns the id that answers a request for a manual run of job,
// and whether a new run must be started with it.
func (c *coalescer) admit(job, id string) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.queued == nil {
		c.queued, c.active = map[string]string{}, map[string]int{}
	}
	if q, ok := c.queued[job]; ok {
		return q, false
	}
	c.active[job]++
	if c.active[job] > 1 {
		c.queued[job] = id
	}
	return id, true
}

// done says a manual run of job returned; the one queued behind it, if
// any, now holds the job, so a later request queues a new one.
func (c *coalescer) done(job string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.active[job]--
	delete(c.queued, job)
}

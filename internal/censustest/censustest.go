// Package censustest serves a stand-in for the Census Bureau's trade API
// on 127.0.0.1, speaking its response format, for tests that need a live
// source: any month gets a small HS6 response, with optional delay,
// scripted failures and held months, and every request is counted.
package censustest

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"time"
)

// Server is a running fake API.
type Server struct {
	*httptest.Server
	mu       sync.Mutex
	requests map[string]int // by time= value
	delay    time.Duration
	fail     map[string]int // 500s left per month
	log      []string
	held     map[string]bool
	release  chan struct{} // closed by Release
	waiting  int           // requests waiting at a hold
	arrived  map[string]chan struct{}
}

// New starts a server; close it with Close.
func New() *Server {
	s := &Server{requests: map[string]int{}, fail: map[string]int{}, held: map[string]bool{}, release: make(chan struct{}), arrived: map[string]chan struct{}{}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// SetDelay makes every answer wait d (or until the client gives up).
func (s *Server) SetDelay(d time.Duration) {
	s.mu.Lock()
	s.delay = d
	s.mu.Unlock()
}

// Fail makes the next n requests for month (YYYY-MM) answer 500.
func (s *Server) Fail(month string, n int) {
	s.mu.Lock()
	s.fail[month] = n
	s.mu.Unlock()
}

// Hold makes requests for months (YYYY-MM) wait until Release (or until
// the client gives up): a test can then act while those months are in
// flight, whatever the machine's speed.
func (s *Server) Hold(months ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, m := range months {
		s.held[m] = true
		s.arrivedLocked(m)
	}
}

// Arrived returns a channel closed when a request for month (YYYY-MM)
// first waits at its hold: a test waits on it, not on a clock, before it
// acts on the request in flight.
func (s *Server) Arrived(month string) <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.arrivedLocked(month)
}

func (s *Server) arrivedLocked(month string) chan struct{} {
	c, ok := s.arrived[month]
	if !ok {
		c = make(chan struct{})
		s.arrived[month] = c
	}
	return c
}

// Release lets every held request, and every later one, through.
func (s *Server) Release() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.held)
	close(s.release)
	s.release = make(chan struct{})
}

// Waiting returns how many requests are waiting at a hold now.
func (s *Server) Waiting() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.waiting
}

// Requests returns how many requests month (YYYY-MM) got.
func (s *Server) Requests(month string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests[month]
}

// Log returns the months requested, in order.
func (s *Server) Log() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.log...)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	month := r.URL.Query().Get("time")
	s.mu.Lock()
	s.requests[month]++
	s.log = append(s.log, month)
	delay := s.delay
	fail := s.fail[month] > 0
	if fail {
		s.fail[month]--
	}
	held, release := s.held[month], s.release
	if held {
		s.waiting++
		if c := s.arrivedLocked(month); !isClosed(c) {
			close(c)
		}
	}
	s.mu.Unlock()
	if held {
		select {
		case <-release:
		case <-r.Context().Done():
		}
		s.mu.Lock()
		s.waiting--
		s.mu.Unlock()
		if r.Context().Err() != nil {
			return
		}
	}
	if delay > 0 {
		select {
		case <-time.After(delay):
		case <-r.Context().Done():
			return
		}
	}
	if fail {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	if r.URL.Query().Get("get") == "" || month == "" {
		http.Error(w, "error: missing get or time", http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "application/json;charset=utf-8")
	fmt.Fprintf(w, `[["E_COMMODITY","E_COMMODITY_LDESC","ALL_VAL_MO","QTY_1_MO","UNIT_QY1","CTY_CODE","COMM_LVL","time"],
["120190","SOYBEANS, OTHER THAN SEED","%d","1000","KG","5700","HS6","%s"],
["880240","AIRPLANES > 15,000 KG","%d","1","NO","5700","HS6","%s"]]`, 100000+len(month), month, 5000000, month)
}

func isClosed(c chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

// Package censustest serves a stand-in for the Census Bureau's trade API
// on 127.0.0.1, speaking its response format, for tests that need a live
// source: any month gets a small response, with optional delay, scripted
// failures and held months, and every request is counted.
//
// Exports (exports/hs: E_COMMODITY, ALL_VAL_MO) and imports (imports/hs:
// I_COMMODITY, GEN_VAL_MO, CON_VAL_MO) at the level asked (COMM_LVL). A
// request with CTY_CODE answers for that partner; one without answers for
// every partner of Partners and, as the real API does, for the groupings
// (GroupCodes: the total "-", the European Union 0003, North America 1XXX)
// too. Answer gives the records a request gets, so tests can count them.
package censustest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"
)

// Partners are the Schedule C codes an all-partner answer covers, each
// with its own number of lines (Lines).
var Partners = []string{"1220", "5700", "5820", "5830"}

// GroupCodes are the groupings an all-partner answer carries besides.
var GroupCodes = []string{"-", "0003", "1XXX"}

// lines are the commodity lines of the synthetic set, per level.
var lines = map[string][][2]string{
	"HS6": {
		{"120190", "SOYBEANS, OTHER THAN SEED"},
		{"880240", "AIRPLANES > 15,000 KG"},
		{"271111", "NATURAL GAS, LIQUEFIED"},
		{"847130", "PORTABLE COMPUTERS"},
	},
	"HS10": {
		{"1201900095", "SOYBEANS, OTHER THAN SEED, NESOI"},
		{"8802400000", "AIRPLANES > 15,000 KG"},
		{"2711110000", "NATURAL GAS, LIQUEFIED"},
		{"8471300100", "PORTABLE COMPUTERS, <= 10 KG"},
		{"2710122500", "NAPHTHA"},
	},
}

// Lines is how many lines partner cty has at level: partners differ, so
// a test that counts rows per partner can tell them apart. The first two
// partners keep the two-line answer older tests were written against.
func Lines(cty, level string) int {
	all := lines[level]
	if all == nil {
		all = lines["HS6"]
	}
	switch cty {
	case "5700", "1220":
		return 2
	case "5820":
		return min(3, len(all))
	}
	return len(all)
}

// Answer returns the records (header first) the API gives for flow
// (export or import), partner cty ("" for every partner and the
// groupings), level and month (YYYY-MM) at vintage v (0 first; a later
// vintage revises every value, as a revised release does).
func Answer(flow, cty, level, month string, v int) [][]string {
	if level == "" {
		level = "HS6"
	}
	comm, desc, val, qty := "E_COMMODITY", "E_COMMODITY_LDESC", "ALL_VAL_MO", "QTY_1_MO"
	if flow == "import" {
		comm, desc, val, qty = "I_COMMODITY", "I_COMMODITY_LDESC", "GEN_VAL_MO", "GEN_QY1_MO"
	}
	head := []string{comm, desc, val, qty, "UNIT_QY1"}
	if flow == "import" {
		head = append(head, "CON_VAL_MO")
	}
	ctys := []string{cty}
	if cty == "" {
		head = append(head, "CTY_CODE") // asked for in get=
		ctys = append(append([]string{}, Partners...), GroupCodes...)
	}
	head = append(head, "CTY_CODE", "COMM_LVL", "time")
	out := [][]string{head}
	all := lines[level]
	if all == nil {
		all = lines["HS6"]
	}
	for _, c := range ctys {
		n := len(all)
		if !strings.ContainsAny(c, "-X") && !strings.HasPrefix(c, "00") {
			n = Lines(c, level)
		}
		for i := range n {
			// The first line keeps the value older tests were written
			// against (100000 + len(month)); the rest vary by partner.
			value := 100000 + len(month)
			if i > 0 {
				value = 5000000 * i
			}
			value += 1000 * v
			if c != "5700" {
				value += 10 * int(c[len(c)-1]) // partners differ
			}
			qty, unit := "1000", "KG"
			if i%2 == 1 {
				qty, unit = "1", "NO"
			}
			rec := []string{all[i][0], all[i][1], fmt.Sprint(value), qty, unit}
			if flow == "import" {
				rec = append(rec, fmt.Sprint(value-value/10)) // consumption: a tenth went to bonded warehouses
			}
			if cty == "" {
				rec = append(rec, c)
			}
			out = append(out, append(rec, c, level, month))
		}
	}
	return out
}

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
	vintage  int
	urls     []string
}

// SetVintage makes every later answer vintage v (see Answer).
func (s *Server) SetVintage(v int) {
	s.mu.Lock()
	s.vintage = v
	s.mu.Unlock()
}

// URLs returns the request URLs, in order.
func (s *Server) URLs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.urls...)
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
	s.urls = append(s.urls, r.URL.String())
	vintage := s.vintage
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
	q := r.URL.Query()
	flow := "export"
	if strings.HasSuffix(r.URL.Path, "/imports/hs") {
		flow = "import"
	}
	body, err := json.Marshal(Answer(flow, q.Get("CTY_CODE"), q.Get("COMM_LVL"), month, vintage))
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json;charset=utf-8")
	_, _ = w.Write(body)
}

func isClosed(c chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

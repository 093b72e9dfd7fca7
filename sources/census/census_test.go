package census

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cockroachdb/apd/v3"

	"github.com/tradepipe/tradepipe/internal/civil"
	"github.com/tradepipe/tradepipe/internal/schema"
	"github.com/tradepipe/tradepipe/sources"
)

const apr2020 = `[["E_COMMODITY","E_COMMODITY_LDESC","ALL_VAL_MO","QTY_1_MO","UNIT_QY1","CTY_CODE","COMM_LVL","time"],
["120190","SOYBEANS, OTHER THAN SEED","338768735","891496672","KG","5700","HS6","2020-04"],
["020329","MEAT OF SWINE, FROZEN, NESOI","97000000","0","-","5700","HS6","2020-04"]]`

// server answers with the scripted responses in order, then 500s.
type server struct {
	t       *testing.T
	steps   []func(w http.ResponseWriter, r *http.Request)
	calls   atomic.Int32
	lastURL atomic.Value
}

func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n := int(s.calls.Add(1)) - 1
	s.lastURL.Store(r.URL.String())
	if n >= len(s.steps) {
		http.Error(w, "no more scripted answers", 500)
		return
	}
	s.steps[n](w, r)
}

func ok(body string) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json;charset=utf-8")
		_, _ = w.Write([]byte(body))
	}
}

func status(code int, body string, hdr ...string) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i+1 < len(hdr); i += 2 {
			w.Header().Set(hdr[i], hdr[i+1])
		}
		w.WriteHeader(code)
		_, _ = w.Write([]byte(body))
	}
}

// truncated announces a full body and sends half of it, as a dropped
// connection does.
func truncated(body string) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", fmt.Sprint(len(body)))
		_, _ = w.Write([]byte(body[:len(body)/2]))
	}
}

// closeCut answers with neither a Content-Length nor chunks and drops
// the connection just after the first record of body: the client reads a
// clean EOF, and the body still ends in "]".
func closeCut(body string) func(http.ResponseWriter, *http.Request) {
	cut := strings.Index(body, "],\n[") + 1 // after the header
	cut += strings.Index(body[cut:], "],\n[") + 1
	return func(w http.ResponseWriter, r *http.Request) {
		conn, rw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			panic(err)
		}
		defer conn.Close()
		_, _ = rw.WriteString("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n" + body[:cut])
		_ = rw.Flush()
	}
}

// echoURL answers code with the request URL in the body, as the Census
// API's error pages do.
func echoURL(code int) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "error: invalid request "+r.URL.RequestURI(), code)
	}
}

func newTestSource(t *testing.T, base string, waits *[]time.Duration) *Source {
	t.Helper()
	s, err := New(Options{Flow: "export", Partner: "5700", Level: "HS6", BaseURL: base, APIKey: "s3cr3tkey", MaxAttempts: 4}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	s.sleep = func(_ context.Context, d time.Duration) error { *waits = append(*waits, d); return nil }
	s.jitter = func(d time.Duration) time.Duration { return d } // deterministic: the full window
	s.now = func() time.Time { return time.Date(2020, 6, 1, 12, 0, 0, 0, time.UTC) }
	return s
}

func TestFetch(t *testing.T) {
	for _, tc := range []struct {
		name      string
		steps     []func(http.ResponseWriter, *http.Request)
		wantRows  bool
		wantNil   bool
		wantErr   string
		permanent bool
		wantWaits []time.Duration
	}{
		{name: "ok", steps: steps(ok(apr2020)), wantRows: true},
		{name: "no content is no data", steps: steps(status(204, "")), wantNil: true},
		{name: "bad request is permanent", steps: steps(status(400, "error: unknown variable 'E_COMMODITYX'")),
			wantErr: "HTTP 400: error: unknown variable 'E_COMMODITYX'", permanent: true},
		// Issue 12: the API echoes the request URL, key included, in its
		// error pages; from the error it reached logs, the ledger and the API.
		{name: "error body echoing the URL keeps the key out", steps: steps(echoURL(400)),
			wantErr: "HTTP 400: error: invalid request /exports/hs?get=", permanent: true},
		{name: "5xx body echoing the URL keeps the key out", steps: steps(echoURL(500), echoURL(503), echoURL(500), echoURL(500)),
			wantErr: "key=REDACTED", wantWaits: []time.Duration{time.Second, 2 * time.Second, 4 * time.Second}},
		{name: "429 honours Retry-After", steps: steps(status(429, "slow down", "Retry-After", "7"), ok(apr2020)),
			wantRows: true, wantWaits: []time.Duration{7 * time.Second}},
		{name: "500 then success backs off", steps: steps(status(500, "oops"), status(503, "busy"), ok(apr2020)),
			wantRows: true, wantWaits: []time.Duration{time.Second, 2 * time.Second}},
		{name: "truncated body is retried", steps: steps(truncated(apr2020), ok(apr2020)),
			wantRows: true, wantWaits: []time.Duration{time.Second}},
		// Only the JSON shows this cut (the body ends in "]"): the fetch
		// checks it is whole.
		{name: "body cut at a clean EOF is retried", steps: steps(closeCut(apr2020), ok(apr2020)),
			wantRows: true, wantWaits: []time.Duration{time.Second}},
		{name: "error page sent with 200 is retried", steps: steps(status(200, "<html>Service Unavailable</html>"), ok(apr2020)),
			wantRows: true, wantWaits: []time.Duration{time.Second}},
		{name: "gives up after max attempts", steps: steps(status(500, "a"), status(500, "b"), status(502, "c"), status(500, "d")),
			wantErr: "attempt 4 of 4", wantWaits: []time.Duration{time.Second, 2 * time.Second, 4 * time.Second}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := &server{t: t, steps: tc.steps}
			ts := httptest.NewServer(srv)
			defer ts.Close()
			var waits []time.Duration
			s := newTestSource(t, ts.URL, &waits)
			rel, err := s.Fetch(context.Background(), civil.Month{Year: 2020, Month: 4}, t.TempDir())
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				if errors.Is(err, sources.ErrPermanent) != tc.permanent {
					t.Errorf("permanent = %v, want %v", !tc.permanent, tc.permanent)
				}
				if strings.Contains(err.Error(), "s3cr3tkey") {
					t.Errorf("error leaks the API key: %v", err)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			if tc.wantNil && rel != nil {
				t.Fatalf("release = %+v, want nil for 204", rel)
			}
			if tc.wantRows {
				if rel == nil {
					t.Fatal("no release")
				}
				b, _ := os.ReadFile(rel.Path)
				if string(b) != apr2020 {
					t.Errorf("spooled body differs")
				}
				if strings.Contains(rel.URI, "s3cr3tkey") || !strings.Contains(rel.URI, "time=2020-04") {
					t.Errorf("URI = %s: must name the month and never the key", rel.URI)
				}
				if rel.Month != (civil.Month{Year: 2020, Month: 4}) || len(rel.SHA256) != 64 || !strings.HasPrefix(rel.ReleaseID, "20200601T120000Z-") {
					t.Errorf("release = %+v", rel)
				}
			}
			if fmt.Sprint(waits) != fmt.Sprint(tc.wantWaits) {
				t.Errorf("waits = %v, want %v", waits, tc.wantWaits)
			}
			u, _ := srv.lastURL.Load().(string)
			for _, want := range []string{"/exports/hs?", "get=E_COMMODITY,E_COMMODITY_LDESC,ALL_VAL_MO,QTY_1_MO,UNIT_QY1", "CTY_CODE=5700", "COMM_LVL=HS6", "time=2020-04", "key=s3cr3tkey"} {
				if !strings.Contains(u, want) {
					t.Errorf("request %s lacks %s", u, want)
				}
			}
		})
	}
}

func steps(s ...func(http.ResponseWriter, *http.Request)) []func(http.ResponseWriter, *http.Request) {
	return s
}

func TestFetchStopsOnCancel(t *testing.T) {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { http.Error(w, "down", http.StatusServiceUnavailable) }))
	defer ts.Close()
	s, err := New(Options{Flow: "export", Partner: "5700", BaseURL: ts.URL, MaxAttempts: 100, BaseBackoff: time.Hour}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = s.Fetch(ctx, civil.Month{Year: 2020, Month: 4}, t.TempDir())
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want deadline exceeded", err)
	}
	if time.Since(start) > 10*time.Second {
		t.Fatalf("Fetch ignored its context for %v", time.Since(start))
	}
}

// recorder is a sources.Emitter that keeps what it gets.
type recorder struct {
	flows   []*schema.TradeFlow
	rejects []*schema.Rejected
	counts  map[string]int64
}

func (r *recorder) TradeFlow(f *schema.TradeFlow) error { r.flows = append(r.flows, f); return nil }
func (r *recorder) TradeTotal(*schema.TradeTotal) error { return errors.New("unexpected total") }
func (r *recorder) Shipment(*schema.Shipment) error     { return errors.New("unexpected shipment") }
func (r *recorder) Reject(x *schema.Rejected) error     { r.rejects = append(r.rejects, x); return nil }
func (r *recorder) Count(name string, n int64) {
	if r.counts == nil {
		r.counts = map[string]int64{}
	}
	r.counts[name] += n
}
func (r *recorder) Warn(string) {}

func release(t *testing.T, body string, m civil.Month) *sources.Release {
	t.Helper()
	p := filepath.Join(t.TempDir(), "resp.json")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return &sources.Release{Source: "census", URI: "test://resp.json", Path: p, SHA256: strings.Repeat("a", 64), ReleaseID: "r1", Month: m}
}

func TestParse(t *testing.T) {
	body := `[["E_COMMODITY","E_COMMODITY_LDESC","ALL_VAL_MO","QTY_1_MO","UNIT_QY1","CTY_CODE","COMM_LVL","time"],
["020130","BOVINE CUTS BONE IN, FRESH","1234","10","KG","5700","HS6","2020-04"],
["20130","LOST ITS LEADING ZERO","5","1","KG","5700","HS6","2020-04"],
["880240","AIRPLANES","99.5","","NO","5700","HS6","2020-04"],
["12AB","BAD CODE","1","1","KG","5700","HS6","2020-04"],
["120190","SUPPRESSED","(D)","1","KG","5700","HS6","2020-04"],
["120190","NEGATIVE","-5","1","KG","5700","HS6","2020-04"],
["120190","UNKNOWN COUNTRY","5","1","KG","9999","HS6","2020-04"],
["120190","BAD MONTH","5","1","KG","5700","HS6","2020-4x"],
["120190","OTHER MONTH","5","1","KG","5700","HS6","2020-05"],
["120190","SHORT"],
["120190","BAD QTY KEEPS VALUE","7","lots","KG","5700","HS6","2020-04"],
["120190","SUBCENT","1.001","1","KG","5700","HS6","2020-04"]]`
	s, err := New(Options{Flow: "export", Partner: "5700"}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	apr := civil.Month{Year: 2020, Month: 4}
	if err := s.Parse(context.Background(), release(t, body, apr), rec); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range rec.flows {
		q := "null"
		if f.Quantity != nil {
			q = fmt.Sprint(*f.Quantity)
		}
		got = append(got, fmt.Sprintf("%s %s %s %s %s %s q=%s %s", f.Period, f.Reporter, f.Partner, f.Flow, f.HSCode, f.ValueUSD.String(), q, f.Valuation))
	}
	want := []string{
		"2020-04 US CN export 020130 1234 q=10 FAS",
		"2020-04 US CN export 020130 5 q=1 FAS",
		"2020-04 US CN export 880240 99.5 q=null FAS",
		"2020-04 US CN export 120190 7 q=null FAS",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("rows:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	var codes []string
	for _, r := range rec.rejects {
		codes = append(codes, fmt.Sprintf("%d:%s", r.Row, r.ReasonCode))
		if r.Row == 0 || len(r.RawCells) == 0 || r.SourceURI != "test://resp.json" || r.Dataset != schema.DatasetTradeFlows {
			t.Errorf("reject lacks provenance: %+v", r)
		}
	}
	wantCodes := "4:bad_hs_code 5:bad_value 6:bad_value 7:bad_country 8:bad_date 9:wrong_period 10:short_row 12:bad_value"
	if strings.Join(codes, " ") != wantCodes {
		t.Errorf("rejects = %s\nwant      %s", strings.Join(codes, " "), wantCodes)
	}
	// A reject whose month is known counts against that month's partition.
	if p := rec.rejects[0].Target.Path; p != "trade_flows/source=census/flow=export/year=2020/month=04" {
		t.Errorf("reject target = %q", p)
	}
}

func TestParseWholeFileErrors(t *testing.T) {
	s, err := New(Options{Flow: "export", Partner: "5700"}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	for name, body := range map[string]string{
		"not json":        `<html>Service Unavailable</html>`,
		"truncated":       apr2020[:len(apr2020)/2],
		"empty array":     `[]`,
		"imports header":  `[["I_COMMODITY","GEN_VAL_MO","CTY_CODE","time"],["120190","1","5700","2020-04"]]`,
		"object not rows": `{"error":"x"}`,
	} {
		t.Run(name, func(t *testing.T) {
			err := s.Parse(context.Background(), release(t, body, civil.Month{}), &recorder{})
			if err == nil || !errors.Is(err, sources.ErrPermanent) || !strings.Contains(err.Error(), "test://resp.json") {
				t.Fatalf("err = %v: want a permanent error naming the input", err)
			}
		})
	}
}

func TestParseImports(t *testing.T) {
	body := `[["I_COMMODITY","I_COMMODITY_LDESC","GEN_VAL_MO","GEN_QY1_MO","UNIT_QY1","CTY_CODE","COMM_LVL","time"],
["8471300100","PORTABLE COMPUTERS","1000000","200","NO","5700","HS10","2020-04"]]`
	s, err := New(Options{Flow: "import", Partner: "5700", Level: "HS10"}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	if err := s.Parse(context.Background(), release(t, body, civil.Month{}), rec); err != nil {
		t.Fatal(err)
	}
	if len(rec.flows) != 1 || rec.flows[0].HSCode != "8471300100" || rec.flows[0].Flow != "import" || rec.flows[0].Valuation != "CUSTOMS" {
		t.Fatalf("flows = %+v", rec.flows)
	}
}

func TestLatestRelease(t *testing.T) {
	for _, tc := range []struct {
		now  time.Time
		want civil.Month
	}{
		{time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC), civil.Month{Year: 2026, Month: 9}},
		{time.Date(2026, 11, 3, 0, 0, 0, 0, time.UTC), civil.Month{Year: 2026, Month: 8}},
		{time.Date(2021, 1, 10, 0, 0, 0, 0, time.UTC), civil.Month{Year: 2020, Month: 11}},
	} {
		if got := LatestRelease(tc.now); got != tc.want {
			t.Errorf("LatestRelease(%v) = %v, want %v", tc.now, got, tc.want)
		}
	}
}

// A gzipped response is read by its magic bytes, whatever it is called;
// a corrupt one is a permanent error naming the input.
func TestParseGzip(t *testing.T) {
	s, err := New(Options{Flow: "export", Partner: "5700"}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	var zb bytes.Buffer
	zw := gzip.NewWriter(&zb)
	if _, err := zw.Write([]byte(apr2020)); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	if err := s.Parse(context.Background(), release(t, zb.String(), civil.Month{}), rec); err != nil {
		t.Fatal(err)
	}
	if len(rec.flows) != 2 || rec.flows[0].HSCode != "120190" || len(rec.rejects) != 0 {
		t.Fatalf("flows %+v rejects %+v", rec.flows, rec.rejects)
	}
	bad := zb.Bytes()[:zb.Len()/2]
	err = s.Parse(context.Background(), release(t, string(bad), civil.Month{}), &recorder{})
	if err == nil || !errors.Is(err, sources.ErrPermanent) || !strings.Contains(err.Error(), "gzip") || !strings.Contains(err.Error(), "test://resp.json") {
		t.Fatalf("truncated gzip: %v", err)
	}
}

// The bundled real responses parse with no rejects, to the dollar of
// examples/census/MANIFEST.tsv.
func TestParseRealExamples(t *testing.T) {
	s, err := New(Options{Flow: "export", Partner: "5700", Level: "HS6"}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		file string
		rows int
		sum  string
	}{
		{"exports-hs6-5700-2017-01.json.gz", 2814, "9955522802"},
		{"exports-hs6-5700-2020-04.json.gz", 0, ""},
	} {
		b, err := os.ReadFile(filepath.Join("..", "..", "examples", "census", tc.file))
		if err != nil {
			t.Fatal(err)
		}
		rec := &recorder{}
		if err := s.Parse(context.Background(), release(t, string(b), civil.Month{}), rec); err != nil {
			t.Fatal(err)
		}
		if len(rec.rejects) != 0 || len(rec.flows) == 0 {
			t.Fatalf("%s: %d rows, %d rejects", tc.file, len(rec.flows), len(rec.rejects))
		}
		if tc.rows == 0 {
			continue
		}
		var sum apd.Decimal
		for _, f := range rec.flows {
			if _, err := apd.BaseContext.Add(&sum, &sum, &f.ValueUSD); err != nil {
				t.Fatal(err)
			}
		}
		if len(rec.flows) != tc.rows || sum.Text('f') != tc.sum {
			t.Errorf("%s: %d rows summing to %s, manifest %d and %s", tc.file, len(rec.flows), sum.Text('f'), tc.rows, tc.sum)
		}
	}
}

// With Detail, the release holds the HS6 answer and the HS10 lines of each
// prefix (E_COMMODITY=2710*&COMM_LVL=HS10), one response; a prefix without
// data (204) adds nothing.
func TestFetchHS10Detail(t *testing.T) {
	hs6 := `[["E_COMMODITY","E_COMMODITY_LDESC","ALL_VAL_MO","QTY_1_MO","UNIT_QY1","CTY_CODE","COMM_LVL","time"],
["271012","LIGHT OILS","1000","0","-","5700","HS6","2020-04"],
["120190","SOYBEANS","500","0","-","5700","HS6","2020-04"]]`
	hs10 := `[["E_COMMODITY","E_COMMODITY_LDESC","ALL_VAL_MO","QTY_1_MO","UNIT_QY1","CTY_CODE","COMM_LVL","time"],
["2710122500","NAPHTHA","700","0","BBL","5700","HS10","2020-04"],
["2710121500","OTHER LIGHT OILS","300","0","BBL","5700","HS10","2020-04"]]`
	var seen []string
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		seen = append(seen, q.Get("COMM_LVL")+" "+q.Get("E_COMMODITY"))
		switch {
		case q.Get("COMM_LVL") == "HS6" && q.Get("E_COMMODITY") == "":
			_, _ = w.Write([]byte(hs6))
		case q.Get("COMM_LVL") == "HS10" && q.Get("E_COMMODITY") == "2710*":
			_, _ = w.Write([]byte(hs10))
		case q.Get("COMM_LVL") == "HS10" && q.Get("E_COMMODITY") == "2711*":
			w.WriteHeader(http.StatusNoContent)
		default:
			http.Error(w, "unexpected query "+r.URL.RawQuery, 400)
		}
	}))
	defer ts.Close()
	var waits []time.Duration
	s := newTestSource(t, ts.URL, &waits)
	s.opts.Detail = []string{"2710", "2711"}
	apr := civil.Month{Year: 2020, Month: 4}
	rel, err := s.Fetch(context.Background(), apr, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(seen, ",") != "HS6 ,HS10 2710*,HS10 2711*" {
		t.Errorf("requests %v", seen)
	}
	rec := &recorder{}
	if err := s.Parse(context.Background(), rel, rec); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range rec.flows {
		got = append(got, f.HSCode+"="+f.ValueUSD.String())
	}
	if strings.Join(got, " ") != "271012=1000 120190=500 2710122500=700 2710121500=300" || len(rec.rejects) != 0 {
		t.Fatalf("rows %v rejects %v", got, rec.rejects)
	}
	if strings.Contains(rel.URI, "s3cr3tkey") {
		t.Error("URI leaks the key")
	}
}

// An answer without a CTY_CODE predicate carries every partner and the
// API's groupings. An all-partner job keeps every country and drops the
// groupings, counted; a one-partner job fed the same answer also drops
// the other countries, counted; a code that is neither is quarantined.
func TestParsePartners(t *testing.T) {
	body := `[["E_COMMODITY","E_COMMODITY_LDESC","ALL_VAL_MO","QTY_1_MO","UNIT_QY1","CTY_CODE","CTY_CODE","COMM_LVL","time"],
["1201900095","SOYBEANS","100","1","KG","5700","5700","HS10","2020-04"],
["1201900095","SOYBEANS","200","1","KG","5820","5820","HS10","2020-04"],
["1201900095","SOYBEANS","300","1","KG","-","-","HS10","2020-04"],
["1201900095","SOYBEANS","400","1","KG","0003","0003","HS10","2020-04"],
["1201900095","SOYBEANS","500","1","KG","5XXX","5XXX","HS10","2020-04"],
["1201900095","SOYBEANS","600","1","KG","9999","9999","HS10","2020-04"],
["8802400000","AIRPLANES","700","1","NO","1220","1220","HS10","2020-04"]]`
	apr := civil.Month{Year: 2020, Month: 4}
	cases := []struct {
		name   string
		opts   Options
		rows   string
		counts map[string]int64
	}{
		{"all", Options{AllPartners: true}, "CN=100 HK=200 CA=700", map[string]int64{CounterGroupRows: 3}},
		{"china", Options{Partner: "5700"}, "CN=100", map[string]int64{CounterGroupRows: 3, CounterOtherPartnerRows: 2}},
		{"list", Options{Partners: []string{"5820", "1220"}}, "HK=200 CA=700", map[string]int64{CounterGroupRows: 3, CounterOtherPartnerRows: 1}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.opts.Flow, c.opts.Level = "export", "HS10"
			s, err := New(c.opts, nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			rec := &recorder{}
			if err := s.Parse(context.Background(), release(t, body, apr), rec); err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, f := range rec.flows {
				got = append(got, f.Partner+"="+f.ValueUSD.String())
			}
			if strings.Join(got, " ") != c.rows {
				t.Errorf("rows %v, want %s", got, c.rows)
			}
			if fmt.Sprint(rec.counts) != fmt.Sprint(c.counts) {
				t.Errorf("counts %v, want %v", rec.counts, c.counts)
			}
			if len(rec.rejects) != 1 || rec.rejects[0].ReasonCode != schema.ReasonBadCountry || rec.rejects[0].Row != 6 {
				t.Errorf("rejects %+v: want row 6 bad_country", rec.rejects)
			}
		})
	}
}

// Imports keep both values: general imports in ValueUSD, imports for
// consumption beside it; a consumption value that is not an amount
// quarantines the row, naming the field.
func TestParseImportsBothValues(t *testing.T) {
	body := `[["I_COMMODITY","I_COMMODITY_LDESC","GEN_VAL_MO","GEN_QY1_MO","UNIT_QY1","CON_VAL_MO","CTY_CODE","COMM_LVL","time"],
["8471300100","PORTABLE COMPUTERS","1000000","200","NO","900000","5700","HS10","2020-04"],
["8471300100","PORTABLE COMPUTERS","1000000","200","NO","(D)","5700","HS10","2020-04"]]`
	s, err := New(Options{Flow: "import", Partner: "5700", Level: "HS10"}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	if err := s.Parse(context.Background(), release(t, body, civil.Month{}), rec); err != nil {
		t.Fatal(err)
	}
	if len(rec.flows) != 1 || rec.flows[0].ValueUSD.String() != "1000000" || rec.flows[0].ConsumptionValueUSD == nil ||
		rec.flows[0].ConsumptionValueUSD.String() != "900000" || rec.flows[0].Valuation != "CUSTOMS" {
		t.Fatalf("flows %+v", rec.flows)
	}
	r, err := rec.flows[0].Record()
	if err != nil || r.ConsumptionValueUSD == nil || *r.ConsumptionValueUSD != 90000000 || r.ValueUSD != 100000000 {
		t.Fatalf("record %+v (%v)", r, err)
	}
	if len(rec.rejects) != 1 || rec.rejects[0].Field != "CON_VAL_MO" || rec.rejects[0].ReasonCode != schema.ReasonBadValue {
		t.Fatalf("rejects %+v", rec.rejects)
	}
}

func TestFileGroupAndPartnerOptions(t *testing.T) {
	many := []string{"1220", "2010", "5700", "5820", "5830", "5880", "4280", "4120", "5800"}
	for _, c := range []struct {
		opts Options
		want string
	}{
		{Options{Partner: "5700"}, "partner-CN"},
		{Options{Partners: []string{"5820", "5700"}}, "partners-CN-HK"},
		{Options{AllPartners: true}, "partners-all"},
		{Options{Partners: many}, "partners-9-"},
		{Options{}, "exactly one of"},
		{Options{Partner: "5700", AllPartners: true}, "exactly one of"},
		{Options{Partners: []string{"0003"}}, `partner "0003" is not a Schedule C`},
		{Options{Partners: []string{"5700", "5700"}}, `partner "5700" given twice`},
	} {
		c.opts.Flow = "export"
		s, err := New(c.opts, nil, nil)
		got := ""
		if err != nil {
			got = err.Error()
		} else {
			got = s.FileGroup()
		}
		if !strings.Contains(got, c.want) {
			t.Errorf("%+v: %q, want %q", c.opts, got, c.want)
		}
	}
	// The many-partner name is stable and differs from a neighbour set's.
	a, _ := New(Options{Flow: "export", Partners: many}, nil, nil)
	b, _ := New(Options{Flow: "export", Partners: many[1:]}, nil, nil)
	if a.FileGroup() == b.FileGroup() || len(a.FileGroup()) != len("partners-9-")+8 {
		t.Errorf("file groups %s %s", a.FileGroup(), b.FileGroup())
	}
}

// A list job asks once per partner and its release is one response: the
// further answers' records appended, their header checked.
func TestFetchPartnerList(t *testing.T) {
	var seen []string
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cty := r.URL.Query().Get("CTY_CODE")
		seen = append(seen, cty)
		fmt.Fprintf(w, `[["E_COMMODITY","E_COMMODITY_LDESC","ALL_VAL_MO","QTY_1_MO","UNIT_QY1","CTY_CODE","COMM_LVL","time"],
["120190","SOYBEANS","%s00","0","-","%s","HS6","2020-04"]]`, cty[:2], cty)
	}))
	defer ts.Close()
	var waits []time.Duration
	s := newTestSource(t, ts.URL, &waits)
	s.opts.Partner, s.codes, s.want = "", []string{"5700", "5820"}, map[string]bool{"5700": true, "5820": true}
	rel, err := s.Fetch(context.Background(), civil.Month{Year: 2020, Month: 4}, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(seen, ",") != "5700,5820" || !strings.Contains(rel.URI, "CTY_CODE=5700,5820&") {
		t.Fatalf("requests %v, URI %s", seen, rel.URI)
	}
	rec := &recorder{}
	if err := s.Parse(context.Background(), rel, rec); err != nil {
		t.Fatal(err)
	}
	if len(rec.flows) != 2 || rec.flows[0].Partner != "CN" || rec.flows[1].Partner != "HK" || rec.flows[1].ValueUSD.String() != "5800" {
		t.Fatalf("flows %+v", rec.flows)
	}
}

// GroupPartners reads back every name FileGroup gives, and nothing else.
func TestGroupPartners(t *testing.T) {
	var s *Source
	for _, o := range []Options{
		{Flow: "export", Partner: "5700"},
		{Flow: "export", Partners: []string{"5820", "5700"}},
		{Flow: "export", AllPartners: true},
	} {
		o.BaseURL = "http://127.0.0.1:1"
		src, err := New(o, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		got, ok := s.GroupPartners(src.FileGroup())
		if !ok || !slices.Equal(got, src.Partners()) {
			t.Errorf("GroupPartners(%q) = %v, %v; want %v", src.FileGroup(), got, ok, src.Partners())
		}
	}
	for _, name := range []string{"part-00000", "partners-9-1a2b3c4d", "partner-", "partner-cn", "partners-CN--HK", "partners-CN-HKG", "partners-A-B-C-D-E-F-G-H-I", "partners-AA-BB-CC-DD-EE-FF-GG-HH-II"} {
		if got, ok := s.GroupPartners(name); ok {
			t.Errorf("GroupPartners(%q) = %v, want not ok", name, got)
		}
	}
}

package httpget

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tradepipe/tradepipe/sources"
)

// Issue 12: an upstream error body that echoes the request URL put the
// Census API key into 42 log lines, the summary and every ledger file.
func TestErrorBodyWithoutSecrets(t *testing.T) {
	const key = "c3nsus-k3y-0123456789"
	for _, status := range []int{400, 503} {
		ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			u, _ := url.QueryUnescape(r.URL.RawQuery)
			http.Error(w, "error: unknown variable in request "+r.URL.Path+"?"+u+" (key "+r.URL.Query().Get("key")+")", status)
		}))
		_, _, err := Get(t.Context(), ts.Client(), Request{URL: ts.URL + "/data?get=X&time=2020-01&key=" + key, MaxBody: 1 << 20, Now: time.Now})
		ts.Close()
		if err == nil {
			t.Fatalf("HTTP %d: no error", status)
		}
		if strings.Contains(err.Error(), key) || !strings.Contains(err.Error(), "unknown variable") || !strings.Contains(err.Error(), "time=2020-01") {
			t.Errorf("HTTP %d: %v", status, err)
		}
		if status == 400 && !errors.Is(err, sources.ErrPermanent) {
			t.Errorf("400 not permanent: %v", err)
		}
	}
}

// Delimited is true exactly when net/http would have reported a cut
// body, and each such cut is a retryable error: the census source skips
// its own check that the JSON is whole for those bodies.
func TestDelimited(t *testing.T) {
	const body = `[["E_COMMODITY","ALL_VAL_MO"],["120190","5"]]`
	gz := func() []byte {
		var b bytes.Buffer
		zw := gzip.NewWriter(&b)
		_, _ = zw.Write([]byte(body))
		_ = zw.Close()
		return b.Bytes()
	}()
	// closeDelimited answers HTTP/1.1 with neither a length nor chunks and
	// closes the connection after the first n bytes of the body.
	closeDelimited := func(n int) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			conn, rw, err := http.NewResponseController(w).Hijack()
			if err != nil {
				t.Error(err)
				return
			}
			defer conn.Close()
			_, _ = rw.WriteString("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n" + body[:n])
			_ = rw.Flush()
		}
	}
	for _, tc := range []struct {
		name      string
		h2        bool
		handler   http.HandlerFunc
		delimited bool
		wantErr   bool // a cut the transport saw: retryable
	}{
		{name: "content-length", delimited: true, handler: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", fmt.Sprint(len(body)))
			_, _ = w.Write([]byte(body))
		}},
		{name: "content-length cut", wantErr: true, handler: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", fmt.Sprint(len(body)))
			_, _ = w.Write([]byte(body[:10]))
		}},
		{name: "chunked", delimited: true, handler: func(w http.ResponseWriter, r *http.Request) {
			_, _ = w.Write([]byte(body[:10]))
			w.(http.Flusher).Flush() // headers out without a length: chunked
			_, _ = w.Write([]byte(body[10:]))
		}},
		{name: "chunked cut", wantErr: true, handler: func(w http.ResponseWriter, r *http.Request) {
			_, _ = w.Write([]byte(body[:10]))
			w.(http.Flusher).Flush()
			panic(http.ErrAbortHandler) // the connection drops before the last chunk
		}},
		{name: "gzip decoded by the transport", delimited: true, handler: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Encoding", "gzip")
			_, _ = w.Write(gz)
		}},
		{name: "gzip cut", wantErr: true, handler: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Encoding", "gzip")
			_, _ = w.Write(gz[:len(gz)-6])
		}},
		{name: "http2", h2: true, delimited: true, handler: func(w http.ResponseWriter, r *http.Request) {
			if r.ProtoMajor != 2 {
				t.Errorf("request over %s, want HTTP/2", r.Proto)
			}
			_, _ = w.Write([]byte(body[:10]))
			w.(http.Flusher).Flush()
			_, _ = w.Write([]byte(body[10:]))
		}},
		{name: "close-delimited", delimited: false, handler: closeDelimited(len(body))},
		// The cut the transport cannot see: a clean EOF, so not delimited.
		{name: "close-delimited cut", delimited: false, handler: closeDelimited(10)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ts := httptest.NewUnstartedServer(tc.handler)
			if tc.h2 {
				ts.EnableHTTP2 = true
				ts.StartTLS()
			} else {
				ts.Start()
			}
			defer ts.Close()
			resp, _, err := Get(t.Context(), ts.Client(), Request{URL: ts.URL, MaxBody: 1 << 20, Now: time.Now})
			if tc.wantErr {
				if err == nil || errors.Is(err, sources.ErrPermanent) {
					t.Fatalf("err = %v, want a retryable error", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if resp.Delimited != tc.delimited {
				t.Errorf("Delimited = %v, want %v", resp.Delimited, tc.delimited)
			}
		})
	}
}

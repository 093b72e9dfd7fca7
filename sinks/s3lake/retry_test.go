package s3lake_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tradepipe/tradepipe/sinks/lake"
	"github.com/tradepipe/tradepipe/sinks/s3lake"
)

// stub answers every request with the next of its replies ("" forwards to
// a 200 with an empty body), repeating the last one.
type stub struct {
	replies []string
	n       atomic.Int32
}

func (s *stub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	i := int(s.n.Add(1)) - 1
	reply := s.replies[min(i, len(s.replies)-1)]
	switch reply {
	case "ok":
		w.Header().Set("ETag", `"e"`)
		w.Header().Set("Content-Length", "0")
		w.WriteHeader(200)
	case "stall":
		// Until the client gives up: a stall outlasts ResponseTimeout
		// however the machine's load stretches either.
		// (The server notices a closed connection once the body is read.)
		_, _ = io.Copy(io.Discard, r.Body)
		<-r.Context().Done()
	case "reset":
		conn, _, _ := w.(http.Hijacker).Hijack()
		_ = conn.(*net.TCPConn).SetLinger(0)
		_ = conn.Close()
	default: // "503 SlowDown"
		status, code, _ := strings.Cut(reply, " ")
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(map[string]int{"500": 500, "503": 503, "403": 403, "412": 412, "404": 404}[status])
		if r.Method != http.MethodHead {
			_, _ = w.Write([]byte(`<?xml version="1.0"?><Error><Code>` + code + `</Code><Message>stub</Message></Error>`))
		}
	}
}

func stubLake(t *testing.T, replies ...string) (*s3lake.Lake, *stub) {
	t.Helper()
	t.Setenv("AWS_ACCESS_KEY_ID", "stub")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "stub")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	st := &stub{replies: replies}
	srv := httptest.NewServer(st)
	t.Cleanup(srv.Close)
	l, err := s3lake.New(context.Background(), "b", "p", s3lake.Options{
		Region: "us-east-1", Endpoint: srv.URL, PathStyle: true,
		MaxAttempts: 4, BaseDelay: time.Millisecond, MaxBackoff: 5 * time.Millisecond,
		// Long enough that a loaded machine's prompt reply is never taken
		// for a stall (at 100 ms it could be: one attempt too many).
		ResponseTimeout: time.Second,
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return l, st
}

func TestRetries(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name     string
		replies  []string
		requests int32
		ok       bool
	}{
		{"slow down, then ok", []string{"503 SlowDown", "503 SlowDown", "ok"}, 3, true},
		{"internal error, then ok", []string{"500 InternalError", "ok"}, 2, true},
		{"reset, then ok", []string{"reset", "ok"}, 2, true},
		{"stalled response, then ok", []string{"stall", "ok"}, 2, true},
		{"5xx until attempts run out", []string{"500 InternalError"}, 4, false},
		{"access denied is not retried", []string{"403 AccessDenied"}, 1, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l, st := stubLake(t, tc.replies...)
			err := l.Put(ctx, "k", strings.NewReader("body"))
			if (err == nil) != tc.ok {
				t.Fatalf("put: err = %v, want ok = %v", err, tc.ok)
			}
			if got := st.n.Load(); got != tc.requests {
				t.Fatalf("%d requests, want %d", got, tc.requests)
			}
		})
	}
}

// A conditional PUT whose connection is reset is not blindly repeated: the
// key is read back first.
func TestConditionalPutResolvesUnknownOutcome(t *testing.T) {
	ctx := context.Background()
	// reset on the PUT, then the read-back GET finds another writer's
	// object (the stub's empty body): this writer lost.
	l, st := stubLake(t, "reset", "ok")
	_, err := l.PutIfAbsent(ctx, "lease", strings.NewReader("mine"))
	if !errors.Is(err, lake.ErrPrecondition) {
		t.Fatalf("err = %v, want ErrPrecondition", err)
	}
	if got := st.n.Load(); got != 2 {
		t.Fatalf("%d requests, want 2 (PUT, GET)", got)
	}
	// A 412 on the first attempt is final: no read-back.
	l, st = stubLake(t, "412 PreconditionFailed")
	if _, err := l.PutIfAbsent(ctx, "lease", strings.NewReader("mine")); !errors.Is(err, lake.ErrPrecondition) {
		t.Fatalf("err = %v, want ErrPrecondition", err)
	}
	if got := st.n.Load(); got != 1 {
		t.Fatalf("%d requests, want 1", got)
	}
}

package server

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// pipeListener hands out in-memory connections, so that the server's
// timeouts run on the bubble's fake clock.
type pipeListener struct {
	conns chan net.Conn
	once  sync.Once
	done  chan struct{}
}

func newPipeListener() *pipeListener {
	return &pipeListener{conns: make(chan net.Conn), done: make(chan struct{})}
}

func (l *pipeListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *pipeListener) Close() error   { l.once.Do(func() { close(l.done) }); return nil }
func (l *pipeListener) Addr() net.Addr { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8080} }

func (l *pipeListener) dial() net.Conn {
	client, server := net.Pipe()
	l.conns <- server
	return client
}

// closedAfter reports whether the server closes c within d of fake time
// (and not before d minus a second): it reads until EOF in the bubble.
func closedWithin(t *testing.T, c net.Conn, d time.Duration) {
	t.Helper()
	closed := make(chan struct{})
	go func() {
		_, _ = io.Copy(io.Discard, c)
		close(closed)
	}()
	time.Sleep(d - time.Second)
	synctest.Wait()
	select {
	case <-closed:
		t.Fatalf("closed before %v", d-time.Second)
	default:
	}
	time.Sleep(2 * time.Second)
	synctest.Wait()
	select {
	case <-closed:
	default:
		t.Fatalf("still open after %v", d+time.Second)
	}
}

// Issue 12: the server set no idle or read timeout; 2,000 idle keep-alive
// connections held 2,011 descriptors for 45 s and more. Now an idle
// connection is closed after idleTimeout and a client that never finishes
// its headers after readHeaderTimeout.
func TestIdleAndSlowClientsDropped(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ln := newPipeListener()
		mux := http.NewServeMux()
		mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok") })
		hs := (&Server{handler: mux}).httpServer()
		served := make(chan error, 1)
		go func() { served <- hs.Serve(ln) }()

		idle := ln.dial()
		if _, err := io.WriteString(idle, "GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n"); err != nil {
			t.Fatal(err)
		}
		resp, err := http.ReadResponse(bufio.NewReader(idle), nil)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("response: %v %v", resp, err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		closedWithin(t, idle, idleTimeout)

		slow := ln.dial()
		if _, err := io.WriteString(slow, "GET /healthz HTTP/1.1\r\nHost: local"); err != nil {
			t.Fatal(err)
		}
		closedWithin(t, slow, readHeaderTimeout)

		_ = hs.Close()
		if err := <-served; !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("Serve: %v", err)
		}
	})
}

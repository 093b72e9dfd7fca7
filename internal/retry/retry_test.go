package retry

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestBackoff(t *testing.T) {
	full := func(d time.Duration) time.Duration { return d }
	for _, tc := range []struct {
		attempt int
		want    time.Duration
	}{{1, time.Second}, {2, 2 * time.Second}, {3, 4 * time.Second}, {8, 100 * time.Second}, {40, 100 * time.Second}} {
		if got := Backoff(tc.attempt, time.Second, 100*time.Second, full); got != tc.want {
			t.Errorf("Backoff(%d) = %v, want %v", tc.attempt, got, tc.want)
		}
	}
	half := func(d time.Duration) time.Duration { return d / 2 }
	if got := Backoff(3, time.Second, time.Minute, half); got != 2*time.Second {
		t.Errorf("jittered Backoff(3) = %v, want 2s", got)
	}
	for i := 0; i < 100; i++ {
		if d := FullJitter(time.Second); d < 0 || d >= time.Second {
			t.Fatalf("FullJitter = %v", d)
		}
	}
	if FullJitter(0) != 0 {
		t.Error("FullJitter(0) != 0")
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2020, 6, 1, 12, 0, 0, 0, time.UTC)
	for h, want := range map[string]time.Duration{
		"":                              0,
		"30":                            30 * time.Second,
		"-1":                            0,
		"soon":                          0,
		"Mon, 01 Jun 2020 12:01:00 GMT": time.Minute,
		"Mon, 01 Jun 2020 11:00:00 GMT": 0,
	} {
		if got := RetryAfter(h, now); got != want {
			t.Errorf("RetryAfter(%q) = %v, want %v", h, got, want)
		}
	}
}

func TestSleepEndsWithContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	start := time.Now()
	if err := Sleep(ctx, time.Hour); !errors.Is(err, context.Canceled) || time.Since(start) > time.Second {
		t.Fatalf("Sleep = %v after %v", err, time.Since(start))
	}
	if err := Sleep(context.Background(), time.Millisecond); err != nil {
		t.Fatal(err)
	}
}

func TestSnippetAndScrub(t *testing.T) {
	if got := Snippet(strings.NewReader("  error:\n unknown   variable 'X'  ")); got != "error: unknown variable 'X'" {
		t.Errorf("Snippet = %q", got)
	}
	if got := Snippet(strings.NewReader("")); got != "(empty body)" {
		t.Errorf("Snippet(empty) = %q", got)
	}
	err := Scrub(&url.Error{Op: "Get", URL: "https://api.example/x?key=SECRET", Err: errors.New("connection refused")})
	if strings.Contains(err.Error(), "SECRET") || err.Error() != "Get: connection refused" {
		t.Errorf("Scrub = %q", err)
	}
}

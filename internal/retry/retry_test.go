package retry

import (
	"context"
	"errors"
	"fmt"
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

func TestDo(t *testing.T) {
	final := errors.New("final")
	flaky := errors.New("flaky")
	for _, tc := range []struct {
		name      string
		results   []error         // what each attempt returns
		asked     []time.Duration // Retry-After per attempt
		wantErr   error
		wantCalls int
		wantWaits []time.Duration
	}{
		{name: "first try", results: []error{nil}, wantCalls: 1},
		{name: "retries then succeeds", results: []error{flaky, flaky, nil}, wantCalls: 3, wantWaits: []time.Duration{time.Second, 2 * time.Second}},
		{name: "stops on a final error", results: []error{flaky, final}, wantErr: final, wantCalls: 2, wantWaits: []time.Duration{time.Second}},
		{name: "gives up", results: []error{flaky, flaky, flaky}, wantErr: flaky, wantCalls: 3, wantWaits: []time.Duration{time.Second, 2 * time.Second}},
		{name: "honours Retry-After, capped", results: []error{flaky, flaky, nil}, asked: []time.Duration{5 * time.Second, time.Hour},
			wantCalls: 3, wantWaits: []time.Duration{5 * time.Second, 10 * time.Second}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var waits []time.Duration
			p := Policy{MaxAttempts: 3, Base: time.Second, Max: 10 * time.Second,
				Jitter: func(d time.Duration) time.Duration { return d },
				Sleep:  func(_ context.Context, d time.Duration) error { waits = append(waits, d); return nil }}
			calls := 0
			v, err := Do(context.Background(), p, func(err error) bool { return errors.Is(err, final) },
				func() (int, time.Duration, error) {
					i := calls
					calls++
					var asked time.Duration
					if i < len(tc.asked) {
						asked = tc.asked[i]
					}
					return i, asked, tc.results[i]
				}, nil)
			if !errors.Is(err, tc.wantErr) || (tc.wantErr == nil && err != nil) || calls != tc.wantCalls {
				t.Fatalf("v %d err %v calls %d; want err %v calls %d", v, err, calls, tc.wantErr, tc.wantCalls)
			}
			if tc.wantErr == flaky && !strings.Contains(err.Error(), "attempt 3 of 3") {
				t.Errorf("err %q does not say the attempts", err)
			}
			if fmt.Sprint(waits) != fmt.Sprint(tc.wantWaits) {
				t.Errorf("waits %v, want %v", waits, tc.wantWaits)
			}
		})
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Do(ctx, Policy{MaxAttempts: 5, Base: time.Hour, Max: time.Hour}, func(error) bool { return false },
		func() (int, time.Duration, error) { return 0, 0, errors.New("down") }, nil)
	if err == nil || !strings.Contains(err.Error(), "attempt 1 of 5") {
		t.Errorf("cancelled context: %v, want a stop after the first attempt", err)
	}
}

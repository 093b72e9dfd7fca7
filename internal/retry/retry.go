// Package retry holds the retry policy shared by every fetch: exponential
// backoff with full jitter, Retry-After parsing, a sleep that ends with its
// context, and the helpers that keep HTTP error messages short and free of
// secrets. The pure functions take their randomness and clock as
// arguments, so callers table-test their retry math.
package retry

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Backoff is the wait before retry number attempt (1-based): jitter applied
// to an exponentially growing window (base, 2·base, 4·base, …) capped at max.
func Backoff(attempt int, base, max time.Duration, jitter func(time.Duration) time.Duration) time.Duration {
	window := base
	for i := 1; i < attempt && window < max; i++ {
		window *= 2
	}
	return jitter(min(window, max))
}

// FullJitter returns a uniformly random duration in [0, d).
func FullJitter(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	return rand.N(d)
}

// Sleep waits d, or returns ctx's error as soon as ctx is done.
func Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// RetryAfter reads a Retry-After header, delay-seconds or an HTTP date, as
// a wait from now; 0 when absent, malformed or in the past.
func RetryAfter(h string, now time.Time) time.Duration {
	h = strings.TrimSpace(h)
	if h == "" {
		return 0
	}
	if secs, err := strconv.Atoi(h); err == nil && secs >= 0 {
		return time.Duration(secs) * time.Second
	}
	if t, err := http.ParseTime(h); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// Snippet returns the start of an error response body on one line, for an
// error message.
func Snippet(r io.Reader) string {
	b, _ := io.ReadAll(io.LimitReader(r, 300))
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return "(empty body)"
	}
	return strings.Join(strings.Fields(string(b)), " ")
}

// Scrub drops the request URL, which may carry an API key, from a
// transport error, keeping the operation and the cause.
func Scrub(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s: %w", ue.Op, ue.Err)
	}
	return err
}

// Policy says how often and how long to retry.
type Policy struct {
	MaxAttempts int
	Base, Max   time.Duration                              // backoff window: first, cap
	Jitter      func(time.Duration) time.Duration          // nil: FullJitter
	Sleep       func(context.Context, time.Duration) error // nil: Sleep
}

// Do calls try until it succeeds, fails with an error that stop says is
// final, or p.MaxAttempts attempts have failed; ctx being done also ends
// it. try returns, with a retryable error, the wait the server asked for
// (Retry-After): the wait before the next attempt is the larger of that
// (capped at p.Max) and the backoff. onRetry, when not nil, hears of each
// retry before its wait. A failure is returned as "attempt N of M: err".
func Do[T any](ctx context.Context, p Policy, stop func(error) bool, try func() (T, time.Duration, error), onRetry func(attempt int, wait time.Duration, err error)) (T, error) {
	jitter, sleep := p.Jitter, p.Sleep
	if jitter == nil {
		jitter = FullJitter
	}
	if sleep == nil {
		sleep = Sleep
	}
	for attempt := 1; ; attempt++ {
		v, asked, err := try()
		if err == nil {
			return v, nil
		}
		if stop(err) {
			return v, err
		}
		err = fmt.Errorf("attempt %d of %d: %w", attempt, p.MaxAttempts, err)
		if attempt >= p.MaxAttempts || ctx.Err() != nil {
			return v, err
		}
		wait := Backoff(attempt, p.Base, p.Max, jitter)
		if asked > wait {
			wait = min(asked, p.Max)
		}
		if onRetry != nil {
			onRetry(attempt, wait, err)
		}
		if serr := sleep(ctx, wait); serr != nil {
			return v, fmt.Errorf("%w (while waiting to retry after: %v)", serr, err)
		}
	}
}

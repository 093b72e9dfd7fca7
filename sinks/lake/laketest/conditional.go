package laketest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/tradepipe/tradepipe/sinks/lake"
)

// RunConditional runs the conformance suite of lake.Conditional;
// newLake returns a new, empty lake for each subtest.
func RunConditional(t *testing.T, newLake func(t *testing.T) lake.Conditional) {
	ctx := context.Background()

	t.Run("PutIfAbsent", func(t *testing.T) {
		l := newLake(t)
		etag, err := l.PutIfAbsent(ctx, "l/a", strings.NewReader("first"))
		if err != nil || etag == "" {
			t.Fatalf("put if absent on a missing key = %q, %v", etag, err)
		}
		body, got, err := l.GetVersion(ctx, "l/a")
		if err != nil || string(body) != "first" || got != etag {
			t.Fatalf("get version = %q, %q, %v; want first, %q", body, got, err, etag)
		}
		if _, err := l.PutIfAbsent(ctx, "l/a", strings.NewReader("second")); !errors.Is(err, lake.ErrPrecondition) {
			t.Fatalf("put if absent on an existing key: err = %v, want ErrPrecondition", err)
		}
		if got := get(t, l, "l/a"); got != "first" {
			t.Fatalf("after refused put: %q", got)
		}
		if got := keys(t, l, "l/"); !slices.Equal(got, []string{"l/a"}) {
			t.Fatalf("visible: %v", got)
		}
	})

	t.Run("PutIfMatch", func(t *testing.T) {
		l := newLake(t)
		if _, err := l.PutIfMatch(ctx, "l/a", `"nope"`, strings.NewReader("x")); !errors.Is(err, lake.ErrPrecondition) {
			t.Fatalf("put if match on a missing key: err = %v, want ErrPrecondition", err)
		}
		if _, _, err := l.GetVersion(ctx, "l/a"); !errors.Is(err, lake.ErrNotExist) {
			t.Fatalf("get version of a missing key: err = %v, want ErrNotExist", err)
		}
		e1, err := l.PutIfAbsent(ctx, "l/a", strings.NewReader("v1"))
		if err != nil {
			t.Fatal(err)
		}
		e2, err := l.PutIfMatch(ctx, "l/a", e1, strings.NewReader("v2"))
		if err != nil || e2 == "" || e2 == e1 {
			t.Fatalf("put if match = %q, %v (old etag %q)", e2, err, e1)
		}
		if _, err := l.PutIfMatch(ctx, "l/a", e1, strings.NewReader("v3")); !errors.Is(err, lake.ErrPrecondition) {
			t.Fatalf("put if match with a stale etag: err = %v, want ErrPrecondition", err)
		}
		body, e, err := l.GetVersion(ctx, "l/a")
		if err != nil || string(body) != "v2" || e != e2 {
			t.Fatalf("get version = %q, %q, %v; want v2, %q", body, e, err, e2)
		}
		// A plain Put changes the version too.
		put(t, l, "l/a", "v4")
		if _, err := l.PutIfMatch(ctx, "l/a", e2, strings.NewReader("v5")); !errors.Is(err, lake.ErrPrecondition) {
			t.Fatalf("put if match after an overwrite: err = %v, want ErrPrecondition", err)
		}
		if got := get(t, l, "l/a"); got != "v4" {
			t.Fatalf("content = %q, want v4", got)
		}
	})

	// Racing writers: exactly one wins each round.
	t.Run("OneWinner", func(t *testing.T) {
		l := newLake(t)
		const n = 8
		race := func(op func(i int) error) (winners []int) {
			var mu sync.Mutex
			var wg sync.WaitGroup
			for i := range n {
				wg.Go(func() {
					err := op(i)
					if err != nil && !errors.Is(err, lake.ErrPrecondition) {
						t.Errorf("writer %d: %v", i, err)
					}
					if err == nil {
						mu.Lock()
						winners = append(winners, i)
						mu.Unlock()
					}
				})
			}
			wg.Wait()
			return winners
		}
		w := race(func(i int) error {
			_, err := l.PutIfAbsent(ctx, "race/k", strings.NewReader(fmt.Sprintf("absent-%d", i)))
			return err
		})
		if len(w) != 1 {
			t.Fatalf("put if absent winners = %v, want exactly one", w)
		}
		if got, want := get(t, l, "race/k"), fmt.Sprintf("absent-%d", w[0]); got != want {
			t.Fatalf("content = %q, want the winner's %q", got, want)
		}
		_, etag, err := l.GetVersion(ctx, "race/k")
		if err != nil {
			t.Fatal(err)
		}
		w = race(func(i int) error {
			_, err := l.PutIfMatch(ctx, "race/k", etag, strings.NewReader(fmt.Sprintf("match-%d", i)))
			return err
		})
		if len(w) != 1 {
			t.Fatalf("put if match winners = %v, want exactly one", w)
		}
		if got, want := get(t, l, "race/k"), fmt.Sprintf("match-%d", w[0]); got != want {
			t.Fatalf("content = %q, want the winner's %q", got, want)
		}
		if got := keys(t, l, "race/"); !slices.Equal(got, []string{"race/k"}) {
			t.Fatalf("visible: %v", got)
		}
	})

	t.Run("FailedConditionalPutIsInvisible", func(t *testing.T) {
		l := newLake(t)
		if _, err := l.PutIfAbsent(ctx, "f/a", &failAfter{n: 1 << 10}); err == nil {
			t.Fatal("put if absent with a failing reader succeeded")
		}
		if got := keys(t, l, "f/"); len(got) != 0 {
			t.Fatalf("visible after a failed put: %v", got)
		}
		etag, err := l.PutIfAbsent(ctx, "f/a", strings.NewReader("old"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := l.PutIfMatch(ctx, "f/a", etag, &failAfter{n: 1 << 10}); err == nil {
			t.Fatal("put if match with a failing reader succeeded")
		}
		if body, e, err := l.GetVersion(ctx, "f/a"); err != nil || string(body) != "old" || e != etag {
			t.Fatalf("after a failed put if match: %q, %q, %v", body, e, err)
		}
	})
}

// failAfter yields n bytes, then an error.
type failAfter struct{ n int }

func (f *failAfter) Read(p []byte) (int, error) {
	if f.n <= 0 {
		return 0, errors.New("injected read failure")
	}
	k := min(len(p), f.n)
	for i := range k {
		p[i] = 'x'
	}
	f.n -= k
	return k, nil
}

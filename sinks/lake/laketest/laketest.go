// Package laketest is the conformance suite every lake.Lake implementation
// passes. Call Run and RunPublish from the implementation's tests with a
// constructor that returns an empty lake, and RunConditional when it
// implements lake.Conditional.
package laketest

import (
	"bytes"
	"context"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/tradepipe/tradepipe/sinks/lake"
)

// Run runs the suite; newLake returns a new, empty lake for each subtest.
func Run(t *testing.T, newLake func(t *testing.T) lake.Lake) {
	ctx := context.Background()
	RunReaderAt(t, newLake)

	t.Run("PutGetStat", func(t *testing.T) {
		l := newLake(t)
		put(t, l, "a/b/c.txt", "hello")
		if got := get(t, l, "a/b/c.txt"); got != "hello" {
			t.Fatalf("get = %q, want hello", got)
		}
		o, err := l.Stat(ctx, "a/b/c.txt")
		if err != nil || o.Size != 5 || o.Key != "a/b/c.txt" {
			t.Fatalf("stat = %+v, %v", o, err)
		}
		put(t, l, "a/b/c.txt", "replaced")
		if got := get(t, l, "a/b/c.txt"); got != "replaced" {
			t.Fatalf("get after overwrite = %q", got)
		}
	})

	t.Run("MissingKey", func(t *testing.T) {
		l := newLake(t)
		if _, err := l.Get(ctx, "nope/x"); !errors.Is(err, lake.ErrNotExist) {
			t.Fatalf("get missing: err = %v, want ErrNotExist", err)
		}
		if _, err := l.Stat(ctx, "nope/x"); !errors.Is(err, lake.ErrNotExist) {
			t.Fatalf("stat missing: err = %v, want ErrNotExist", err)
		}
		if err := l.Delete(ctx, "nope/x"); err != nil {
			t.Fatalf("delete missing: %v", err)
		}
	})

	t.Run("ListIsSortedAndPrefixed", func(t *testing.T) {
		l := newLake(t)
		for _, k := range []string{"d/year=2020/month=02/x", "d/year=2020/month=01/y", "d/year=2019/month=12/z", "dd/other", "e/f"} {
			put(t, l, k, k)
		}
		if got, want := keys(t, l, "d/"), []string{"d/year=2019/month=12/z", "d/year=2020/month=01/y", "d/year=2020/month=02/x"}; !slices.Equal(got, want) {
			t.Fatalf("list d/ = %v, want %v", got, want)
		}
		if got, want := keys(t, l, "d"), []string{"d/year=2019/month=12/z", "d/year=2020/month=01/y", "d/year=2020/month=02/x", "dd/other"}; !slices.Equal(got, want) {
			t.Fatalf("list d = %v, want %v", got, want)
		}
		if got := keys(t, l, "zzz/"); len(got) != 0 {
			t.Fatalf("list of empty prefix = %v", got)
		}
	})

	t.Run("DeleteRemoves", func(t *testing.T) {
		l := newLake(t)
		put(t, l, "p/1", "1")
		put(t, l, "p/2", "2")
		if err := l.Delete(ctx, "p/1"); err != nil {
			t.Fatal(err)
		}
		if got := keys(t, l, "p/"); !slices.Equal(got, []string{"p/2"}) {
			t.Fatalf("after delete: %v", got)
		}
	})

	// A put that fails half way (a reader error, a cancelled context) must
	// leave the old object whole and nothing else visible.
	t.Run("FailedPutIsInvisible", func(t *testing.T) {
		l := newLake(t)
		put(t, l, "x/obj", "old")
		bad := io.MultiReader(strings.NewReader(strings.Repeat("n", 1<<16)), errReader{})
		if err := l.Put(ctx, "x/obj", bad); err == nil {
			t.Fatal("put with failing reader succeeded")
		}
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		if err := l.Put(cctx, "x/obj", strings.NewReader("new")); err == nil {
			t.Fatal("put with cancelled context succeeded")
		}
		if err := l.Put(ctx, "x/other", io.MultiReader(strings.NewReader("n"), errReader{})); err == nil {
			t.Fatal("put with failing reader succeeded")
		}
		if got := get(t, l, "x/obj"); got != "old" {
			t.Fatalf("object after failed puts = %q, want old", got)
		}
		if got := keys(t, l, "x/"); !slices.Equal(got, []string{"x/obj"}) {
			t.Fatalf("visible after failed puts: %v", got)
		}
	})

	t.Run("LargeObject", func(t *testing.T) {
		l := newLake(t)
		big := bytes.Repeat([]byte("0123456789abcdef"), 1<<20) // 16 MiB
		if err := l.Put(ctx, "big/blob", bytes.NewReader(big)); err != nil {
			t.Fatal(err)
		}
		got, err := lake.ReadAll(ctx, l, "big/blob")
		if err != nil || !bytes.Equal(got, big) {
			t.Fatalf("large object round trip: %d bytes, %v", len(got), err)
		}
	})

	// Copy replaces dst whole, leaves src as it is, and a later Put of src
	// does not change the copy (a hard link must not share later writes).
	t.Run("CopyReplacesAtomically", func(t *testing.T) {
		l := newLake(t)
		put(t, l, "c/src", "version-1")
		put(t, l, "v/dst", "old")
		if err := l.Copy(ctx, "c/src", "v/dst"); err != nil {
			t.Fatal(err)
		}
		if got := get(t, l, "v/dst"); got != "version-1" {
			t.Fatalf("copy = %q", got)
		}
		put(t, l, "c/src", "version-2")
		if got := get(t, l, "v/dst"); got != "version-1" {
			t.Fatalf("copy after the source was replaced = %q", got)
		}
		if err := l.Copy(ctx, "c/missing", "v/dst"); !errors.Is(err, lake.ErrNotExist) {
			t.Fatalf("copy of a missing key: err = %v, want ErrNotExist", err)
		}
		if got := keys(t, l, "v/"); !slices.Equal(got, []string{"v/dst"}) {
			t.Fatalf("after copies: %v", got)
		}
	})

	t.Run("RejectsBadKeys", func(t *testing.T) {
		l := newLake(t)
		for _, k := range []string{"", "/abs", "../up", "a/../../b", "a//b"} {
			if err := l.Put(ctx, k, strings.NewReader("x")); err == nil {
				t.Errorf("put %q succeeded", k)
			}
		}
	})
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("injected read failure") }

func put(t *testing.T, l lake.Lake, key, body string) {
	t.Helper()
	if err := l.Put(context.Background(), key, strings.NewReader(body)); err != nil {
		t.Fatalf("put %s: %v", key, err)
	}
}

func get(t *testing.T, l lake.Lake, key string) string {
	t.Helper()
	b, err := lake.ReadAll(context.Background(), l, key)
	if err != nil {
		t.Fatalf("get %s: %v", key, err)
	}
	return string(b)
}

func keys(t *testing.T, l lake.Lake, prefix string) []string {
	t.Helper()
	var out []string
	for o, err := range l.List(context.Background(), prefix) {
		if err != nil {
			t.Fatalf("list %s: %v", prefix, err)
		}
		out = append(out, o.Key)
	}
	return out
}

// RunReaderAt checks lake.OpenReaderAt on l: reads at any offset give the
// bytes of the version opened, including after the object is replaced
// (or an error, never the newer version's bytes), and a missing key is
// ErrNotExist. Run calls it.
func RunReaderAt(t *testing.T, newLake func(t *testing.T) lake.Lake) {
	ctx := context.Background()
	t.Run("ReaderAt", func(t *testing.T) {
		l := newLake(t)
		if _, err := lake.OpenReaderAt(ctx, l, "none/here"); !errors.Is(err, lake.ErrNotExist) {
			t.Fatalf("open missing: %v, want ErrNotExist", err)
		}
		for _, size := range []int{0, 1, 1000, 3<<20 + 17} {
			old := make([]byte, size)
			for i := range old {
				old[i] = byte(i*7 + i>>11)
			}
			if err := l.Put(ctx, "ra/obj", bytes.NewReader(old)); err != nil {
				t.Fatal(err)
			}
			r, err := lake.OpenReaderAt(ctx, l, "ra/obj")
			if err != nil {
				t.Fatal(err)
			}
			if r.Size() != int64(size) {
				t.Fatalf("size %d, want %d", r.Size(), size)
			}
			// The footer first, as a Parquet reader does, then spans
			// across and far from it, then past the end.
			spans := [][2]int{{size - 8, 8}, {0, 4}, {size / 2, size / 3}, {0, size}, {size - 1, 1}, {1 << 20, 4096}}
			read := func(off, n int) ([]byte, error) {
				p := make([]byte, n)
				m, err := r.ReadAt(p, int64(off))
				if m == n {
					err = nil // io.ReaderAt may return EOF with the last byte
				}
				return p[:m], err
			}
			for _, s := range spans {
				off, n := s[0], s[1]
				if off < 0 || n <= 0 || off+n > size {
					continue
				}
				got, err := read(off, n)
				if err != nil || !bytes.Equal(got, old[off:off+n]) {
					t.Fatalf("size %d: ReadAt(%d, %d) = %d bytes, %v", size, off, n, len(got), err)
				}
			}
			if _, err := read(size, 1); err == nil {
				t.Fatalf("size %d: read past the end gave no error", size)
			}
			// Replaced: every read is the old bytes or an error.
			repl := bytes.Repeat([]byte{0xee}, size+5)
			if err := l.Put(ctx, "ra/obj", bytes.NewReader(repl)); err != nil {
				t.Fatal(err)
			}
			for _, s := range [][2]int{{0, size}, {size / 4, size / 5}, {size - 3, 3}} {
				off, n := s[0], s[1]
				if off < 0 || n <= 0 || off+n > size {
					continue
				}
				got, err := read(off, n)
				if err == nil && !bytes.Equal(got, old[off:off+n]) {
					t.Fatalf("size %d: after a replace ReadAt(%d, %d) gave other bytes than the version opened", size, off, n)
				}
			}
			if err := r.Close(); err != nil {
				t.Fatal(err)
			}
		}
	})
}

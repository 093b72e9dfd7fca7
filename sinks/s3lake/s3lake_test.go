package s3lake_test

import (
	"context"
	"errors"
	"io"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"go.uber.org/goleak"

	"github.com/tradepipe/tradepipe/sinks/lake"
	"github.com/tradepipe/tradepipe/sinks/lake/laketest"
	"github.com/tradepipe/tradepipe/sinks/s3lake"
	"github.com/tradepipe/tradepipe/sinks/s3lake/s3test"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		// Idle keep-alive connections of the SDK's HTTP client.
		goleak.IgnoreTopFunction("net/http.(*persistConn).readLoop"),
		goleak.IgnoreTopFunction("net/http.(*persistConn).writeLoop"),
		goleak.IgnoreTopFunction("internal/poll.runtime_pollWait"),
	)
}

func newLake(t *testing.T) lake.Lake { return s3test.New(t, smallParts) }

// smallParts makes multipart uploads start at 5 MiB so the suite's 16 MiB
// object goes up in parts.
func smallParts(o *s3lake.Options) { o.PartSize = 5 << 20 }

func TestConformance(t *testing.T) { laketest.Run(t, newLake) }

func TestConditional(t *testing.T) {
	laketest.RunConditional(t, func(t *testing.T) lake.Conditional { return s3test.New(t, nil) })
}

func TestPublish(t *testing.T) {
	laketest.RunPublish(t, func(t *testing.T) lake.Conditional { return s3test.New(t, smallParts) })
}

func TestURLHasNoSecrets(t *testing.T) {
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLEKEYID")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "very-secret-value")
	l, err := s3lake.New(context.Background(), "bucket", "/a/b/", s3lake.Options{Region: "us-east-1", Endpoint: "http://127.0.0.1:1", PathStyle: true, MaxAttempts: 1}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := l.URL(); got != "s3://bucket/a/b" {
		t.Fatalf("URL = %q", got)
	}
	if l.Key("x/y") != "a/b/x/y" {
		t.Fatalf("Key = %q", l.Key("x/y"))
	}
	_, err = l.Stat(context.Background(), "x")
	if err == nil {
		t.Fatal("stat against a closed port succeeded")
	}
	for _, s := range []string{"very-secret-value", "AKIAEXAMPLEKEYID"} {
		if strings.Contains(err.Error(), s) {
			t.Fatalf("error leaks a credential: %v", err)
		}
	}
	_, err = s3lake.New(context.Background(), "bucket", "", s3lake.Options{Endpoint: "http://key:pw-in-url@127.0.0.1:1"}, nil)
	if err == nil || strings.Contains(err.Error(), "pw-in-url") {
		t.Fatalf("endpoint with credentials: err = %v", err)
	}
}

// A multipart upload that fails, by its reader or its context, is aborted:
// nothing visible, no upload left in progress.
func TestFailedMultipartIsAborted(t *testing.T) {
	l := s3test.New(t, smallParts)
	ctx := context.Background()
	big := func() io.Reader { return io.LimitReader(zeros{}, 17<<20) }
	if err := l.Put(ctx, "mp/reader", io.MultiReader(big(), errReader{})); err == nil {
		t.Fatal("put with a failing reader succeeded")
	}
	cctx, cancel := context.WithCancel(ctx)
	r := &cancelAfter{r: io.LimitReader(zeros{}, 40<<20), n: 12 << 20, cancel: cancel}
	if err := l.Put(cctx, "mp/ctx", r); err == nil {
		t.Fatal("put with a cancelled context succeeded")
	}
	for o, err := range l.List(ctx, "mp/") {
		t.Fatalf("visible after failed multipart puts: %+v, %v", o, err)
	}
	// MinIO lists uploads under a prefix only when the prefix is the whole
	// key, so ask per key.
	for _, k := range []string{"mp/reader", "mp/ctx"} {
		out, err := l.Client().ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: aws.String(l.Bucket()), Prefix: aws.String(l.Key(k))})
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range out.Uploads {
			t.Errorf("multipart upload left behind: %s", aws.ToString(u.Key))
		}
	}
	// And a good one completes.
	if err := l.Put(ctx, "mp/ok", big()); err != nil {
		t.Fatal(err)
	}
	o, err := l.Stat(ctx, "mp/ok")
	if err != nil || o.Size != 17<<20 {
		t.Fatalf("stat = %+v, %v", o, err)
	}
}

func TestListPaginates(t *testing.T) {
	l := s3test.New(t, func(o *s3lake.Options) { o.ListPageSize = 3 })
	ctx := context.Background()
	var want []string
	for _, k := range []string{"p/j", "p/a", "p/e/1", "p/c", "p/i", "p/b", "p/h", "p/d", "p/g", "p/f"} {
		if err := l.Put(ctx, k, strings.NewReader(k)); err != nil {
			t.Fatal(err)
		}
	}
	want = []string{"p/a", "p/b", "p/c", "p/d", "p/e/1", "p/f", "p/g", "p/h", "p/i", "p/j"}
	var got []string
	for o, err := range l.List(ctx, "p/") {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, o.Key)
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("list = %v, want %v", got, want)
	}
}

func TestPrefixesAreIsolated(t *testing.T) {
	opts, bucket := s3test.Env(t)
	base := s3test.Prefix(t)
	a := s3test.Open(t, bucket, base+"/a", opts)
	ab := s3test.Open(t, bucket, base+"/ab", opts)
	ctx := context.Background()
	if err := ab.Put(ctx, "x", strings.NewReader("x")); err != nil {
		t.Fatal(err)
	}
	for o, err := range a.List(ctx, "") {
		t.Fatalf("lake a sees %+v, %v of lake ab", o, err)
	}
	if _, err := a.Get(ctx, "x"); !errors.Is(err, lake.ErrNotExist) {
		t.Fatalf("get from the other lake: %v", err)
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("injected read failure") }

// cancelAfter cancels its context after n bytes have been read.
type cancelAfter struct {
	r      io.Reader
	n      int
	cancel func()
}

func (c *cancelAfter) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n -= n
	if c.n <= 0 {
		c.cancel()
		time.Sleep(10 * time.Millisecond)
	}
	return n, err
}

// A large upload streams: the heap stays far below the object's size.
func TestLargePutBoundedMemory(t *testing.T) {
	l := s3test.New(t, func(o *s3lake.Options) { o.PartSize = 5 << 20; o.Concurrency = 2 })
	ctx := context.Background()
	const size = 96 << 20
	runtime.GC()
	var base runtime.MemStats
	runtime.ReadMemStats(&base)
	var peak atomic.Uint64
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		var m runtime.MemStats
		for {
			select {
			case <-stop:
				return
			case <-time.After(2 * time.Millisecond):
			}
			runtime.ReadMemStats(&m)
			if m.HeapInuse > peak.Load() {
				peak.Store(m.HeapInuse)
			}
		}
	}()
	err := l.Put(ctx, "big/stream", io.LimitReader(zeros{}, size))
	close(stop)
	<-done
	if err != nil {
		t.Fatal(err)
	}
	o, err := l.Stat(ctx, "big/stream")
	if err != nil || o.Size != size {
		t.Fatalf("stat = %+v, %v", o, err)
	}
	grew := int64(peak.Load()) - int64(base.HeapInuse)
	t.Logf("%d MiB upload: heap in use grew by at most %d MiB (5 MiB parts, 2 in flight)", size>>20, grew>>20)
	if grew > 48<<20 {
		t.Fatalf("heap grew by %d MiB for a %d MiB upload: not streaming", grew>>20, size>>20)
	}
}

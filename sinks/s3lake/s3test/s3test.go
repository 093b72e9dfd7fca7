// Package s3test finds the S3-compatible server tests run against and
// gives each test its own empty prefix in the test bucket.
//
// The server comes from the environment (see .ci/s3.sh and docs/S3.md):
//
//	TRADEPIPE_S3_BUCKET    bucket for tests (required; its presence turns the tests on)
//	TRADEPIPE_S3_ENDPOINT  e.g. http://127.0.0.1:9000; empty means AWS
//	TRADEPIPE_S3_REGION    default us-east-1
//	TRADEPIPE_S3_PATH_STYLE  "false" for virtual-hosted addressing; default true with an endpoint
//	AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, ...: the SDK's standard chain
//
// Without TRADEPIPE_S3_BUCKET the tests skip, except when CI=true, where
// they fail: CI cannot pass by skipping.
package s3test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/tradepipe/tradepipe/sinks/s3lake"
)

// Env returns the server's options and bucket, or skips (fails when
// CI=true) when no server is configured.
func Env(t testing.TB) (s3lake.Options, string) {
	t.Helper()
	bucket := os.Getenv("TRADEPIPE_S3_BUCKET")
	if bucket == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI=true but TRADEPIPE_S3_BUCKET is not set: start the S3 server (.ci/s3.sh) before the tests")
		}
		t.Skip("no S3 server: set TRADEPIPE_S3_BUCKET (and TRADEPIPE_S3_ENDPOINT), see docs/S3.md")
	}
	o := s3lake.Options{
		Region:   os.Getenv("TRADEPIPE_S3_REGION"),
		Endpoint: os.Getenv("TRADEPIPE_S3_ENDPOINT"),
	}
	if o.Region == "" {
		o.Region = "us-east-1"
	}
	o.PathStyle = o.Endpoint != ""
	if v := os.Getenv("TRADEPIPE_S3_PATH_STYLE"); v != "" {
		o.PathStyle = v != "false"
	}
	return o, bucket
}

var unsafe = regexp.MustCompile(`[^A-Za-z0-9_-]+`)

// Prefix returns a fresh prefix for t under "tradepipe-test/".
func Prefix(t testing.TB) string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	name := strings.Trim(unsafe.ReplaceAllString(t.Name(), "_"), "_")
	return "tradepipe-test/" + name + "-" + hex.EncodeToString(b)
}

// New returns a lake on a fresh prefix of the test bucket, with opts
// applied over the environment's; its objects are deleted when t ends.
func New(t testing.TB, opts func(*s3lake.Options)) *s3lake.Lake {
	t.Helper()
	o, bucket := Env(t)
	if opts != nil {
		opts(&o)
	}
	return Open(t, bucket, Prefix(t), o)
}

// Open returns the lake at bucket/prefix with o; its objects are deleted
// when t ends.
func Open(t testing.TB, bucket, prefix string, o s3lake.Options) *s3lake.Lake {
	t.Helper()
	l, err := s3lake.New(context.Background(), bucket, prefix, o, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx := context.Background()
		for obj, err := range l.List(ctx, "") {
			if err != nil {
				t.Logf("cleanup: %v", err)
				return
			}
			_ = l.Delete(ctx, obj.Key)
		}
	})
	return l
}

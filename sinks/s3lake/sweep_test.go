package s3lake_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/tradepipe/tradepipe/sinks/lake"
	"github.com/tradepipe/tradepipe/sinks/s3lake/s3test"
)

// Issue 12: an unfinished multipart upload (a process killed in a large
// Put) stayed forever.
func TestSweepAbortsOldUploads(t *testing.T) {
	l := s3test.New(t, nil)
	ctx := context.Background()
	key := l.Key("trade_flows/x/big.parquet")
	up, err := l.Client().CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String(l.Bucket()), Key: aws.String(key)})
	if err != nil {
		t.Fatal(err)
	}
	pending := func() int {
		out, err := l.Client().ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: aws.String(l.Bucket()), Prefix: aws.String(key)})
		if err != nil {
			t.Fatal(err)
		}
		return len(out.Uploads)
	}
	if pending() != 1 {
		t.Fatal("upload not listed")
	}
	probe, err := l.Client().ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: aws.String(l.Bucket()), Prefix: aws.String(l.Key(""))})
	if err != nil {
		t.Fatal(err)
	}
	if len(probe.Uploads) == 0 {
		// MinIO lists uploads only by whole key, so no client can find
		// them; it expires stale uploads itself (api stale_uploads_expiry,
		// 24h by default). AWS S3 and versitygw list by prefix.
		_, _ = l.Client().AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: aws.String(l.Bucket()), Key: aws.String(key), UploadId: up.UploadId})
		t.Skip("this server does not list multipart uploads by key prefix")
	}
	// Too young: kept (it may be a Put in flight in another process).
	if got, err := lake.Sweep(ctx, l, "", nil, time.Hour, time.Now()); err != nil || got.Lake != 0 || pending() != 1 {
		t.Fatalf("young upload: swept %+v, %v, %d pending", got, err, pending())
	}
	// A day later it is a leftover.
	got, err := lake.Sweep(ctx, l, "", nil, 0, time.Now().Add(lake.DefaultLeftoverAge+time.Hour))
	if err != nil || got.Lake != 1 {
		t.Fatalf("swept %+v, %v", got, err)
	}
	if n := pending(); n != 0 {
		t.Errorf("%d uploads left (upload id %s)", n, aws.ToString(up.UploadId))
	}
}

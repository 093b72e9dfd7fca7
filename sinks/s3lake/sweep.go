package s3lake

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/tradepipe/tradepipe/sinks/lake"
)

var _ lake.Sweeper = (*Lake)(nil)

// SweepLeftovers implements lake.Sweeper: it aborts the multipart uploads
// under the lake's prefix initiated before before, which a process killed
// in the middle of a large Put leaves behind (S3 bills their parts until
// they are aborted; a bucket lifecycle rule AbortIncompleteMultipartUpload
// does the same server-side). The lake writes no temp objects on S3: a
// Put is atomic there.
func (l *Lake) SweepLeftovers(ctx context.Context, before time.Time) (int, error) {
	n := 0
	in := &s3.ListMultipartUploadsInput{Bucket: aws.String(l.bucket)}
	if l.root != "" {
		in.Prefix = aws.String(l.root)
	}
	for {
		out, err := l.client.ListMultipartUploads(ctx, in)
		if err != nil {
			return n, fmt.Errorf("sweep s3://%s/%s: list uploads: %w", l.bucket, l.root, err)
		}
		for _, u := range out.Uploads {
			key := aws.ToString(u.Key)
			if !strings.HasPrefix(key, l.root) || u.Initiated == nil || !u.Initiated.Before(before) {
				continue
			}
			if _, err := l.client.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{
				Bucket: aws.String(l.bucket), Key: u.Key, UploadId: u.UploadId,
			}); err != nil && !isNotFound(err) {
				return n, fmt.Errorf("sweep: abort upload of %s: %w", key, err)
			}
			n++
		}
		if !aws.ToBool(out.IsTruncated) {
			return n, nil
		}
		in.KeyMarker, in.UploadIdMarker = out.NextKeyMarker, out.NextUploadIdMarker
	}
}

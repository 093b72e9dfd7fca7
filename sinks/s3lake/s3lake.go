package s3lake

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/feature/s3/transfermanager"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"github.com/tradepipe/tradepipe/sinks/lake"
)

// Defaults of Options.
const (
	DefaultMaxAttempts        = 10
	DefaultMaxBackoff         = 5 * time.Second
	DefaultPartSize           = 8 << 20
	DefaultConcurrency        = 3
	DefaultAbortTimeout       = 30 * time.Second
	DefaultMaxConditionalSize = 16 << 20
	DefaultResponseTimeout    = 2 * time.Minute
	maxResumes                = 5
)

// Options configure a Lake. The zero value talks to AWS S3 in the region
// of the standard chain, with the defaults above.
type Options struct {
	Region    string // empty: from the standard chain (AWS_REGION, profile)
	Endpoint  string // empty: AWS; else e.g. http://127.0.0.1:9000
	PathStyle bool   // bucket in the path, as most S3-compatible stores need

	MaxAttempts int           // per request, the first included
	MaxBackoff  time.Duration // cap of one retry's delay
	// BaseDelay is the first retry's mean delay for non-throttling errors;
	// zero means the SDK's 50ms.
	BaseDelay time.Duration

	// ResponseTimeout bounds the wait for a response's headers once a
	// request is sent; a server that stalls then counts as a timeout and is
	// retried.
	ResponseTimeout time.Duration

	PartSize           int64 // multipart part size and threshold, ≥ 5 MiB
	Concurrency        int   // parts in flight per upload
	AbortTimeout       time.Duration
	MaxConditionalSize int64
	// ListPageSize caps the keys of one ListObjectsV2 page; zero means the
	// server's default (1000 on S3).
	ListPageSize int32

	// ClientOptions are applied last to the S3 client; tests use them to
	// count attempts.
	ClientOptions []func(*s3.Options)
}

func (o *Options) defaults() {
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = DefaultMaxAttempts
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = DefaultMaxBackoff
	}
	if o.ResponseTimeout <= 0 {
		o.ResponseTimeout = DefaultResponseTimeout
	}
	if o.PartSize <= 0 {
		o.PartSize = DefaultPartSize
	}
	if o.Concurrency <= 0 {
		o.Concurrency = DefaultConcurrency
	}
	if o.AbortTimeout <= 0 {
		o.AbortTimeout = DefaultAbortTimeout
	}
	if o.MaxConditionalSize <= 0 {
		o.MaxConditionalSize = DefaultMaxConditionalSize
	}
}

// Lake is an S3 prefix. It is safe for concurrent use.
type Lake struct {
	client  *s3.Client
	tm      *transfermanager.Client
	retryer *retry.Standard
	bucket  string
	root    string // "" or "prefix/"
	opts    Options
	logger  *slog.Logger
}

var _ lake.Conditional = (*Lake)(nil)

// Opener returns a lake.Opener for s3:// URLs with opts; logger may be nil.
func Opener(opts Options, logger *slog.Logger) lake.Opener {
	return func(ctx context.Context, u *url.URL) (lake.Lake, error) {
		return New(ctx, u.Host, u.Path, opts, logger)
	}
}

// New returns the lake at s3://bucket/prefix. It loads the SDK's standard
// configuration (credentials are resolved lazily, at the first request) but
// does not contact the store. ctx bounds the configuration load.
func New(ctx context.Context, bucket, prefix string, opts Options, logger *slog.Logger) (*Lake, error) {
	if bucket == "" {
		return nil, errors.New("s3 lake: no bucket")
	}
	opts.defaults()
	if opts.PartSize < 5<<20 {
		return nil, fmt.Errorf("s3 lake: part size %d is below the 5 MiB S3 minimum", opts.PartSize)
	}
	if opts.Endpoint != "" {
		u, err := url.Parse(opts.Endpoint)
		if err != nil || u.Scheme == "" || u.Host == "" {
			return nil, fmt.Errorf("s3 lake: endpoint %q is not an http(s) URL", opts.Endpoint)
		}
		if u.User != nil {
			return nil, errors.New("s3 lake: credentials do not belong in the endpoint URL; use the AWS credential chain")
		}
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	prefix = strings.Trim(prefix, "/")
	if prefix != "" {
		if err := lake.CheckKey(prefix); err != nil {
			return nil, fmt.Errorf("s3 lake prefix: %w", err)
		}
		prefix += "/"
	}
	retryer := retry.NewStandard(func(so *retry.StandardOptions) {
		so.MaxAttempts = opts.MaxAttempts
		so.MaxBackoff = opts.MaxBackoff
		so.BaseDelay = opts.BaseDelay
		so.RateLimiter = ratelimit.None
	})
	httpClient := awshttp.NewBuildableClient().WithTransportOptions(func(tr *http.Transport) {
		tr.ResponseHeaderTimeout = opts.ResponseTimeout
	})
	loadOpts := []func(*config.LoadOptions) error{
		config.WithRetryer(func() aws.Retryer { return retryer }),
		config.WithHTTPClient(httpClient),
	}
	if opts.Region != "" {
		loadOpts = append(loadOpts, config.WithRegion(opts.Region))
	}
	cfg, err := config.LoadDefaultConfig(ctx, loadOpts...)
	if err != nil {
		return nil, fmt.Errorf("s3 lake: load aws config: %w", err)
	}
	client := s3.NewFromConfig(cfg, func(o *s3.Options) {
		if opts.Endpoint != "" {
			o.BaseEndpoint = aws.String(opts.Endpoint)
		}
		o.UsePathStyle = opts.PathStyle
		// The SDK would print this to stderr for every multipart object read.
		o.DisableLogOutputChecksumValidationSkipped = true
		for _, f := range opts.ClientOptions {
			f(o)
		}
	})
	tm := transfermanager.New(client, func(o *transfermanager.Options) {
		o.PartSizeBytes = opts.PartSize
		o.MultipartUploadThreshold = opts.PartSize
		o.Concurrency = opts.Concurrency
		o.FailTimeout = opts.AbortTimeout
	})
	return &Lake{client: client, tm: tm, retryer: retryer, bucket: bucket, root: prefix, opts: opts, logger: logger}, nil
}

// Client returns the S3 client, for tests and tools.
func (l *Lake) Client() *s3.Client { return l.client }

// Bucket returns the bucket name.
func (l *Lake) Bucket() string { return l.bucket }

// Key returns the S3 key of a lake key.
func (l *Lake) Key(key string) string { return l.root + key }

// URL implements lake.Lake.
func (l *Lake) URL() string {
	return "s3://" + l.bucket + "/" + strings.TrimSuffix(l.root, "/")
}

func (l *Lake) objectKey(key string) (*string, error) {
	if err := lake.CheckKey(key); err != nil {
		return nil, err
	}
	return aws.String(l.root + key), nil
}

// Put implements lake.Lake.
func (l *Lake) Put(ctx context.Context, key string, r io.Reader) error {
	k, err := l.objectKey(key)
	if err != nil {
		return err
	}
	_, err = l.tm.UploadObject(ctx, &transfermanager.UploadObjectInput{
		Bucket: aws.String(l.bucket), Key: k, Body: ctxReader{ctx, r},
	})
	if err != nil {
		return fmt.Errorf("put %s: %w", key, err)
	}
	return nil
}

// Get implements lake.Lake.
func (l *Lake) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	k, err := l.objectKey(key)
	if err != nil {
		return nil, err
	}
	out, err := l.client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(l.bucket), Key: k})
	if err != nil {
		return nil, l.mapErr("get", key, err)
	}
	return &resumingReader{ctx: ctx, l: l, key: key, etag: aws.ToString(out.ETag), body: out.Body}, nil
}

// Stat implements lake.Lake.
func (l *Lake) Stat(ctx context.Context, key string) (lake.Object, error) {
	k, err := l.objectKey(key)
	if err != nil {
		return lake.Object{}, err
	}
	out, err := l.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(l.bucket), Key: k})
	if err != nil {
		return lake.Object{}, l.mapErr("stat", key, err)
	}
	return lake.Object{Key: key, Size: aws.ToInt64(out.ContentLength), ModTime: aws.ToTime(out.LastModified), ETag: aws.ToString(out.ETag)}, nil
}

// List implements lake.Lake.
func (l *Lake) List(ctx context.Context, prefix string) iter.Seq2[lake.Object, error] {
	return func(yield func(lake.Object, error) bool) {
		p := s3.NewListObjectsV2Paginator(l.client, &s3.ListObjectsV2Input{
			Bucket: aws.String(l.bucket), Prefix: aws.String(l.root + prefix),
		}, func(po *s3.ListObjectsV2PaginatorOptions) {
			if l.opts.ListPageSize > 0 {
				po.Limit = l.opts.ListPageSize
			}
		})
		last := ""
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				yield(lake.Object{}, fmt.Errorf("list %s: %w", prefix, err))
				return
			}
			for _, o := range page.Contents {
				key := strings.TrimPrefix(aws.ToString(o.Key), l.root)
				if key <= last && last != "" {
					yield(lake.Object{}, fmt.Errorf("list %s: store returned %q after %q, not in key order", prefix, key, last))
					return
				}
				last = key
				if !yield(lake.Object{Key: key, Size: aws.ToInt64(o.Size), ModTime: aws.ToTime(o.LastModified), ETag: aws.ToString(o.ETag)}, nil) {
					return
				}
			}
		}
	}
}

// Delete implements lake.Lake.
func (l *Lake) Delete(ctx context.Context, key string) error {
	k, err := l.objectKey(key)
	if err != nil {
		return err
	}
	if _, err := l.client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(l.bucket), Key: k}); err != nil {
		return l.mapErr("delete", key, err)
	}
	return nil
}

// mapErr wraps an S3 error, turning a missing key into lake.ErrNotExist.
func (l *Lake) mapErr(op, key string, err error) error {
	if isNotFound(err) {
		return fmt.Errorf("%s %s: %w", op, key, lake.ErrNotExist)
	}
	return fmt.Errorf("%s %s: %w", op, key, err)
}

func statusOf(err error) int {
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		return re.HTTPStatusCode()
	}
	return 0
}

func isNotFound(err error) bool {
	var nsk *types.NoSuchKey
	var nf *types.NotFound
	return errors.As(err, &nsk) || errors.As(err, &nf) || statusOf(err) == 404
}

// isPrecondition reports a refused condition: 412, or 409
// ConditionalRequestConflict (a concurrent conditional write won).
func isPrecondition(err error) bool {
	switch statusOf(err) {
	case 412:
		return true
	case 409:
		var ae smithy.APIError
		return errors.As(err, &ae) && ae.ErrorCode() == "ConditionalRequestConflict"
	}
	return false
}

// resumingReader resumes a broken GET body with a ranged GET of the same
// version.
type resumingReader struct {
	ctx     context.Context
	l       *Lake
	key     string
	etag    string
	off     int64
	body    io.ReadCloser
	resumes int
}

func (r *resumingReader) Read(p []byte) (int, error) {
	n, err := r.body.Read(p)
	r.off += int64(n)
	if err == nil || errors.Is(err, io.EOF) {
		return n, err
	}
	if r.ctx.Err() != nil || r.resumes >= maxResumes || r.etag == "" {
		return n, fmt.Errorf("get %s: %w", r.key, err)
	}
	r.resumes++
	_ = r.body.Close()
	r.body = io.NopCloser(bytes.NewReader(nil))
	r.l.logger.Warn("resuming a broken object read", "key", r.key, "offset", r.off, "err", err)
	out, gerr := r.l.client.GetObject(r.ctx, &s3.GetObjectInput{
		Bucket: aws.String(r.l.bucket), Key: aws.String(r.l.root + r.key),
		Range: aws.String(fmt.Sprintf("bytes=%d-", r.off)), IfMatch: aws.String(r.etag),
	})
	if gerr != nil {
		return n, fmt.Errorf("get %s: resume at byte %d after %v: %w", r.key, r.off, err, gerr)
	}
	r.body = out.Body
	if n > 0 {
		return n, nil
	}
	return r.Read(p)
}

func (r *resumingReader) Close() error { return r.body.Close() }

// ctxReader stops a copy when ctx is done.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// maxCopyObject is the largest object one CopyObject call may copy.
const maxCopyObject = 5 << 30

// Copy implements lake.Lake with a server-side CopyObject (one atomic
// replace of dst, no bytes through this process); objects above the 5 GiB
// CopyObject limit are streamed through Put.
func (l *Lake) Copy(ctx context.Context, src, dst string) error {
	sk, err := l.objectKey(src)
	if err != nil {
		return err
	}
	dk, err := l.objectKey(dst)
	if err != nil {
		return err
	}
	o, err := l.Stat(ctx, src)
	if err != nil {
		return fmt.Errorf("copy %s: %w", src, err)
	}
	if o.Size > maxCopyObject {
		rc, err := l.Get(ctx, src)
		if err != nil {
			return fmt.Errorf("copy %s: %w", src, err)
		}
		defer rc.Close()
		return l.Put(ctx, dst, rc)
	}
	_, err = l.client.CopyObject(ctx, &s3.CopyObjectInput{
		Bucket:     aws.String(l.bucket),
		Key:        dk,
		CopySource: aws.String(copySource(l.bucket, *sk)),
	})
	if err != nil {
		return l.mapErr("copy "+src+" to", dst, err)
	}
	return nil
}

// copySource is CopyObject's x-amz-copy-source: bucket/key with each
// segment URL-encoded.
func copySource(bucket, key string) string {
	segs := strings.Split(bucket+"/"+key, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return strings.Join(segs, "/")
}

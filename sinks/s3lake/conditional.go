package s3lake

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/tradepipe/tradepipe/sinks/lake"
)

// GetVersion implements lake.Conditional. A body read that breaks is
// retried whole (the object is small), up to MaxAttempts times.
func (l *Lake) GetVersion(ctx context.Context, key string) ([]byte, string, error) {
	k, err := l.objectKey(key)
	if err != nil {
		return nil, "", err
	}
	for attempt := 1; ; attempt++ {
		out, err := l.client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(l.bucket), Key: k})
		if err != nil {
			return nil, "", l.mapErr("get", key, err)
		}
		b, err := io.ReadAll(out.Body)
		_ = out.Body.Close()
		if err == nil {
			return b, aws.ToString(out.ETag), nil
		}
		if ctx.Err() != nil || attempt >= l.opts.MaxAttempts {
			return nil, "", fmt.Errorf("get %s: %w", key, err)
		}
		l.logger.Warn("retrying a broken object read", "key", key, "attempt", attempt, "err", err)
	}
}

// PutIfAbsent implements lake.Conditional with If-None-Match: *.
func (l *Lake) PutIfAbsent(ctx context.Context, key string, r io.Reader) (string, error) {
	return l.putConditional(ctx, key, "", r)
}

// PutIfMatch implements lake.Conditional with If-Match.
func (l *Lake) PutIfMatch(ctx context.Context, key, etag string, r io.Reader) (string, error) {
	if etag == "" {
		return "", fmt.Errorf("put %s if match: empty etag: %w", key, lake.ErrPrecondition)
	}
	return l.putConditional(ctx, key, etag, r)
}

// putConditional is a single conditional PUT (ifMatch == "" means
// If-None-Match: *), retried here rather than by the SDK so that an attempt
// whose outcome is unknown is resolved before the next one.
func (l *Lake) putConditional(ctx context.Context, key, ifMatch string, r io.Reader) (string, error) {
	op := "put " + key + " if absent"
	if ifMatch != "" {
		op = "put " + key + " if match"
	}
	k, err := l.objectKey(key)
	if err != nil {
		return "", err
	}
	body, err := io.ReadAll(io.LimitReader(ctxReader{ctx, r}, l.opts.MaxConditionalSize+1))
	if err != nil {
		return "", fmt.Errorf("%s: %w", op, err)
	}
	if int64(len(body)) > l.opts.MaxConditionalSize {
		return "", fmt.Errorf("%s: body over %d bytes; conditional puts are single PUTs", op, l.opts.MaxConditionalSize)
	}
	unknown := false // an earlier attempt may have been applied
	for attempt := 1; ; attempt++ {
		in := &s3.PutObjectInput{
			Bucket: aws.String(l.bucket), Key: k,
			Body: bytes.NewReader(body), ContentLength: aws.Int64(int64(len(body))),
		}
		if ifMatch == "" {
			in.IfNoneMatch = aws.String("*")
		} else {
			in.IfMatch = aws.String(ifMatch)
		}
		out, err := l.client.PutObject(ctx, in, func(o *s3.Options) { o.RetryMaxAttempts = 1 })
		if err == nil {
			return aws.ToString(out.ETag), nil
		}
		if ctx.Err() != nil {
			return "", fmt.Errorf("%s: outcome unknown: %w", op, ctx.Err())
		}
		if ifMatch != "" && isNotFound(err) && !unknown {
			// S3 answers If-Match on a missing key with 404 NoSuchKey.
			return "", fmt.Errorf("%s: gone: %w", op, lake.ErrPrecondition)
		}
		if isPrecondition(err) && !unknown {
			return "", fmt.Errorf("%s: %w", op, lake.ErrPrecondition)
		}
		if !isPrecondition(err) && !l.retryer.IsErrorRetryable(err) {
			return "", fmt.Errorf("%s: %w", op, err)
		}
		// A reset connection (how some servers refuse a large conditional
		// PUT early), a 5xx, or a 412 after such an attempt: read the key
		// back to learn what happened.
		unknown = true
		etag, st, rerr := l.resolve(ctx, key, ifMatch, body)
		switch {
		case rerr != nil:
			l.logger.Warn("conditional put: outcome unknown, read back failed", "key", key, "attempt", attempt, "err", rerr)
		case st == won:
			return etag, nil
		case st == lost:
			return "", fmt.Errorf("%s: %w", op, lake.ErrPrecondition)
		}
		if attempt >= l.opts.MaxAttempts {
			return "", fmt.Errorf("%s: %d attempts: %w", op, attempt, err)
		}
		d, derr := l.retryer.RetryDelay(attempt, err)
		if derr != nil {
			d = time.Second
		}
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return "", fmt.Errorf("%s: outcome unknown: %w", op, ctx.Err())
		case <-t.C:
		}
	}
}

type outcome int

const (
	notApplied outcome = iota // the condition still holds: try again
	won
	lost
)

// resolve reads key back after an attempt with an unknown outcome.
func (l *Lake) resolve(ctx context.Context, key, ifMatch string, body []byte) (string, outcome, error) {
	got, etag, err := l.GetVersion(ctx, key)
	switch {
	case errors.Is(err, lake.ErrNotExist):
		if ifMatch == "" {
			return "", notApplied, nil
		}
		return "", lost, nil // the object we were to replace is gone
	case err != nil:
		return "", notApplied, err
	case bytes.Equal(got, body):
		return etag, won, nil
	case ifMatch != "" && etag == ifMatch:
		return "", notApplied, nil
	default:
		return "", lost, nil
	}
}

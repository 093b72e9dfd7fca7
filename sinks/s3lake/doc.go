// Package s3lake is the lake.Lake of an S3 bucket or an S3-compatible store
// (MinIO, versitygw, ...), on aws-sdk-go-v2.
//
// Contract:
//   - A lake is s3://bucket/prefix; keys are the lake's keys under prefix.
//     Region, endpoint and path-style addressing come from Options (the
//     config's s3: section). Credentials come from the SDK's standard chain
//     only (environment, shared config and credentials files, SSO, web
//     identity/IRSA, ECS and EC2 instance roles); nothing here reads, logs
//     or formats them.
//   - Put streams through feature/s3/transfermanager: bodies under
//     PartSize go up as one PutObject, larger ones as a multipart upload of
//     PartSize parts, Concurrency at a time, so memory stays within about
//     PartSize × (Concurrency+2) whatever the object size. A multipart
//     upload that fails (a part, the reader, ctx) is aborted, with a fresh
//     context of AbortTimeout when ctx is the cause, so no parts are left
//     behind; a completed upload is the only way an object becomes visible.
//   - Every request retries 5xx, SlowDown and other throttling codes,
//     connection resets and timeouts (a response whose headers do not come
//     within ResponseTimeout counts as one) with the SDK's standard retryer
//     (exponential backoff with jitter, MaxAttempts attempts, no client-side
//     retry quota, so a burst of faults cannot exhaust retries for later
//     calls).
//   - Get streams the object; a read that breaks mid-body resumes with a
//     ranged GET pinned to the object's ETag (If-Match), so a reader never
//     mixes two versions.
//   - OpenReaderAt (lake.RangeReader) reads parts of one version: the open
//     is a single GET of the last 64 KiB (a suffix range, which also gives
//     the size and ETag; a Parquet footer is there), later reads are
//     ranged GETs of at least 256 KiB pinned to that ETag, so a replaced
//     object fails the read (412) rather than mixing versions. Compliance
//     reads trade_flows this way: the footer and the wanted pages only.
//   - List pages through ListObjectsV2 and yields keys in ascending
//     (UTF-8 byte) order, as S3 returns them.
//   - The lake implements lake.Conditional with If-None-Match: * and
//     If-Match PUTs (single PUTs of at most MaxConditionalSize bytes). A
//     conditional PUT is not retried blindly: when its outcome is unknown
//     (a reset connection, which is how some servers reject a large
//     conditional PUT early, a 5xx, or a 412 after such an attempt) the
//     key is read back and the stored bytes decide whether this writer won.
package s3lake

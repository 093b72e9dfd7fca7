// Package s3e2e holds end-to-end tests of the pipeline on an S3-compatible
// server (see package s3test for how they find it): a full run through a
// fault-injecting proxy, two writers on one lake, and an inbox on S3. It has
// no non-test code.
package s3e2e

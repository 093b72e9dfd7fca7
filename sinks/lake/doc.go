// Package lake is the object-store view of the data lake: flat keys with
// slash-separated segments, whole-object puts that are atomically visible,
// gets, prefix listings and deletes. Implementations: a local directory
// (file://) here, S3 and S3-compatible stores elsewhere.
//
// Keys are relative to the lake root, use "/" and never start with "/".
// Every implementation passes the conformance suite in lake_test.go.
package lake

// Package sources defines what a source is to the pipeline: something that
// turns a release (the bytes of one input plus where and when they came from)
// into canonical rows and rejected rows. Sources never touch the lake; the
// pipeline archives the raw input, routes rows to partitions and publishes.
//
// Implementations live in sources/census, sources/gacc and sources/panjiva.
package sources

// Package sources defines what a source is to the pipeline: something that
// turns a release (the bytes of one input plus where and when they came from)
// into canonical rows and rejected rows. Sources never touch the lake; the
// pipeline archives the raw input, routes rows to partitions and publishes.
//
// The engine calls a parser through SafeParse only: a panic becomes the
// input's permanent error and every emitted string is valid UTF-8
// (repaired and counted as invalid_utf8_repaired). A parser that has
// itself found a row's strings valid may pass it to
// CheckedEmitter.ShipmentValidUTF8 or TradeFlowValidUTF8 to skip the
// second check.
//
// Implementations live in sources/census, sources/gacc and sources/panjiva.
package sources

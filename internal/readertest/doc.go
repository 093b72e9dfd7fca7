// Package readertest reads Parquet files with readers that share no code
// with the writer and with each other, and compares what they see with
// what was written: row counts, per-column types, non-null counts and
// sums (exact for decimals, integers, dates and timestamps).
//
// The readers are DuckDB (duckdb-go, in process), Polars (Rust, npm
// nodejs-polars) and arrow-rs (npm parquet-wasm, decoded with
// apache-arrow). The last two run as `node js/read.mjs READER FILE...`
// from the js/ folder, whose node_modules `npm ci` installs (.ci/run does
// it). Without node or node_modules the Node readers are skipped, unless
// CI=true, where a missing reader fails the test: CI can never pass by
// skipping.
//
// Icebird (npm icebird, pinned 0.3.1) reads Iceberg tables: metadata,
// Avro manifests and Parquet data over HTTP (the tests serve the lake with
// httptest), at the current snapshot or at an earlier one (time travel).
// It declares node >= 22 but runs on the node 20 here; its timestamps are
// JavaScript Dates, so compare it with DuckDBMillis.
package readertest

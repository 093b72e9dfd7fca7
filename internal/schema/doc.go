// Package schema holds the canonical row types of the lake's datasets and
// their Parquet encodings.
//
// Each dataset has two types: the canonical row (money as apd decimals, dates
// as civil dates) that sources produce and the pipeline moves, and a Record
// with parquet tags that fixes the physical schema readers depend on:
// DATE as int32 days since 1970-01-01 (never a time.Time tagged date, which
// parquet-go v0.32 writes wrongly), DECIMAL(18,2) as int64 cents, and
// TIMESTAMP(MICROS, UTC) as int64 microseconds. Changing a Record is a schema
// change: bump Version and say so in the README.
package schema

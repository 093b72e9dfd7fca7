// Package civil holds calendar dates and months with no time of day and no
// time zone. Trade statistics are reported per calendar month; carrying them
// as instants invites off-by-one-day bugs at zone boundaries, so the pipeline
// uses these types from parsing to the Parquet DATE column.
package civil

// Package parquetfile writes one dataset's rows to a local spool file in the
// lake's Parquet conventions (zstd, the Record types of internal/schema), so
// that a partition can be uploaded whole once it is complete and memory stays
// bounded by a row-group buffer, not by the partition.
package parquetfile

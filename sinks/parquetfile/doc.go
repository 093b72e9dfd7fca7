// Package parquetfile writes one table's rows to a local spool file laid
// out for query engines, so that a partition can be uploaded whole once it
// is complete and memory stays bounded by a row group, not by the
// partition.
//
// What every file holds (one place decides it: writerOptions):
//
//   - The columns of a Record type of internal/schema, looked up from the
//     row type (schema.TableFor) or named with the Table option.
//   - Data page v1, PLAIN values, RLE_DICTIONARY for the columns tagged
//     `dict` (repeated strings, dates, constant provenance) with a PLAIN
//     dictionary page, RLE definition and repetition levels, zstd at its
//     default level (the fastest took shipments of a 200k-row delivery
//     to 1.12 of DuckDB's size and trade_flows to 1.13). No
//     DELTA_* or BYTE_STREAM_SPLIT encodings and no v2 pages: Spark's
//     vectorized reader refused DELTA_BYTE_ARRAY and v2 pages before 3.3
//     (SPARK-36879) and DELTA_LENGTH_BYTE_ARRAY alone before 3.4
//     (SPARK-40128), Iceberg's vectorized Parquet reader took only plain
//     and dictionary pages until 2026 (apache/iceberg#2749, #15362), and
//     Hive, older Athena engines and BigQuery external tables go through
//     parquet-mr or their own v1-era readers. PLAIN + RLE_DICTIONARY + RLE
//     on v1 pages is what arrow-rs calls "supported by all major parquet
//     readers" and what parquet-mr, Arrow C++ and DuckDB write by default.
//     A dictionary that outgrows 1 MiB falls back to PLAIN for the rest of
//     the row group, as parquet-mr and Arrow do.
//   - Min/max/null-count statistics on every column chunk, and per page in
//     the page index (column and offset indexes), which is where parquet-mr
//     (Spark, Hive, Trino's reader) and Arrow look for page-level pruning.
//     NaN is left out of a double column's min and max unless a page holds
//     nothing else (parquet-go's dictionary pages kept a NaN that came
//     first: teu only). Page headers carry no statistics: they repeated each page's min and
//     max a third time, long strings (source URIs, sha256s) included, and
//     cost 3.5% of a one-month trade_flows file (docs/BENCHMARKS.md).
//   - Split-block bloom filters on the table's Bloom columns (hs_code,
//     partner, bill_of_lading), sized by the row group's distinct values
//     (a dictionary column) or values. After a fallback to PLAIN the
//     filter holds the PLAIN pages' values too; parquet-go's held only the
//     dictionary's, and so denied values the row group had.
//   - Rows sorted by the table's SortBy columns (ascending, nulls first,
//     strings bytewise, ties in input order) across the whole file,
//     declared in every row group's sorting_columns and in the
//     tradepipe.sorted_by key. So row groups cover consecutive ranges of
//     the sort columns, and their min/max statistics let readers skip
//     the groups a filter on the first sort column excludes.
//   - Row groups of DefaultRowGroupRows rows (32k), chosen by
//     measurement (docs/BENCHMARKS.md), and 64 KiB pages; trade_flows
//     files take DuckDB's 122,880-row groups and 1 MiB pages (layoutFor),
//     since an all-partner month repeated its HS10 dictionaries in every
//     row group.
//   - Key-value metadata: tradepipe.dataset, tradepipe.table (when known:
//     the main table of the Record type or the Table option),
//     tradepipe.schema_version, tradepipe.release_id (Release option),
//     tradepipe.version, tradepipe.commit; created_by is
//     "tradepipe version V (build COMMIT)" from internal/buildinfo.
//
// Memory and CPU: a writer with a sort order does not hold rows in
// memory. Each row goes, in a flat byte form (rowCodec), to a row spool
// file beside the Parquet file; memory keeps only where each row starts
// (the low 4 bytes; the rows where the high bits go up are listed) and
// one key per sort column (the value, or an id of the string among the
// file's distinct strings), in 2 bytes while the column's keys fit (fewer
// than 65535 distinct strings, integers within 32767 of the file's first)
// and 4 from the first that does not, all in anonymous mappings outside
// the Go heap once they pass 64 KiB (offheap.go), freed at Close and
// Abort, so the collector's heap goal does not double them. At Close the
// keys are sorted, the row spool is mapped (mmap: page cache, not heap) and read
// back in that order, and the rows are encoded once, in row groups of the
// table's size, by the package's own column encoder (encode.go): each
// column reads its field by offset from the rows read back and keeps its
// page and its dictionary, which compares a value with the one before
// before it hashes it (rows are sorted, and the provenance columns are
// constant in a file), and whose strings point into the mapped spool.
// It writes the layout parquet-go's GenericWriter (v0.32.0) wrote with
// these options, page cuts included (TestGoldenLayout compares every
// table's footer, page index and bloom filters with the golden files
// parquet-go wrote), taking from parquet-go only the schema, the column
// indexers, RLE, thrift, the bloom filter's blocks and zstd: through its
// public API every value went through a map lookup of its dictionary. So an open writer costs about
// 10 bytes a row for a shipments file whatever the width of the rows
// (4 + 3 sort columns × 2; 16 bytes if every column widens), outside the
// heap, every row is encoded once, and the Parquet file is written only
// at Close; the row spool is removed then (or by Abort). Tables without SortBy (quarantine,
// kept in input order) go through the row spool too, read back in input
// order: written straight through, each open one held a row group of
// parquet-go's buffers in memory. Spool files are not synced: the lake's Put syncs the copy it publishes. Figures:
// docs/BENCHMARKS.md, "Cost of writing sorted files".
package parquetfile

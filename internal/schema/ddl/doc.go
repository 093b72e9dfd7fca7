// Package ddl turns the lake's table definitions (internal/schema.Tables,
// the same ones the Parquet writer lays files out from) into what engines
// need to query the lake: a JSON description of every table, and SQL for
// Athena (external tables with partition projection, so no partition is
// ever registered), Trino's Hive connector and Spark (external tables plus
// the statement that discovers partitions) and DuckDB (views over
// read_parquet with hive_partitioning). Since the writer and this package
// read one definition, the DDL cannot drift from the files.
//
// Path keys that equal a file column (source, flow, basis) become the
// tables' partition columns and are left out of the data columns, as Hive
// tables require; year and month are integer partition columns (month=04
// reads as 4).
//
// Run is the `tradepipe schema [TABLE] [--format json|sql] [--engine E]`
// command, for cmd/tradepipe to wire.
package ddl

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
// The Iceberg engines (duckdb-iceberg, athena-iceberg, trino-iceberg,
// spark-iceberg) get the statements that read the Iceberg tables of
// sinks/iceberg: iceberg_scan of the current metadata file, Trino's and
// Spark's register_table, Athena's queries of the tables `tradepipe
// tables register` puts in Glue, each with a time-travel query to the
// oldest snapshot kept. The metadata location and snapshots come in
// Options.Iceberg (cmd/tradepipe reads them from the lake; this package
// reads no lake); a table without them gets <...> placeholders, the
// README's form.
//
// Run is the `tradepipe schema [TABLE] [--format json|sql] [--engine E]`
// command, for cmd/tradepipe to wire.
package ddl

-- DuckDB refuses a view over a table with no files yet: run the statements of the tables the lake has.

-- one row per reporter x partner x flow x commodity x month, from official statistics
CREATE OR REPLACE VIEW "trade_flows" AS
SELECT * FROM read_parquet('./lake/trade_flows/**/*.parquet', hive_partitioning = true, union_by_name = true, hive_types = {'year': 'INTEGER', 'month': 'INTEGER'});

-- every published vintage of trade_flows, one file per release
CREATE OR REPLACE VIEW "trade_flows_history" AS
SELECT * FROM read_parquet('./lake/trade_flows_history/**/*.parquet', hive_partitioning = true, union_by_name = true, hive_types = {'year': 'INTEGER', 'month': 'INTEGER'});

-- the published total of a reporter with one partner for a month
CREATE OR REPLACE VIEW "trade_totals" AS
SELECT * FROM read_parquet('./lake/trade_totals/**/*.parquet', hive_partitioning = true, union_by_name = true, hive_types = {'year': 'INTEGER', 'month': 'INTEGER'});

-- every published vintage of trade_totals, one file per release
CREATE OR REPLACE VIEW "trade_totals_history" AS
SELECT * FROM read_parquet('./lake/trade_totals_history/**/*.parquet', hive_partitioning = true, union_by_name = true, hive_types = {'year': 'INTEGER', 'month': 'INTEGER'});

-- one row per shipment record (bill of lading) from a Panjiva-style export
CREATE OR REPLACE VIEW "shipments" AS
SELECT * FROM read_parquet('./lake/shipments/**/*.parquet', hive_partitioning = true, union_by_name = true, hive_types = {'year': 'INTEGER', 'month': 'INTEGER'});

-- rows rejected from trade_flows, with their raw cells and the reason
CREATE OR REPLACE VIEW "quarantine_trade_flows" AS
SELECT * FROM read_parquet('./lake/quarantine/trade_flows/**/*.parquet', hive_partitioning = true, union_by_name = true, hive_types = {'year': 'INTEGER', 'month': 'INTEGER'});

-- rows rejected from trade_totals, with their raw cells and the reason
CREATE OR REPLACE VIEW "quarantine_trade_totals" AS
SELECT * FROM read_parquet('./lake/quarantine/trade_totals/**/*.parquet', hive_partitioning = true, union_by_name = true, hive_types = {'year': 'INTEGER', 'month': 'INTEGER'});

-- rows rejected from shipments, with their raw cells and the reason
CREATE OR REPLACE VIEW "quarantine_shipments" AS
SELECT * FROM read_parquet('./lake/quarantine/shipments/**/*.parquet', hive_partitioning = true, union_by_name = true, hive_types = {'year': 'INTEGER', 'month': 'INTEGER'});

-- Phase One compliance metrics: one row per basis x month x category
CREATE OR REPLACE VIEW "compliance" AS
SELECT * FROM read_parquet('./lake/compliance/**/*.parquet', hive_partitioning = true, union_by_name = true, hive_types = {'year': 'INTEGER'});

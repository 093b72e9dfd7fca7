CREATE TABLE IF NOT EXISTS "hive"."tradepipe"."trade_flows" (
  "period" date COMMENT 'first day of the reporting month',
  "reporter" varchar COMMENT 'ISO 3166-1 alpha-2 of the reporting country',
  "partner" varchar COMMENT 'ISO 3166-1 alpha-2 of the partner country',
  "hs_code" varchar COMMENT 'HS commodity code, digits only, leading zeros kept',
  "hs_level" integer COMMENT 'number of digits of hs_code: 2, 4, 6, 8 or 10',
  "description" varchar COMMENT 'commodity description as published',
  "value_usd" decimal(18,2) COMMENT 'value in US dollars; US Census imports: general imports (GEN_VAL_MO)',
  "consumption_value_usd" decimal(18,2) COMMENT 'US Census imports only: imports for consumption (CON_VAL_MO), beside general imports in value_usd; null otherwise',
  "quantity" double COMMENT 'quantity in quantity_unit',
  "quantity_unit" varchar COMMENT 'unit of quantity',
  "valuation" varchar COMMENT 'FAS (US exports), CIF (China imports), ...',
  "covers_months" integer COMMENT 'months the figure covers, ending at period (2 for a combined January-February release)',
  "customs_regime" varchar COMMENT 'customs regime (GACC 贸易方式: ordinary trade, processing, bonded logistics, ...) when published; null otherwise',
  "registered_place" varchar COMMENT 'registered place of the importer/exporter (GACC 注册地) when published; null otherwise',
  "release_id" varchar COMMENT 'release (vintage) the row came from',
  "source_uri" varchar COMMENT 'URL or inbox key of the raw input',
  "source_sha256" varchar COMMENT 'sha256 of the raw input',
  "ingested_at" timestamp(3) COMMENT 'when tradepipe read the input (UTC, microseconds)',
  "source" varchar COMMENT 'census or gacc',
  "flow" varchar COMMENT 'export or import, as the reporter sees it',
  "year" integer COMMENT 'year of the reporting month',
  "month" integer COMMENT 'month of the reporting month, 01-12'
)
COMMENT 'one row per reporter x partner x flow x commodity x month, from official statistics'
WITH (
  external_location = 's3://example-bucket/lake/trade_flows',
  format = 'PARQUET',
  partitioned_by = ARRAY['source', 'flow', 'year', 'month']
);
CALL "hive".system.sync_partition_metadata('tradepipe', 'trade_flows', 'FULL');

CREATE TABLE IF NOT EXISTS "hive"."tradepipe"."trade_flows_history" (
  "period" date COMMENT 'first day of the reporting month',
  "reporter" varchar COMMENT 'ISO 3166-1 alpha-2 of the reporting country',
  "partner" varchar COMMENT 'ISO 3166-1 alpha-2 of the partner country',
  "hs_code" varchar COMMENT 'HS commodity code, digits only, leading zeros kept',
  "hs_level" integer COMMENT 'number of digits of hs_code: 2, 4, 6, 8 or 10',
  "description" varchar COMMENT 'commodity description as published',
  "value_usd" decimal(18,2) COMMENT 'value in US dollars; US Census imports: general imports (GEN_VAL_MO)',
  "consumption_value_usd" decimal(18,2) COMMENT 'US Census imports only: imports for consumption (CON_VAL_MO), beside general imports in value_usd; null otherwise',
  "quantity" double COMMENT 'quantity in quantity_unit',
  "quantity_unit" varchar COMMENT 'unit of quantity',
  "valuation" varchar COMMENT 'FAS (US exports), CIF (China imports), ...',
  "covers_months" integer COMMENT 'months the figure covers, ending at period (2 for a combined January-February release)',
  "customs_regime" varchar COMMENT 'customs regime (GACC 贸易方式: ordinary trade, processing, bonded logistics, ...) when published; null otherwise',
  "registered_place" varchar COMMENT 'registered place of the importer/exporter (GACC 注册地) when published; null otherwise',
  "release_id" varchar COMMENT 'release (vintage) the row came from',
  "source_uri" varchar COMMENT 'URL or inbox key of the raw input',
  "source_sha256" varchar COMMENT 'sha256 of the raw input',
  "ingested_at" timestamp(3) COMMENT 'when tradepipe read the input (UTC, microseconds)',
  "source" varchar COMMENT 'census or gacc',
  "flow" varchar COMMENT 'export or import, as the reporter sees it',
  "year" integer COMMENT 'year of the reporting month',
  "month" integer COMMENT 'month of the reporting month, 01-12'
)
COMMENT 'every published vintage of trade_flows, one file per release'
WITH (
  external_location = 's3://example-bucket/lake/trade_flows_history',
  format = 'PARQUET',
  partitioned_by = ARRAY['source', 'flow', 'year', 'month']
);
CALL "hive".system.sync_partition_metadata('tradepipe', 'trade_flows_history', 'FULL');

CREATE TABLE IF NOT EXISTS "hive"."tradepipe"."trade_totals" (
  "period" date COMMENT 'first day of the reporting month',
  "reporter" varchar COMMENT 'ISO 3166-1 alpha-2 of the reporting country',
  "partner" varchar COMMENT 'ISO 3166-1 alpha-2 of the partner country',
  "value_usd" decimal(18,2) COMMENT 'published total in US dollars',
  "ytd_value_usd" decimal(18,2) COMMENT 'published year-to-date total in US dollars',
  "covers_months" integer COMMENT 'months the figure covers, ending at period',
  "release_id" varchar COMMENT 'release (vintage) the row came from',
  "source_uri" varchar COMMENT 'URL or inbox key of the raw input',
  "source_sha256" varchar COMMENT 'sha256 of the raw input',
  "ingested_at" timestamp(3) COMMENT 'when tradepipe read the input (UTC, microseconds)',
  "source" varchar COMMENT 'census or gacc',
  "flow" varchar COMMENT 'export or import, as the reporter sees it',
  "year" integer COMMENT 'year of the reporting month',
  "month" integer COMMENT 'month of the reporting month, 01-12'
)
COMMENT 'the published total of a reporter with one partner for a month'
WITH (
  external_location = 's3://example-bucket/lake/trade_totals',
  format = 'PARQUET',
  partitioned_by = ARRAY['source', 'flow', 'year', 'month']
);
CALL "hive".system.sync_partition_metadata('tradepipe', 'trade_totals', 'FULL');

CREATE TABLE IF NOT EXISTS "hive"."tradepipe"."trade_totals_history" (
  "period" date COMMENT 'first day of the reporting month',
  "reporter" varchar COMMENT 'ISO 3166-1 alpha-2 of the reporting country',
  "partner" varchar COMMENT 'ISO 3166-1 alpha-2 of the partner country',
  "value_usd" decimal(18,2) COMMENT 'published total in US dollars',
  "ytd_value_usd" decimal(18,2) COMMENT 'published year-to-date total in US dollars',
  "covers_months" integer COMMENT 'months the figure covers, ending at period',
  "release_id" varchar COMMENT 'release (vintage) the row came from',
  "source_uri" varchar COMMENT 'URL or inbox key of the raw input',
  "source_sha256" varchar COMMENT 'sha256 of the raw input',
  "ingested_at" timestamp(3) COMMENT 'when tradepipe read the input (UTC, microseconds)',
  "source" varchar COMMENT 'census or gacc',
  "flow" varchar COMMENT 'export or import, as the reporter sees it',
  "year" integer COMMENT 'year of the reporting month',
  "month" integer COMMENT 'month of the reporting month, 01-12'
)
COMMENT 'every published vintage of trade_totals, one file per release'
WITH (
  external_location = 's3://example-bucket/lake/trade_totals_history',
  format = 'PARQUET',
  partitioned_by = ARRAY['source', 'flow', 'year', 'month']
);
CALL "hive".system.sync_partition_metadata('tradepipe', 'trade_totals_history', 'FULL');

CREATE TABLE IF NOT EXISTS "hive"."tradepipe"."shipments" (
  "shipment_date" date COMMENT 'arrival or shipment date',
  "period" date COMMENT 'first day of the shipment month',
  "bill_of_lading" varchar COMMENT 'bill of lading number',
  "shipper" varchar COMMENT 'shipper as written in the export',
  "consignee" varchar COMMENT 'consignee as written in the export',
  "origin_country" varchar COMMENT 'ISO 3166-1 alpha-2 of the origin',
  "destination_country" varchar COMMENT 'ISO 3166-1 alpha-2 of the destination',
  "port_of_lading" varchar COMMENT 'port of lading',
  "port_of_unlading" varchar COMMENT 'port of unlading',
  "hs_code" varchar COMMENT 'first HS code of the record, digits',
  "hs_codes" array(varchar) COMMENT 'every HS code the record lists',
  "goods_description" varchar COMMENT 'goods description',
  "value_usd" decimal(18,2) COMMENT 'estimated value in US dollars',
  "weight_kg" double COMMENT 'weight in kilograms',
  "teu" double COMMENT 'twenty-foot equivalent units',
  "source_uri" varchar COMMENT 'URL or inbox key of the raw input',
  "source_sha256" varchar COMMENT 'sha256 of the raw input',
  "sheet" varchar COMMENT 'spreadsheet sheet of the row',
  "source_row" bigint COMMENT '1-based row in the sheet',
  "ingested_at" timestamp(3) COMMENT 'when tradepipe read the input (UTC, microseconds)',
  "source" varchar COMMENT 'panjiva',
  "year" integer COMMENT 'year of the reporting month',
  "month" integer COMMENT 'month of the reporting month, 01-12'
)
COMMENT 'one row per shipment record (bill of lading) from a Panjiva-style export'
WITH (
  external_location = 's3://example-bucket/lake/shipments',
  format = 'PARQUET',
  partitioned_by = ARRAY['source', 'year', 'month']
);
CALL "hive".system.sync_partition_metadata('tradepipe', 'shipments', 'FULL');

CREATE TABLE IF NOT EXISTS "hive"."tradepipe"."quarantine_trade_flows" (
  "period" date COMMENT 'reporting month of the row, when it could be read',
  "reason_code" varchar COMMENT 'machine-readable reason: bad_value, bad_hs_code, bad_date, ...',
  "reason" varchar COMMENT 'the reason, for a person',
  "field" varchar COMMENT 'the offending column, when one is to blame',
  "sheet" varchar COMMENT 'spreadsheet sheet of the row',
  "row_number" bigint COMMENT '1-based row or record number in the input',
  "raw_cells" array(varchar) COMMENT 'the cells of the row as text',
  "release_id" varchar COMMENT 'release (vintage) the row came from',
  "source_uri" varchar COMMENT 'URL or inbox key of the raw input',
  "source_sha256" varchar COMMENT 'sha256 of the raw input',
  "ingested_at" timestamp(3) COMMENT 'when tradepipe read the input (UTC, microseconds)',
  "source" varchar COMMENT 'census, gacc or panjiva',
  "flow" varchar COMMENT 'flow of the partition the rows were meant for, unknown when it cannot be told',
  "year" integer COMMENT 'year of the reporting month',
  "month" integer COMMENT 'month of the reporting month, 01-12'
)
COMMENT 'rows rejected from trade_flows, with their raw cells and the reason'
WITH (
  external_location = 's3://example-bucket/lake/quarantine/trade_flows',
  format = 'PARQUET',
  partitioned_by = ARRAY['source', 'flow', 'year', 'month']
);
CALL "hive".system.sync_partition_metadata('tradepipe', 'quarantine_trade_flows', 'FULL');

CREATE TABLE IF NOT EXISTS "hive"."tradepipe"."quarantine_trade_totals" (
  "period" date COMMENT 'reporting month of the row, when it could be read',
  "reason_code" varchar COMMENT 'machine-readable reason: bad_value, bad_hs_code, bad_date, ...',
  "reason" varchar COMMENT 'the reason, for a person',
  "field" varchar COMMENT 'the offending column, when one is to blame',
  "sheet" varchar COMMENT 'spreadsheet sheet of the row',
  "row_number" bigint COMMENT '1-based row or record number in the input',
  "raw_cells" array(varchar) COMMENT 'the cells of the row as text',
  "release_id" varchar COMMENT 'release (vintage) the row came from',
  "source_uri" varchar COMMENT 'URL or inbox key of the raw input',
  "source_sha256" varchar COMMENT 'sha256 of the raw input',
  "ingested_at" timestamp(3) COMMENT 'when tradepipe read the input (UTC, microseconds)',
  "source" varchar COMMENT 'census, gacc or panjiva',
  "flow" varchar COMMENT 'flow of the partition the rows were meant for, unknown when it cannot be told',
  "year" integer COMMENT 'year of the reporting month',
  "month" integer COMMENT 'month of the reporting month, 01-12'
)
COMMENT 'rows rejected from trade_totals, with their raw cells and the reason'
WITH (
  external_location = 's3://example-bucket/lake/quarantine/trade_totals',
  format = 'PARQUET',
  partitioned_by = ARRAY['source', 'flow', 'year', 'month']
);
CALL "hive".system.sync_partition_metadata('tradepipe', 'quarantine_trade_totals', 'FULL');

CREATE TABLE IF NOT EXISTS "hive"."tradepipe"."quarantine_shipments" (
  "period" date COMMENT 'reporting month of the row, when it could be read',
  "reason_code" varchar COMMENT 'machine-readable reason: bad_value, bad_hs_code, bad_date, ...',
  "reason" varchar COMMENT 'the reason, for a person',
  "field" varchar COMMENT 'the offending column, when one is to blame',
  "sheet" varchar COMMENT 'spreadsheet sheet of the row',
  "row_number" bigint COMMENT '1-based row or record number in the input',
  "raw_cells" array(varchar) COMMENT 'the cells of the row as text',
  "release_id" varchar COMMENT 'release (vintage) the row came from',
  "source_uri" varchar COMMENT 'URL or inbox key of the raw input',
  "source_sha256" varchar COMMENT 'sha256 of the raw input',
  "ingested_at" timestamp(3) COMMENT 'when tradepipe read the input (UTC, microseconds)',
  "source" varchar COMMENT 'census, gacc or panjiva',
  "year" integer COMMENT 'year of the reporting month',
  "month" integer COMMENT 'month of the reporting month, 01-12'
)
COMMENT 'rows rejected from shipments, with their raw cells and the reason'
WITH (
  external_location = 's3://example-bucket/lake/quarantine/shipments',
  format = 'PARQUET',
  partitioned_by = ARRAY['source', 'year', 'month']
);
CALL "hive".system.sync_partition_metadata('tradepipe', 'quarantine_shipments', 'FULL');

CREATE TABLE IF NOT EXISTS "hive"."tradepipe"."compliance" (
  "period" date COMMENT 'the month; year-to-date figures run from January of its year',
  "category" varchar COMMENT 'manufactured_goods, agriculture, energy, all_covered, uncovered, ...',
  "value_usd" decimal(18,2) COMMENT 'covered purchases in the month',
  "covers_months" integer COMMENT 'months value_usd covers, ending at period (2 for a combined January-February figure)',
  "ytd_usd" decimal(18,2) COMMENT 'January through this month',
  "baseline_2017_usd" decimal(18,2) COMMENT 'whole-year 2017 value for the category and basis',
  "target_usd" decimal(18,2) COMMENT 'baseline plus the increment for the year',
  "target_ytd_usd" decimal(18,2) COMMENT 'target prorated through this month',
  "pct_of_target_ytd" double COMMENT '100 x ytd_usd / target_ytd_usd',
  "shortfall_ytd_usd" decimal(18,2) COMMENT 'target_ytd_usd - ytd_usd',
  "ytd_2017_usd" decimal(18,2) COMMENT 'the same months of 2017, from the lake',
  "proration" varchar COMMENT 'linear or seasonal',
  "baseline_source" varchar COMMENT 'lake, piie_original, piie_revised',
  "basis" varchar COMMENT 'us_exports or cn_imports',
  "year" integer COMMENT 'year of the reporting month'
)
COMMENT 'Phase One compliance metrics: one row per basis x month x category'
WITH (
  external_location = 's3://example-bucket/lake/compliance',
  format = 'PARQUET',
  partitioned_by = ARRAY['basis', 'year']
);
CALL "hive".system.sync_partition_metadata('tradepipe', 'compliance', 'FULL');

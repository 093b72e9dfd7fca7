CREATE TABLE IF NOT EXISTS `tradepipe`.`trade_flows` (
  `period` DATE COMMENT 'first day of the reporting month',
  `reporter` STRING COMMENT 'ISO 3166-1 alpha-2 of the reporting country',
  `partner` STRING COMMENT 'ISO 3166-1 alpha-2 of the partner country',
  `hs_code` STRING COMMENT 'HS commodity code, digits only, leading zeros kept',
  `hs_level` INT COMMENT 'number of digits of hs_code: 2, 4, 6, 8 or 10',
  `description` STRING COMMENT 'commodity description as published',
  `value_usd` DECIMAL(18,2) COMMENT 'value in US dollars; US Census imports: general imports (GEN_VAL_MO)',
  `consumption_value_usd` DECIMAL(18,2) COMMENT 'US Census imports only: imports for consumption (CON_VAL_MO), beside general imports in value_usd; null otherwise',
  `quantity` DOUBLE COMMENT 'quantity in quantity_unit',
  `quantity_unit` STRING COMMENT 'unit of quantity',
  `valuation` STRING COMMENT 'FAS (US exports), CIF (China imports), ...',
  `covers_months` INT COMMENT 'months the figure covers, ending at period (2 for a combined January-February release)',
  `customs_regime` STRING COMMENT 'customs regime (GACC 贸易方式: ordinary trade, processing, bonded logistics, ...) when published; null otherwise',
  `registered_place` STRING COMMENT 'registered place of the importer/exporter (GACC 注册地) when published; null otherwise',
  `release_id` STRING COMMENT 'release (vintage) the row came from',
  `source_uri` STRING COMMENT 'URL or inbox key of the raw input',
  `source_sha256` STRING COMMENT 'sha256 of the raw input',
  `ingested_at` TIMESTAMP COMMENT 'when tradepipe read the input (UTC, microseconds)',
  `source` STRING COMMENT 'census or gacc',
  `flow` STRING COMMENT 'export or import, as the reporter sees it',
  `year` INT COMMENT 'year of the reporting month',
  `month` INT COMMENT 'month of the reporting month, 01-12'
)
USING parquet
PARTITIONED BY (`source`, `flow`, `year`, `month`)
LOCATION 's3://example-bucket/lake/trade_flows'
COMMENT 'one row per reporter x partner x flow x commodity x month, from official statistics';
ALTER TABLE `tradepipe`.`trade_flows` RECOVER PARTITIONS;

CREATE TABLE IF NOT EXISTS `tradepipe`.`trade_flows_history` (
  `period` DATE COMMENT 'first day of the reporting month',
  `reporter` STRING COMMENT 'ISO 3166-1 alpha-2 of the reporting country',
  `partner` STRING COMMENT 'ISO 3166-1 alpha-2 of the partner country',
  `hs_code` STRING COMMENT 'HS commodity code, digits only, leading zeros kept',
  `hs_level` INT COMMENT 'number of digits of hs_code: 2, 4, 6, 8 or 10',
  `description` STRING COMMENT 'commodity description as published',
  `value_usd` DECIMAL(18,2) COMMENT 'value in US dollars; US Census imports: general imports (GEN_VAL_MO)',
  `consumption_value_usd` DECIMAL(18,2) COMMENT 'US Census imports only: imports for consumption (CON_VAL_MO), beside general imports in value_usd; null otherwise',
  `quantity` DOUBLE COMMENT 'quantity in quantity_unit',
  `quantity_unit` STRING COMMENT 'unit of quantity',
  `valuation` STRING COMMENT 'FAS (US exports), CIF (China imports), ...',
  `covers_months` INT COMMENT 'months the figure covers, ending at period (2 for a combined January-February release)',
  `customs_regime` STRING COMMENT 'customs regime (GACC 贸易方式: ordinary trade, processing, bonded logistics, ...) when published; null otherwise',
  `registered_place` STRING COMMENT 'registered place of the importer/exporter (GACC 注册地) when published; null otherwise',
  `release_id` STRING COMMENT 'release (vintage) the row came from',
  `source_uri` STRING COMMENT 'URL or inbox key of the raw input',
  `source_sha256` STRING COMMENT 'sha256 of the raw input',
  `ingested_at` TIMESTAMP COMMENT 'when tradepipe read the input (UTC, microseconds)',
  `source` STRING COMMENT 'census or gacc',
  `flow` STRING COMMENT 'export or import, as the reporter sees it',
  `year` INT COMMENT 'year of the reporting month',
  `month` INT COMMENT 'month of the reporting month, 01-12'
)
USING parquet
PARTITIONED BY (`source`, `flow`, `year`, `month`)
LOCATION 's3://example-bucket/lake/trade_flows_history'
COMMENT 'every published vintage of trade_flows, one file per release';
ALTER TABLE `tradepipe`.`trade_flows_history` RECOVER PARTITIONS;

CREATE TABLE IF NOT EXISTS `tradepipe`.`trade_totals` (
  `period` DATE COMMENT 'first day of the reporting month',
  `reporter` STRING COMMENT 'ISO 3166-1 alpha-2 of the reporting country',
  `partner` STRING COMMENT 'ISO 3166-1 alpha-2 of the partner country',
  `value_usd` DECIMAL(18,2) COMMENT 'published total in US dollars',
  `ytd_value_usd` DECIMAL(18,2) COMMENT 'published year-to-date total in US dollars',
  `covers_months` INT COMMENT 'months the figure covers, ending at period',
  `release_id` STRING COMMENT 'release (vintage) the row came from',
  `source_uri` STRING COMMENT 'URL or inbox key of the raw input',
  `source_sha256` STRING COMMENT 'sha256 of the raw input',
  `ingested_at` TIMESTAMP COMMENT 'when tradepipe read the input (UTC, microseconds)',
  `source` STRING COMMENT 'census or gacc',
  `flow` STRING COMMENT 'export or import, as the reporter sees it',
  `year` INT COMMENT 'year of the reporting month',
  `month` INT COMMENT 'month of the reporting month, 01-12'
)
USING parquet
PARTITIONED BY (`source`, `flow`, `year`, `month`)
LOCATION 's3://example-bucket/lake/trade_totals'
COMMENT 'the published total of a reporter with one partner for a month';
ALTER TABLE `tradepipe`.`trade_totals` RECOVER PARTITIONS;

CREATE TABLE IF NOT EXISTS `tradepipe`.`trade_totals_history` (
  `period` DATE COMMENT 'first day of the reporting month',
  `reporter` STRING COMMENT 'ISO 3166-1 alpha-2 of the reporting country',
  `partner` STRING COMMENT 'ISO 3166-1 alpha-2 of the partner country',
  `value_usd` DECIMAL(18,2) COMMENT 'published total in US dollars',
  `ytd_value_usd` DECIMAL(18,2) COMMENT 'published year-to-date total in US dollars',
  `covers_months` INT COMMENT 'months the figure covers, ending at period',
  `release_id` STRING COMMENT 'release (vintage) the row came from',
  `source_uri` STRING COMMENT 'URL or inbox key of the raw input',
  `source_sha256` STRING COMMENT 'sha256 of the raw input',
  `ingested_at` TIMESTAMP COMMENT 'when tradepipe read the input (UTC, microseconds)',
  `source` STRING COMMENT 'census or gacc',
  `flow` STRING COMMENT 'export or import, as the reporter sees it',
  `year` INT COMMENT 'year of the reporting month',
  `month` INT COMMENT 'month of the reporting month, 01-12'
)
USING parquet
PARTITIONED BY (`source`, `flow`, `year`, `month`)
LOCATION 's3://example-bucket/lake/trade_totals_history'
COMMENT 'every published vintage of trade_totals, one file per release';
ALTER TABLE `tradepipe`.`trade_totals_history` RECOVER PARTITIONS;

CREATE TABLE IF NOT EXISTS `tradepipe`.`shipments` (
  `shipment_date` DATE COMMENT 'arrival or shipment date',
  `period` DATE COMMENT 'first day of the shipment month',
  `bill_of_lading` STRING COMMENT 'bill of lading number',
  `shipper` STRING COMMENT 'shipper as written in the export',
  `consignee` STRING COMMENT 'consignee as written in the export',
  `origin_country` STRING COMMENT 'ISO 3166-1 alpha-2 of the origin',
  `destination_country` STRING COMMENT 'ISO 3166-1 alpha-2 of the destination',
  `port_of_lading` STRING COMMENT 'port of lading',
  `port_of_unlading` STRING COMMENT 'port of unlading',
  `hs_code` STRING COMMENT 'first HS code of the record, digits',
  `hs_codes` ARRAY<STRING> COMMENT 'every HS code the record lists',
  `goods_description` STRING COMMENT 'goods description',
  `value_usd` DECIMAL(18,2) COMMENT 'estimated value in US dollars',
  `weight_kg` DOUBLE COMMENT 'weight in kilograms',
  `teu` DOUBLE COMMENT 'twenty-foot equivalent units',
  `source_uri` STRING COMMENT 'URL or inbox key of the raw input',
  `source_sha256` STRING COMMENT 'sha256 of the raw input',
  `sheet` STRING COMMENT 'spreadsheet sheet of the row',
  `source_row` BIGINT COMMENT '1-based row in the sheet',
  `ingested_at` TIMESTAMP COMMENT 'when tradepipe read the input (UTC, microseconds)',
  `source` STRING COMMENT 'panjiva',
  `year` INT COMMENT 'year of the reporting month',
  `month` INT COMMENT 'month of the reporting month, 01-12'
)
USING parquet
PARTITIONED BY (`source`, `year`, `month`)
LOCATION 's3://example-bucket/lake/shipments'
COMMENT 'one row per shipment record (bill of lading) from a Panjiva-style export';
ALTER TABLE `tradepipe`.`shipments` RECOVER PARTITIONS;

CREATE TABLE IF NOT EXISTS `tradepipe`.`quarantine_trade_flows` (
  `period` DATE COMMENT 'reporting month of the row, when it could be read',
  `reason_code` STRING COMMENT 'machine-readable reason: bad_value, bad_hs_code, bad_date, ...',
  `reason` STRING COMMENT 'the reason, for a person',
  `field` STRING COMMENT 'the offending column, when one is to blame',
  `sheet` STRING COMMENT 'spreadsheet sheet of the row',
  `row_number` BIGINT COMMENT '1-based row or record number in the input',
  `raw_cells` ARRAY<STRING> COMMENT 'the cells of the row as text',
  `release_id` STRING COMMENT 'release (vintage) the row came from',
  `source_uri` STRING COMMENT 'URL or inbox key of the raw input',
  `source_sha256` STRING COMMENT 'sha256 of the raw input',
  `ingested_at` TIMESTAMP COMMENT 'when tradepipe read the input (UTC, microseconds)',
  `source` STRING COMMENT 'census, gacc or panjiva',
  `flow` STRING COMMENT 'flow of the partition the rows were meant for, unknown when it cannot be told',
  `year` INT COMMENT 'year of the reporting month',
  `month` INT COMMENT 'month of the reporting month, 01-12'
)
USING parquet
PARTITIONED BY (`source`, `flow`, `year`, `month`)
LOCATION 's3://example-bucket/lake/quarantine/trade_flows'
COMMENT 'rows rejected from trade_flows, with their raw cells and the reason';
ALTER TABLE `tradepipe`.`quarantine_trade_flows` RECOVER PARTITIONS;

CREATE TABLE IF NOT EXISTS `tradepipe`.`quarantine_trade_totals` (
  `period` DATE COMMENT 'reporting month of the row, when it could be read',
  `reason_code` STRING COMMENT 'machine-readable reason: bad_value, bad_hs_code, bad_date, ...',
  `reason` STRING COMMENT 'the reason, for a person',
  `field` STRING COMMENT 'the offending column, when one is to blame',
  `sheet` STRING COMMENT 'spreadsheet sheet of the row',
  `row_number` BIGINT COMMENT '1-based row or record number in the input',
  `raw_cells` ARRAY<STRING> COMMENT 'the cells of the row as text',
  `release_id` STRING COMMENT 'release (vintage) the row came from',
  `source_uri` STRING COMMENT 'URL or inbox key of the raw input',
  `source_sha256` STRING COMMENT 'sha256 of the raw input',
  `ingested_at` TIMESTAMP COMMENT 'when tradepipe read the input (UTC, microseconds)',
  `source` STRING COMMENT 'census, gacc or panjiva',
  `flow` STRING COMMENT 'flow of the partition the rows were meant for, unknown when it cannot be told',
  `year` INT COMMENT 'year of the reporting month',
  `month` INT COMMENT 'month of the reporting month, 01-12'
)
USING parquet
PARTITIONED BY (`source`, `flow`, `year`, `month`)
LOCATION 's3://example-bucket/lake/quarantine/trade_totals'
COMMENT 'rows rejected from trade_totals, with their raw cells and the reason';
ALTER TABLE `tradepipe`.`quarantine_trade_totals` RECOVER PARTITIONS;

CREATE TABLE IF NOT EXISTS `tradepipe`.`quarantine_shipments` (
  `period` DATE COMMENT 'reporting month of the row, when it could be read',
  `reason_code` STRING COMMENT 'machine-readable reason: bad_value, bad_hs_code, bad_date, ...',
  `reason` STRING COMMENT 'the reason, for a person',
  `field` STRING COMMENT 'the offending column, when one is to blame',
  `sheet` STRING COMMENT 'spreadsheet sheet of the row',
  `row_number` BIGINT COMMENT '1-based row or record number in the input',
  `raw_cells` ARRAY<STRING> COMMENT 'the cells of the row as text',
  `release_id` STRING COMMENT 'release (vintage) the row came from',
  `source_uri` STRING COMMENT 'URL or inbox key of the raw input',
  `source_sha256` STRING COMMENT 'sha256 of the raw input',
  `ingested_at` TIMESTAMP COMMENT 'when tradepipe read the input (UTC, microseconds)',
  `source` STRING COMMENT 'census, gacc or panjiva',
  `year` INT COMMENT 'year of the reporting month',
  `month` INT COMMENT 'month of the reporting month, 01-12'
)
USING parquet
PARTITIONED BY (`source`, `year`, `month`)
LOCATION 's3://example-bucket/lake/quarantine/shipments'
COMMENT 'rows rejected from shipments, with their raw cells and the reason';
ALTER TABLE `tradepipe`.`quarantine_shipments` RECOVER PARTITIONS;

CREATE TABLE IF NOT EXISTS `tradepipe`.`compliance` (
  `period` DATE COMMENT 'the month; year-to-date figures run from January of its year',
  `category` STRING COMMENT 'manufactured_goods, agriculture, energy, all_covered, uncovered, ...',
  `value_usd` DECIMAL(18,2) COMMENT 'covered purchases in the month',
  `covers_months` INT COMMENT 'months value_usd covers, ending at period (2 for a combined January-February figure)',
  `ytd_usd` DECIMAL(18,2) COMMENT 'January through this month',
  `baseline_2017_usd` DECIMAL(18,2) COMMENT 'whole-year 2017 value for the category and basis',
  `target_usd` DECIMAL(18,2) COMMENT 'baseline plus the increment for the year',
  `target_ytd_usd` DECIMAL(18,2) COMMENT 'target prorated through this month',
  `pct_of_target_ytd` DOUBLE COMMENT '100 x ytd_usd / target_ytd_usd',
  `shortfall_ytd_usd` DECIMAL(18,2) COMMENT 'target_ytd_usd - ytd_usd',
  `ytd_2017_usd` DECIMAL(18,2) COMMENT 'the same months of 2017, from the lake',
  `proration` STRING COMMENT 'linear or seasonal',
  `baseline_source` STRING COMMENT 'lake, piie_original, piie_revised',
  `basis` STRING COMMENT 'us_exports or cn_imports',
  `year` INT COMMENT 'year of the reporting month'
)
USING parquet
PARTITIONED BY (`basis`, `year`)
LOCATION 's3://example-bucket/lake/compliance'
COMMENT 'Phase One compliance metrics: one row per basis x month x category';
ALTER TABLE `tradepipe`.`compliance` RECOVER PARTITIONS;

CREATE EXTERNAL TABLE IF NOT EXISTS `tradepipe`.`trade_flows` (
  `period` date COMMENT 'first day of the reporting month',
  `reporter` string COMMENT 'ISO 3166-1 alpha-2 of the reporting country',
  `partner` string COMMENT 'ISO 3166-1 alpha-2 of the partner country',
  `hs_code` string COMMENT 'HS commodity code, digits only, leading zeros kept',
  `hs_level` int COMMENT 'number of digits of hs_code: 2, 4, 6, 8 or 10',
  `description` string COMMENT 'commodity description as published',
  `value_usd` decimal(18,2) COMMENT 'value in US dollars; US Census imports: general imports (GEN_VAL_MO)',
  `consumption_value_usd` decimal(18,2) COMMENT 'US Census imports only: imports for consumption (CON_VAL_MO), beside general imports in value_usd; null otherwise',
  `quantity` double COMMENT 'quantity in quantity_unit',
  `quantity_unit` string COMMENT 'unit of quantity',
  `valuation` string COMMENT 'FAS (US exports), CIF (China imports), ...',
  `covers_months` int COMMENT 'months the figure covers, ending at period (2 for a combined January-February release)',
  `customs_regime` string COMMENT 'customs regime (GACC 贸易方式: ordinary trade, processing, bonded logistics, ...) when published; null otherwise',
  `registered_place` string COMMENT 'registered place of the importer/exporter (GACC 注册地) when published; null otherwise',
  `release_id` string COMMENT 'release (vintage) the row came from',
  `source_uri` string COMMENT 'URL or inbox key of the raw input',
  `source_sha256` string COMMENT 'sha256 of the raw input',
  `ingested_at` timestamp COMMENT 'when tradepipe read the input (UTC, microseconds)'
)
COMMENT 'one row per reporter x partner x flow x commodity x month, from official statistics'
PARTITIONED BY (`source` string COMMENT 'census or gacc', `flow` string COMMENT 'export or import, as the reporter sees it', `year` int COMMENT 'year of the reporting month', `month` int COMMENT 'month of the reporting month, 01-12')
STORED AS PARQUET
LOCATION 's3://example-bucket/lake/trade_flows/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.source.type' = 'enum',
  'projection.source.values' = 'census,gacc',
  'projection.flow.type' = 'enum',
  'projection.flow.values' = 'export,import',
  'projection.year.type' = 'integer',
  'projection.year.range' = '1990,2099',
  'projection.year.digits' = '4',
  'projection.month.type' = 'integer',
  'projection.month.range' = '1,12',
  'projection.month.digits' = '2',
  'storage.location.template' = 's3://example-bucket/lake/trade_flows/source=${source}/flow=${flow}/year=${year}/month=${month}/',
  'parquet.compression' = 'ZSTD'
);

CREATE EXTERNAL TABLE IF NOT EXISTS `tradepipe`.`trade_flows_history` (
  `period` date COMMENT 'first day of the reporting month',
  `reporter` string COMMENT 'ISO 3166-1 alpha-2 of the reporting country',
  `partner` string COMMENT 'ISO 3166-1 alpha-2 of the partner country',
  `hs_code` string COMMENT 'HS commodity code, digits only, leading zeros kept',
  `hs_level` int COMMENT 'number of digits of hs_code: 2, 4, 6, 8 or 10',
  `description` string COMMENT 'commodity description as published',
  `value_usd` decimal(18,2) COMMENT 'value in US dollars; US Census imports: general imports (GEN_VAL_MO)',
  `consumption_value_usd` decimal(18,2) COMMENT 'US Census imports only: imports for consumption (CON_VAL_MO), beside general imports in value_usd; null otherwise',
  `quantity` double COMMENT 'quantity in quantity_unit',
  `quantity_unit` string COMMENT 'unit of quantity',
  `valuation` string COMMENT 'FAS (US exports), CIF (China imports), ...',
  `covers_months` int COMMENT 'months the figure covers, ending at period (2 for a combined January-February release)',
  `customs_regime` string COMMENT 'customs regime (GACC 贸易方式: ordinary trade, processing, bonded logistics, ...) when published; null otherwise',
  `registered_place` string COMMENT 'registered place of the importer/exporter (GACC 注册地) when published; null otherwise',
  `release_id` string COMMENT 'release (vintage) the row came from',
  `source_uri` string COMMENT 'URL or inbox key of the raw input',
  `source_sha256` string COMMENT 'sha256 of the raw input',
  `ingested_at` timestamp COMMENT 'when tradepipe read the input (UTC, microseconds)'
)
COMMENT 'every published vintage of trade_flows, one file per release'
PARTITIONED BY (`source` string COMMENT 'census or gacc', `flow` string COMMENT 'export or import, as the reporter sees it', `year` int COMMENT 'year of the reporting month', `month` int COMMENT 'month of the reporting month, 01-12')
STORED AS PARQUET
LOCATION 's3://example-bucket/lake/trade_flows_history/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.source.type' = 'enum',
  'projection.source.values' = 'census,gacc',
  'projection.flow.type' = 'enum',
  'projection.flow.values' = 'export,import',
  'projection.year.type' = 'integer',
  'projection.year.range' = '1990,2099',
  'projection.year.digits' = '4',
  'projection.month.type' = 'integer',
  'projection.month.range' = '1,12',
  'projection.month.digits' = '2',
  'storage.location.template' = 's3://example-bucket/lake/trade_flows_history/source=${source}/flow=${flow}/year=${year}/month=${month}/',
  'parquet.compression' = 'ZSTD'
);

CREATE EXTERNAL TABLE IF NOT EXISTS `tradepipe`.`trade_totals` (
  `period` date COMMENT 'first day of the reporting month',
  `reporter` string COMMENT 'ISO 3166-1 alpha-2 of the reporting country',
  `partner` string COMMENT 'ISO 3166-1 alpha-2 of the partner country',
  `value_usd` decimal(18,2) COMMENT 'published total in US dollars',
  `ytd_value_usd` decimal(18,2) COMMENT 'published year-to-date total in US dollars',
  `covers_months` int COMMENT 'months the figure covers, ending at period',
  `release_id` string COMMENT 'release (vintage) the row came from',
  `source_uri` string COMMENT 'URL or inbox key of the raw input',
  `source_sha256` string COMMENT 'sha256 of the raw input',
  `ingested_at` timestamp COMMENT 'when tradepipe read the input (UTC, microseconds)'
)
COMMENT 'the published total of a reporter with one partner for a month'
PARTITIONED BY (`source` string COMMENT 'census or gacc', `flow` string COMMENT 'export or import, as the reporter sees it', `year` int COMMENT 'year of the reporting month', `month` int COMMENT 'month of the reporting month, 01-12')
STORED AS PARQUET
LOCATION 's3://example-bucket/lake/trade_totals/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.source.type' = 'enum',
  'projection.source.values' = 'census,gacc',
  'projection.flow.type' = 'enum',
  'projection.flow.values' = 'export,import',
  'projection.year.type' = 'integer',
  'projection.year.range' = '1990,2099',
  'projection.year.digits' = '4',
  'projection.month.type' = 'integer',
  'projection.month.range' = '1,12',
  'projection.month.digits' = '2',
  'storage.location.template' = 's3://example-bucket/lake/trade_totals/source=${source}/flow=${flow}/year=${year}/month=${month}/',
  'parquet.compression' = 'ZSTD'
);

CREATE EXTERNAL TABLE IF NOT EXISTS `tradepipe`.`trade_totals_history` (
  `period` date COMMENT 'first day of the reporting month',
  `reporter` string COMMENT 'ISO 3166-1 alpha-2 of the reporting country',
  `partner` string COMMENT 'ISO 3166-1 alpha-2 of the partner country',
  `value_usd` decimal(18,2) COMMENT 'published total in US dollars',
  `ytd_value_usd` decimal(18,2) COMMENT 'published year-to-date total in US dollars',
  `covers_months` int COMMENT 'months the figure covers, ending at period',
  `release_id` string COMMENT 'release (vintage) the row came from',
  `source_uri` string COMMENT 'URL or inbox key of the raw input',
  `source_sha256` string COMMENT 'sha256 of the raw input',
  `ingested_at` timestamp COMMENT 'when tradepipe read the input (UTC, microseconds)'
)
COMMENT 'every published vintage of trade_totals, one file per release'
PARTITIONED BY (`source` string COMMENT 'census or gacc', `flow` string COMMENT 'export or import, as the reporter sees it', `year` int COMMENT 'year of the reporting month', `month` int COMMENT 'month of the reporting month, 01-12')
STORED AS PARQUET
LOCATION 's3://example-bucket/lake/trade_totals_history/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.source.type' = 'enum',
  'projection.source.values' = 'census,gacc',
  'projection.flow.type' = 'enum',
  'projection.flow.values' = 'export,import',
  'projection.year.type' = 'integer',
  'projection.year.range' = '1990,2099',
  'projection.year.digits' = '4',
  'projection.month.type' = 'integer',
  'projection.month.range' = '1,12',
  'projection.month.digits' = '2',
  'storage.location.template' = 's3://example-bucket/lake/trade_totals_history/source=${source}/flow=${flow}/year=${year}/month=${month}/',
  'parquet.compression' = 'ZSTD'
);

CREATE EXTERNAL TABLE IF NOT EXISTS `tradepipe`.`shipments` (
  `shipment_date` date COMMENT 'arrival or shipment date',
  `period` date COMMENT 'first day of the shipment month',
  `bill_of_lading` string COMMENT 'bill of lading number',
  `shipper` string COMMENT 'shipper as written in the export',
  `consignee` string COMMENT 'consignee as written in the export',
  `origin_country` string COMMENT 'ISO 3166-1 alpha-2 of the origin',
  `destination_country` string COMMENT 'ISO 3166-1 alpha-2 of the destination',
  `port_of_lading` string COMMENT 'port of lading',
  `port_of_unlading` string COMMENT 'port of unlading',
  `hs_code` string COMMENT 'first HS code of the record, digits',
  `hs_codes` array<string> COMMENT 'every HS code the record lists',
  `goods_description` string COMMENT 'goods description',
  `value_usd` decimal(18,2) COMMENT 'estimated value in US dollars',
  `weight_kg` double COMMENT 'weight in kilograms',
  `teu` double COMMENT 'twenty-foot equivalent units',
  `source_uri` string COMMENT 'URL or inbox key of the raw input',
  `source_sha256` string COMMENT 'sha256 of the raw input',
  `sheet` string COMMENT 'spreadsheet sheet of the row',
  `source_row` bigint COMMENT '1-based row in the sheet',
  `ingested_at` timestamp COMMENT 'when tradepipe read the input (UTC, microseconds)'
)
COMMENT 'one row per shipment record (bill of lading) from a Panjiva-style export'
PARTITIONED BY (`source` string COMMENT 'panjiva', `year` int COMMENT 'year of the reporting month', `month` int COMMENT 'month of the reporting month, 01-12')
STORED AS PARQUET
LOCATION 's3://example-bucket/lake/shipments/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.source.type' = 'enum',
  'projection.source.values' = 'panjiva',
  'projection.year.type' = 'integer',
  'projection.year.range' = '1990,2099',
  'projection.year.digits' = '4',
  'projection.month.type' = 'integer',
  'projection.month.range' = '1,12',
  'projection.month.digits' = '2',
  'storage.location.template' = 's3://example-bucket/lake/shipments/source=${source}/year=${year}/month=${month}/',
  'parquet.compression' = 'ZSTD'
);

CREATE EXTERNAL TABLE IF NOT EXISTS `tradepipe`.`quarantine_trade_flows` (
  `period` date COMMENT 'reporting month of the row, when it could be read',
  `reason_code` string COMMENT 'machine-readable reason: bad_value, bad_hs_code, bad_date, ...',
  `reason` string COMMENT 'the reason, for a person',
  `field` string COMMENT 'the offending column, when one is to blame',
  `sheet` string COMMENT 'spreadsheet sheet of the row',
  `row_number` bigint COMMENT '1-based row or record number in the input',
  `raw_cells` array<string> COMMENT 'the cells of the row as text',
  `release_id` string COMMENT 'release (vintage) the row came from',
  `source_uri` string COMMENT 'URL or inbox key of the raw input',
  `source_sha256` string COMMENT 'sha256 of the raw input',
  `ingested_at` timestamp COMMENT 'when tradepipe read the input (UTC, microseconds)'
)
COMMENT 'rows rejected from trade_flows, with their raw cells and the reason'
PARTITIONED BY (`source` string COMMENT 'census, gacc or panjiva', `flow` string COMMENT 'flow of the partition the rows were meant for, unknown when it cannot be told', `year` int COMMENT 'year of the reporting month', `month` int COMMENT 'month of the reporting month, 01-12')
STORED AS PARQUET
LOCATION 's3://example-bucket/lake/quarantine/trade_flows/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.source.type' = 'enum',
  'projection.source.values' = 'census,gacc,panjiva',
  'projection.flow.type' = 'enum',
  'projection.flow.values' = 'export,import,unknown',
  'projection.year.type' = 'integer',
  'projection.year.range' = '0,2099',
  'projection.year.digits' = '4',
  'projection.month.type' = 'integer',
  'projection.month.range' = '0,12',
  'projection.month.digits' = '2',
  'storage.location.template' = 's3://example-bucket/lake/quarantine/trade_flows/source=${source}/flow=${flow}/year=${year}/month=${month}/',
  'parquet.compression' = 'ZSTD'
);

CREATE EXTERNAL TABLE IF NOT EXISTS `tradepipe`.`quarantine_trade_totals` (
  `period` date COMMENT 'reporting month of the row, when it could be read',
  `reason_code` string COMMENT 'machine-readable reason: bad_value, bad_hs_code, bad_date, ...',
  `reason` string COMMENT 'the reason, for a person',
  `field` string COMMENT 'the offending column, when one is to blame',
  `sheet` string COMMENT 'spreadsheet sheet of the row',
  `row_number` bigint COMMENT '1-based row or record number in the input',
  `raw_cells` array<string> COMMENT 'the cells of the row as text',
  `release_id` string COMMENT 'release (vintage) the row came from',
  `source_uri` string COMMENT 'URL or inbox key of the raw input',
  `source_sha256` string COMMENT 'sha256 of the raw input',
  `ingested_at` timestamp COMMENT 'when tradepipe read the input (UTC, microseconds)'
)
COMMENT 'rows rejected from trade_totals, with their raw cells and the reason'
PARTITIONED BY (`source` string COMMENT 'census, gacc or panjiva', `flow` string COMMENT 'flow of the partition the rows were meant for, unknown when it cannot be told', `year` int COMMENT 'year of the reporting month', `month` int COMMENT 'month of the reporting month, 01-12')
STORED AS PARQUET
LOCATION 's3://example-bucket/lake/quarantine/trade_totals/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.source.type' = 'enum',
  'projection.source.values' = 'census,gacc,panjiva',
  'projection.flow.type' = 'enum',
  'projection.flow.values' = 'export,import,unknown',
  'projection.year.type' = 'integer',
  'projection.year.range' = '0,2099',
  'projection.year.digits' = '4',
  'projection.month.type' = 'integer',
  'projection.month.range' = '0,12',
  'projection.month.digits' = '2',
  'storage.location.template' = 's3://example-bucket/lake/quarantine/trade_totals/source=${source}/flow=${flow}/year=${year}/month=${month}/',
  'parquet.compression' = 'ZSTD'
);

CREATE EXTERNAL TABLE IF NOT EXISTS `tradepipe`.`quarantine_shipments` (
  `period` date COMMENT 'reporting month of the row, when it could be read',
  `reason_code` string COMMENT 'machine-readable reason: bad_value, bad_hs_code, bad_date, ...',
  `reason` string COMMENT 'the reason, for a person',
  `field` string COMMENT 'the offending column, when one is to blame',
  `sheet` string COMMENT 'spreadsheet sheet of the row',
  `row_number` bigint COMMENT '1-based row or record number in the input',
  `raw_cells` array<string> COMMENT 'the cells of the row as text',
  `release_id` string COMMENT 'release (vintage) the row came from',
  `source_uri` string COMMENT 'URL or inbox key of the raw input',
  `source_sha256` string COMMENT 'sha256 of the raw input',
  `ingested_at` timestamp COMMENT 'when tradepipe read the input (UTC, microseconds)'
)
COMMENT 'rows rejected from shipments, with their raw cells and the reason'
PARTITIONED BY (`source` string COMMENT 'census, gacc or panjiva', `year` int COMMENT 'year of the reporting month', `month` int COMMENT 'month of the reporting month, 01-12')
STORED AS PARQUET
LOCATION 's3://example-bucket/lake/quarantine/shipments/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.source.type' = 'enum',
  'projection.source.values' = 'census,gacc,panjiva',
  'projection.year.type' = 'integer',
  'projection.year.range' = '0,2099',
  'projection.year.digits' = '4',
  'projection.month.type' = 'integer',
  'projection.month.range' = '0,12',
  'projection.month.digits' = '2',
  'storage.location.template' = 's3://example-bucket/lake/quarantine/shipments/source=${source}/year=${year}/month=${month}/',
  'parquet.compression' = 'ZSTD'
);

CREATE EXTERNAL TABLE IF NOT EXISTS `tradepipe`.`compliance` (
  `period` date COMMENT 'the month; year-to-date figures run from January of its year',
  `category` string COMMENT 'manufactured_goods, agriculture, energy, all_covered, uncovered, ...',
  `value_usd` decimal(18,2) COMMENT 'covered purchases in the month',
  `covers_months` int COMMENT 'months value_usd covers, ending at period (2 for a combined January-February figure)',
  `ytd_usd` decimal(18,2) COMMENT 'January through this month',
  `baseline_2017_usd` decimal(18,2) COMMENT 'whole-year 2017 value for the category and basis',
  `target_usd` decimal(18,2) COMMENT 'baseline plus the increment for the year',
  `target_ytd_usd` decimal(18,2) COMMENT 'target prorated through this month',
  `pct_of_target_ytd` double COMMENT '100 x ytd_usd / target_ytd_usd',
  `shortfall_ytd_usd` decimal(18,2) COMMENT 'target_ytd_usd - ytd_usd',
  `ytd_2017_usd` decimal(18,2) COMMENT 'the same months of 2017, from the lake',
  `proration` string COMMENT 'linear or seasonal',
  `baseline_source` string COMMENT 'lake, piie_original, piie_revised'
)
COMMENT 'Phase One compliance metrics: one row per basis x month x category'
PARTITIONED BY (`basis` string COMMENT 'us_exports or cn_imports', `year` int COMMENT 'year of the reporting month')
STORED AS PARQUET
LOCATION 's3://example-bucket/lake/compliance/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.basis.type' = 'enum',
  'projection.basis.values' = 'cn_imports,us_exports',
  'projection.year.type' = 'integer',
  'projection.year.range' = '2017,2099',
  'projection.year.digits' = '4',
  'storage.location.template' = 's3://example-bucket/lake/compliance/basis=${basis}/year=${year}/',
  'parquet.compression' = 'ZSTD'
);

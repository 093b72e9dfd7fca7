-- Iceberg runtime with a catalog named as below (spark.sql.catalog.<name>). A registered table
-- stays at the metadata file named: to follow releases, keep the tables in a REST or Glue
-- catalog with `tradepipe tables register` and point the Spark catalog at it.

-- trade_flows: one row per reporter x partner x flow x commodity x month, from official statistics
-- no snapshot read from a lake: the <...> are placeholders for what `tradepipe tables list` prints
CALL `iceberg`.system.register_table(table => 'tradepipe.trade_flows',
  metadata_file => 's3://example-bucket/lake/_iceberg/trade_flows/metadata/v<N>.metadata.json');
-- time travel
SELECT count(*) FROM `iceberg`.`tradepipe`.`trade_flows` VERSION AS OF <earlier-snapshot-id>;

-- trade_flows_history: every published vintage of trade_flows, one file per release
-- no snapshot read from a lake: the <...> are placeholders for what `tradepipe tables list` prints
CALL `iceberg`.system.register_table(table => 'tradepipe.trade_flows_history',
  metadata_file => 's3://example-bucket/lake/_iceberg/trade_flows_history/metadata/v<N>.metadata.json');
-- time travel
SELECT count(*) FROM `iceberg`.`tradepipe`.`trade_flows_history` VERSION AS OF <earlier-snapshot-id>;

-- trade_totals: the published total of a reporter with one partner for a month
-- no snapshot read from a lake: the <...> are placeholders for what `tradepipe tables list` prints
CALL `iceberg`.system.register_table(table => 'tradepipe.trade_totals',
  metadata_file => 's3://example-bucket/lake/_iceberg/trade_totals/metadata/v<N>.metadata.json');
-- time travel
SELECT count(*) FROM `iceberg`.`tradepipe`.`trade_totals` VERSION AS OF <earlier-snapshot-id>;

-- trade_totals_history: every published vintage of trade_totals, one file per release
-- no snapshot read from a lake: the <...> are placeholders for what `tradepipe tables list` prints
CALL `iceberg`.system.register_table(table => 'tradepipe.trade_totals_history',
  metadata_file => 's3://example-bucket/lake/_iceberg/trade_totals_history/metadata/v<N>.metadata.json');
-- time travel
SELECT count(*) FROM `iceberg`.`tradepipe`.`trade_totals_history` VERSION AS OF <earlier-snapshot-id>;

-- shipments: one row per shipment record (bill of lading) from a Panjiva-style export
-- no snapshot read from a lake: the <...> are placeholders for what `tradepipe tables list` prints
CALL `iceberg`.system.register_table(table => 'tradepipe.shipments',
  metadata_file => 's3://example-bucket/lake/_iceberg/shipments/metadata/v<N>.metadata.json');
-- time travel
SELECT count(*) FROM `iceberg`.`tradepipe`.`shipments` VERSION AS OF <earlier-snapshot-id>;

-- quarantine_trade_flows: rows rejected from trade_flows, with their raw cells and the reason
-- no snapshot read from a lake: the <...> are placeholders for what `tradepipe tables list` prints
CALL `iceberg`.system.register_table(table => 'tradepipe.quarantine_trade_flows',
  metadata_file => 's3://example-bucket/lake/_iceberg/quarantine_trade_flows/metadata/v<N>.metadata.json');
-- time travel
SELECT count(*) FROM `iceberg`.`tradepipe`.`quarantine_trade_flows` VERSION AS OF <earlier-snapshot-id>;

-- quarantine_trade_totals: rows rejected from trade_totals, with their raw cells and the reason
-- no snapshot read from a lake: the <...> are placeholders for what `tradepipe tables list` prints
CALL `iceberg`.system.register_table(table => 'tradepipe.quarantine_trade_totals',
  metadata_file => 's3://example-bucket/lake/_iceberg/quarantine_trade_totals/metadata/v<N>.metadata.json');
-- time travel
SELECT count(*) FROM `iceberg`.`tradepipe`.`quarantine_trade_totals` VERSION AS OF <earlier-snapshot-id>;

-- quarantine_shipments: rows rejected from shipments, with their raw cells and the reason
-- no snapshot read from a lake: the <...> are placeholders for what `tradepipe tables list` prints
CALL `iceberg`.system.register_table(table => 'tradepipe.quarantine_shipments',
  metadata_file => 's3://example-bucket/lake/_iceberg/quarantine_shipments/metadata/v<N>.metadata.json');
-- time travel
SELECT count(*) FROM `iceberg`.`tradepipe`.`quarantine_shipments` VERSION AS OF <earlier-snapshot-id>;

-- compliance: Phase One compliance metrics: one row per basis x month x category
-- no snapshot read from a lake: the <...> are placeholders for what `tradepipe tables list` prints
CALL `iceberg`.system.register_table(table => 'tradepipe.compliance',
  metadata_file => 's3://example-bucket/lake/_iceberg/compliance/metadata/v<N>.metadata.json');
-- time travel
SELECT count(*) FROM `iceberg`.`tradepipe`.`compliance` VERSION AS OF <earlier-snapshot-id>;

-- Iceberg connector with iceberg.register-table-procedure.enabled=true. The catalog keeps the
-- metadata file registered: after a release, unregister_table and register again, or keep the
-- tables in a REST or Glue catalog with `tradepipe tables register`.

-- trade_flows: one row per reporter x partner x flow x commodity x month, from official statistics
-- no snapshot read from a lake: the <...> are placeholders for what `tradepipe tables list` prints
CALL "iceberg".system.register_table(schema_name => 'tradepipe', table_name => 'trade_flows',
  table_location => 's3://example-bucket/lake/_iceberg/trade_flows', metadata_file_name => 'v<N>.metadata.json');
-- time travel
SELECT count(*) FROM "iceberg"."tradepipe"."trade_flows" FOR VERSION AS OF <earlier-snapshot-id>;

-- trade_flows_history: every published vintage of trade_flows, one file per release
-- no snapshot read from a lake: the <...> are placeholders for what `tradepipe tables list` prints
CALL "iceberg".system.register_table(schema_name => 'tradepipe', table_name => 'trade_flows_history',
  table_location => 's3://example-bucket/lake/_iceberg/trade_flows_history', metadata_file_name => 'v<N>.metadata.json');
-- time travel
SELECT count(*) FROM "iceberg"."tradepipe"."trade_flows_history" FOR VERSION AS OF <earlier-snapshot-id>;

-- trade_totals: the published total of a reporter with one partner for a month
-- no snapshot read from a lake: the <...> are placeholders for what `tradepipe tables list` prints
CALL "iceberg".system.register_table(schema_name => 'tradepipe', table_name => 'trade_totals',
  table_location => 's3://example-bucket/lake/_iceberg/trade_totals', metadata_file_name => 'v<N>.metadata.json');
-- time travel
SELECT count(*) FROM "iceberg"."tradepipe"."trade_totals" FOR VERSION AS OF <earlier-snapshot-id>;

-- trade_totals_history: every published vintage of trade_totals, one file per release
-- no snapshot read from a lake: the <...> are placeholders for what `tradepipe tables list` prints
CALL "iceberg".system.register_table(schema_name => 'tradepipe', table_name => 'trade_totals_history',
  table_location => 's3://example-bucket/lake/_iceberg/trade_totals_history', metadata_file_name => 'v<N>.metadata.json');
-- time travel
SELECT count(*) FROM "iceberg"."tradepipe"."trade_totals_history" FOR VERSION AS OF <earlier-snapshot-id>;

-- shipments: one row per shipment record (bill of lading) from a Panjiva-style export
-- no snapshot read from a lake: the <...> are placeholders for what `tradepipe tables list` prints
CALL "iceberg".system.register_table(schema_name => 'tradepipe', table_name => 'shipments',
  table_location => 's3://example-bucket/lake/_iceberg/shipments', metadata_file_name => 'v<N>.metadata.json');
-- time travel
SELECT count(*) FROM "iceberg"."tradepipe"."shipments" FOR VERSION AS OF <earlier-snapshot-id>;

-- quarantine_trade_flows: rows rejected from trade_flows, with their raw cells and the reason
-- no snapshot read from a lake: the <...> are placeholders for what `tradepipe tables list` prints
CALL "iceberg".system.register_table(schema_name => 'tradepipe', table_name => 'quarantine_trade_flows',
  table_location => 's3://example-bucket/lake/_iceberg/quarantine_trade_flows', metadata_file_name => 'v<N>.metadata.json');
-- time travel
SELECT count(*) FROM "iceberg"."tradepipe"."quarantine_trade_flows" FOR VERSION AS OF <earlier-snapshot-id>;

-- quarantine_trade_totals: rows rejected from trade_totals, with their raw cells and the reason
-- no snapshot read from a lake: the <...> are placeholders for what `tradepipe tables list` prints
CALL "iceberg".system.register_table(schema_name => 'tradepipe', table_name => 'quarantine_trade_totals',
  table_location => 's3://example-bucket/lake/_iceberg/quarantine_trade_totals', metadata_file_name => 'v<N>.metadata.json');
-- time travel
SELECT count(*) FROM "iceberg"."tradepipe"."quarantine_trade_totals" FOR VERSION AS OF <earlier-snapshot-id>;

-- quarantine_shipments: rows rejected from shipments, with their raw cells and the reason
-- no snapshot read from a lake: the <...> are placeholders for what `tradepipe tables list` prints
CALL "iceberg".system.register_table(schema_name => 'tradepipe', table_name => 'quarantine_shipments',
  table_location => 's3://example-bucket/lake/_iceberg/quarantine_shipments', metadata_file_name => 'v<N>.metadata.json');
-- time travel
SELECT count(*) FROM "iceberg"."tradepipe"."quarantine_shipments" FOR VERSION AS OF <earlier-snapshot-id>;

-- compliance: Phase One compliance metrics: one row per basis x month x category
-- no snapshot read from a lake: the <...> are placeholders for what `tradepipe tables list` prints
CALL "iceberg".system.register_table(schema_name => 'tradepipe', table_name => 'compliance',
  table_location => 's3://example-bucket/lake/_iceberg/compliance', metadata_file_name => 'v<N>.metadata.json');
-- time travel
SELECT count(*) FROM "iceberg"."tradepipe"."compliance" FOR VERSION AS OF <earlier-snapshot-id>;

-- ===== duckdb-iceberg =====
-- The views read each table as of the metadata file named (the current one when generated);
-- generate them again after a release. The iceberg extension is downloaded on first use.
INSTALL iceberg;
LOAD iceberg;

-- trade_flows: one row per reporter x partner x flow x commodity x month, from official statistics
-- current: snapshot 2222 of 2 kept (release census-2026-11, committed 2026-11-03T08:30:00Z)
-- oldest kept: snapshot 1111 (release census-2026-10, committed 2026-11-02T08:30:00Z)
CREATE OR REPLACE VIEW "trade_flows" AS
SELECT * FROM iceberg_scan('s3://b/lake/_iceberg/trade_flows/metadata/v7.metadata.json');
-- time travel
SELECT count(*) FROM iceberg_scan('s3://b/lake/_iceberg/trade_flows/metadata/v7.metadata.json', snapshot_from_id = 1111);
-- ===== athena-iceberg =====
-- After `tradepipe tables register` into the Glue Data Catalog (a glue catalog, or Glue's REST
-- endpoint with sigv4); run it after releases to move the tables on.

-- trade_flows: one row per reporter x partner x flow x commodity x month, from official statistics
-- current: snapshot 2222 of 2 kept (release census-2026-11, committed 2026-11-03T08:30:00Z)
-- oldest kept: snapshot 1111 (release census-2026-10, committed 2026-11-02T08:30:00Z)
SELECT count(*) FROM "tradepipe"."trade_flows";
-- time travel
SELECT count(*) FROM "tradepipe"."trade_flows" FOR VERSION AS OF 1111;
-- ===== trino-iceberg =====
-- Iceberg connector with iceberg.register-table-procedure.enabled=true. The catalog keeps the
-- metadata file registered: after a release, unregister_table and register again, or keep the
-- tables in a REST or Glue catalog with `tradepipe tables register`.

-- trade_flows: one row per reporter x partner x flow x commodity x month, from official statistics
-- current: snapshot 2222 of 2 kept (release census-2026-11, committed 2026-11-03T08:30:00Z)
-- oldest kept: snapshot 1111 (release census-2026-10, committed 2026-11-02T08:30:00Z)
CALL "iceberg".system.register_table(schema_name => 'tradepipe', table_name => 'trade_flows',
  table_location => 's3://b/lake/_iceberg/trade_flows', metadata_file_name => 'v7.metadata.json');
-- time travel
SELECT count(*) FROM "iceberg"."tradepipe"."trade_flows" FOR VERSION AS OF 1111;
-- ===== spark-iceberg =====
-- Iceberg runtime with a catalog named as below (spark.sql.catalog.<name>). A registered table
-- stays at the metadata file named: to follow releases, keep the tables in a REST or Glue
-- catalog with `tradepipe tables register` and point the Spark catalog at it.

-- trade_flows: one row per reporter x partner x flow x commodity x month, from official statistics
-- current: snapshot 2222 of 2 kept (release census-2026-11, committed 2026-11-03T08:30:00Z)
-- oldest kept: snapshot 1111 (release census-2026-10, committed 2026-11-02T08:30:00Z)
CALL `iceberg`.system.register_table(table => 'tradepipe.trade_flows',
  metadata_file => 's3://b/lake/_iceberg/trade_flows/metadata/v7.metadata.json');
-- time travel
SELECT count(*) FROM `iceberg`.`tradepipe`.`trade_flows` VERSION AS OF 1111;

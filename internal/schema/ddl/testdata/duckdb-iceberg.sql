-- The views read each table as of the metadata file named (the current one when generated);
-- generate them again after a release. The iceberg extension is downloaded on first use.
INSTALL iceberg;
LOAD iceberg;

-- trade_flows: one row per reporter x partner x flow x commodity x month, from official statistics
-- no snapshot read from a lake: the <...> are placeholders for what `tradepipe tables list` prints
CREATE OR REPLACE VIEW "trade_flows" AS
SELECT * FROM iceberg_scan('s3://example-bucket/lake/_iceberg/trade_flows/metadata/v<N>.metadata.json');
-- time travel
SELECT count(*) FROM iceberg_scan('s3://example-bucket/lake/_iceberg/trade_flows/metadata/v<N>.metadata.json', snapshot_from_id = <earlier-snapshot-id>);

-- trade_flows_history: every published vintage of trade_flows, one file per release
-- no snapshot read from a lake: the <...> are placeholders for what `tradepipe tables list` prints
CREATE OR REPLACE VIEW "trade_flows_history" AS
SELECT * FROM iceberg_scan('s3://example-bucket/lake/_iceberg/trade_flows_history/metadata/v<N>.metadata.json');
-- time travel
SELECT count(*) FROM iceberg_scan('s3://example-bucket/lake/_iceberg/trade_flows_history/metadata/v<N>.metadata.json', snapshot_from_id = <earlier-snapshot-id>);

-- trade_totals: the published total of a reporter with one partner for a month
-- no snapshot read from a lake: the <...> are placeholders for what `tradepipe tables list` prints
CREATE OR REPLACE VIEW "trade_totals" AS
SELECT * FROM iceberg_scan('s3://example-bucket/lake/_iceberg/trade_totals/metadata/v<N>.metadata.json');
-- time travel
SELECT count(*) FROM iceberg_scan('s3://example-bucket/lake/_iceberg/trade_totals/metadata/v<N>.metadata.json', snapshot_from_id = <earlier-snapshot-id>);

-- trade_totals_history: every published vintage of trade_totals, one file per release
-- no snapshot read from a lake: the <...> are placeholders for what `tradepipe tables list` prints
CREATE OR REPLACE VIEW "trade_totals_history" AS
SELECT * FROM iceberg_scan('s3://example-bucket/lake/_iceberg/trade_totals_history/metadata/v<N>.metadata.json');
-- time travel
SELECT count(*) FROM iceberg_scan('s3://example-bucket/lake/_iceberg/trade_totals_history/metadata/v<N>.metadata.json', snapshot_from_id = <earlier-snapshot-id>);

-- shipments: one row per shipment record (bill of lading) from a Panjiva-style export
-- no snapshot read from a lake: the <...> are placeholders for what `tradepipe tables list` prints
CREATE OR REPLACE VIEW "shipments" AS
SELECT * FROM iceberg_scan('s3://example-bucket/lake/_iceberg/shipments/metadata/v<N>.metadata.json');
-- time travel
SELECT count(*) FROM iceberg_scan('s3://example-bucket/lake/_iceberg/shipments/metadata/v<N>.metadata.json', snapshot_from_id = <earlier-snapshot-id>);

-- quarantine_trade_flows: rows rejected from trade_flows, with their raw cells and the reason
-- no snapshot read from a lake: the <...> are placeholders for what `tradepipe tables list` prints
CREATE OR REPLACE VIEW "quarantine_trade_flows" AS
SELECT * FROM iceberg_scan('s3://example-bucket/lake/_iceberg/quarantine_trade_flows/metadata/v<N>.metadata.json');
-- time travel
SELECT count(*) FROM iceberg_scan('s3://example-bucket/lake/_iceberg/quarantine_trade_flows/metadata/v<N>.metadata.json', snapshot_from_id = <earlier-snapshot-id>);

-- quarantine_trade_totals: rows rejected from trade_totals, with their raw cells and the reason
-- no snapshot read from a lake: the <...> are placeholders for what `tradepipe tables list` prints
CREATE OR REPLACE VIEW "quarantine_trade_totals" AS
SELECT * FROM iceberg_scan('s3://example-bucket/lake/_iceberg/quarantine_trade_totals/metadata/v<N>.metadata.json');
-- time travel
SELECT count(*) FROM iceberg_scan('s3://example-bucket/lake/_iceberg/quarantine_trade_totals/metadata/v<N>.metadata.json', snapshot_from_id = <earlier-snapshot-id>);

-- quarantine_shipments: rows rejected from shipments, with their raw cells and the reason
-- no snapshot read from a lake: the <...> are placeholders for what `tradepipe tables list` prints
CREATE OR REPLACE VIEW "quarantine_shipments" AS
SELECT * FROM iceberg_scan('s3://example-bucket/lake/_iceberg/quarantine_shipments/metadata/v<N>.metadata.json');
-- time travel
SELECT count(*) FROM iceberg_scan('s3://example-bucket/lake/_iceberg/quarantine_shipments/metadata/v<N>.metadata.json', snapshot_from_id = <earlier-snapshot-id>);

-- compliance: Phase One compliance metrics: one row per basis x month x category
-- no snapshot read from a lake: the <...> are placeholders for what `tradepipe tables list` prints
CREATE OR REPLACE VIEW "compliance" AS
SELECT * FROM iceberg_scan('s3://example-bucket/lake/_iceberg/compliance/metadata/v<N>.metadata.json');
-- time travel
SELECT count(*) FROM iceberg_scan('s3://example-bucket/lake/_iceberg/compliance/metadata/v<N>.metadata.json', snapshot_from_id = <earlier-snapshot-id>);

-- After `tradepipe tables register` into the Glue Data Catalog (a glue catalog, or Glue's REST
-- endpoint with sigv4); run it after releases to move the tables on.

-- trade_flows: one row per reporter x partner x flow x commodity x month, from official statistics
-- no snapshot read from a lake: the <...> are placeholders for what `tradepipe tables list` prints
SELECT count(*) FROM "tradepipe"."trade_flows";
-- time travel
SELECT count(*) FROM "tradepipe"."trade_flows" FOR VERSION AS OF <earlier-snapshot-id>;

-- trade_flows_history: every published vintage of trade_flows, one file per release
-- no snapshot read from a lake: the <...> are placeholders for what `tradepipe tables list` prints
SELECT count(*) FROM "tradepipe"."trade_flows_history";
-- time travel
SELECT count(*) FROM "tradepipe"."trade_flows_history" FOR VERSION AS OF <earlier-snapshot-id>;

-- trade_totals: the published total of a reporter with one partner for a month
-- no snapshot read from a lake: the <...> are placeholders for what `tradepipe tables list` prints
SELECT count(*) FROM "tradepipe"."trade_totals";
-- time travel
SELECT count(*) FROM "tradepipe"."trade_totals" FOR VERSION AS OF <earlier-snapshot-id>;

-- trade_totals_history: every published vintage of trade_totals, one file per release
-- no snapshot read from a lake: the <...> are placeholders for what `tradepipe tables list` prints
SELECT count(*) FROM "tradepipe"."trade_totals_history";
-- time travel
SELECT count(*) FROM "tradepipe"."trade_totals_history" FOR VERSION AS OF <earlier-snapshot-id>;

-- shipments: one row per shipment record (bill of lading) from a Panjiva-style export
-- no snapshot read from a lake: the <...> are placeholders for what `tradepipe tables list` prints
SELECT count(*) FROM "tradepipe"."shipments";
-- time travel
SELECT count(*) FROM "tradepipe"."shipments" FOR VERSION AS OF <earlier-snapshot-id>;

-- quarantine_trade_flows: rows rejected from trade_flows, with their raw cells and the reason
-- no snapshot read from a lake: the <...> are placeholders for what `tradepipe tables list` prints
SELECT count(*) FROM "tradepipe"."quarantine_trade_flows";
-- time travel
SELECT count(*) FROM "tradepipe"."quarantine_trade_flows" FOR VERSION AS OF <earlier-snapshot-id>;

-- quarantine_trade_totals: rows rejected from trade_totals, with their raw cells and the reason
-- no snapshot read from a lake: the <...> are placeholders for what `tradepipe tables list` prints
SELECT count(*) FROM "tradepipe"."quarantine_trade_totals";
-- time travel
SELECT count(*) FROM "tradepipe"."quarantine_trade_totals" FOR VERSION AS OF <earlier-snapshot-id>;

-- quarantine_shipments: rows rejected from shipments, with their raw cells and the reason
-- no snapshot read from a lake: the <...> are placeholders for what `tradepipe tables list` prints
SELECT count(*) FROM "tradepipe"."quarantine_shipments";
-- time travel
SELECT count(*) FROM "tradepipe"."quarantine_shipments" FOR VERSION AS OF <earlier-snapshot-id>;

-- compliance: Phase One compliance metrics: one row per basis x month x category
-- no snapshot read from a lake: the <...> are placeholders for what `tradepipe tables list` prints
SELECT count(*) FROM "tradepipe"."compliance";
-- time travel
SELECT count(*) FROM "tradepipe"."compliance" FOR VERSION AS OF <earlier-snapshot-id>;

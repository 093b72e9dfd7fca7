// Reads Parquet files with an independent reader and prints one JSON
// summary of all of them together, for internal/readertest:
//
//   node read.mjs polars|arrow FILE...
//   node read.mjs icebird TABLE_URL [SNAPSHOT_ID]
//
// icebird reads an Iceberg table over HTTP (Node's fetch cannot read
// file:// URLs): the latest metadata (version-hint.text), at its current
// snapshot or, time travel, at SNAPSHOT_ID. Types come from the table's
// Iceberg schema; values from icebird's rows (hyparquet), where decimals
// are JavaScript numbers (scaled back exactly below 2^53 cents) and
// timestamps are Dates (milliseconds, so the sum is exact only for
// whole-millisecond times).
// {"rows": N, "columns": {"name": {"type": T, "nonNull": N, "sum": S}}}
//
// type is one of string, int32, int64, float64, date, decimal(P,S),
// timestamp_us_utc, list<string> (anything else is reported as the
// reader's own name, so a wrong type fails the comparison). sum is exact
// (a decimal string of the unscaled integer) for decimals, integers,
// dates (days since 1970-01-01) and timestamps (microseconds); a number
// for float64; the UTF-8 byte count for strings; the element count for
// lists. Files are read with fs: Node's fetch cannot read file:// URLs.
import fs from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const [, , reader, ...files] = process.argv;

function summary() {
  return { rows: 0, columns: {} };
}

function col(s, name, type) {
  const c = (s.columns[name] ??= { type, nonNull: 0, sum: type === "float64" ? 0 : 0n });
  if (c.type !== type) c.type = `${c.type}|${type}`;
  return c;
}

function add(c, v) {
  if (v === null || v === undefined) return;
  c.nonNull++;
  c.sum += v;
}

const bytes = (s) => BigInt(Buffer.byteLength(s, "utf8"));

// Polars (Rust) through nodejs-polars.
function readPolars(s, file) {
  const pl = require("nodejs-polars");
  const df = pl.readParquet(file);
  s.rows += df.height;
  for (const name of df.columns) {
    const ser = df.getColumn(name);
    const dt = String(ser.dtype);
    let type, vals, conv;
    let m;
    if (dt === "DataType(String)") {
      type = "string"; vals = ser.toArray(); conv = bytes;
    } else if (dt === "DataType(Int32)" || dt === "DataType(Int64)") {
      type = dt === "DataType(Int32)" ? "int32" : "int64";
      vals = ser.cast(pl.Utf8).toArray(); conv = BigInt;
    } else if (dt === "DataType(Float64)") {
      type = "float64"; vals = ser.toArray(); conv = Number;
    } else if (dt === "DataType(Date)") {
      type = "date"; vals = ser.cast(pl.Int32).toArray(); conv = BigInt;
    } else if (dt === "DataType(Datetime(us,UTC))") {
      type = "timestamp_us_utc"; vals = ser.cast(pl.Int64).cast(pl.Utf8).toArray(); conv = BigInt;
    } else if ((m = /^DataType\(Decimal\((\d+),(\d+)\)\)$/.exec(dt))) {
      type = `decimal(${m[1]},${m[2]})`;
      const scale = Number(m[2]);
      vals = ser.cast(pl.Utf8).toArray();
      conv = (v) => unscaled(v, scale);
    } else if (dt === "DataType(List(DataType(String)))") {
      type = "list<string>"; vals = ser.toArray(); conv = (v) => BigInt(v.length);
    } else {
      type = dt; vals = []; conv = () => 0n;
    }
    const c = col(s, name, type);
    for (const v of vals) add(c, v === null ? null : conv(v));
  }
}

// unscaled turns "-123.4" at scale 2 into -12340n, exactly.
function unscaled(text, scale) {
  let neg = text.startsWith("-");
  if (neg) text = text.slice(1);
  let [int, frac = ""] = text.split(".");
  frac = (frac + "0".repeat(scale)).slice(0, scale);
  const v = BigInt(int + frac);
  return neg ? -v : v;
}

// arrow-rs through parquet-wasm, decoded with apache-arrow from Arrow IPC.
function readArrow(s, file) {
  const pw = require("parquet-wasm");
  const arrow = require("apache-arrow");
  const table = arrow.tableFromIPC(pw.readParquet(new Uint8Array(fs.readFileSync(file))).intoIPCStream());
  s.rows += table.numRows;
  for (const field of table.schema.fields) {
    const vec = table.getChild(field.name);
    const t = field.type;
    let type, value;
    if (arrow.DataType.isUtf8(t)) {
      type = "string"; value = (d, i) => bytes(vecValue(d, i));
    } else if (arrow.DataType.isInt(t) && t.isSigned && (t.bitWidth === 32 || t.bitWidth === 64)) {
      type = `int${t.bitWidth}`; value = (d, i) => BigInt(d.values[d.offset + i]);
    } else if (arrow.DataType.isFloat(t) && t.precision === arrow.Precision.DOUBLE) {
      type = "float64"; value = (d, i) => d.values[d.offset + i];
    } else if (arrow.DataType.isDate(t) && t.unit === arrow.DateUnit.DAY) {
      type = "date"; value = (d, i) => BigInt(d.values[d.offset + i]);
    } else if (arrow.DataType.isTimestamp(t) && t.unit === arrow.TimeUnit.MICROSECOND && t.timezone && /^(UTC|\+00:00)$/.test(t.timezone)) {
      type = "timestamp_us_utc"; value = (d, i) => BigInt(d.values[d.offset + i]);
    } else if (arrow.DataType.isDecimal(t) && t.bitWidth === 128) {
      type = `decimal(${t.precision},${t.scale})`; value = decimal128;
    } else if (arrow.DataType.isList(t) && arrow.DataType.isUtf8(t.children[0].type)) {
      type = "list<string>";
      value = (d, i) => BigInt(d.valueOffsets[d.offset + i + 1] - d.valueOffsets[d.offset + i]);
    } else {
      type = String(t); value = () => 0n;
    }
    const c = col(s, field.name, type);
    for (const d of vec.data) {
      for (let i = 0; i < d.length; i++) {
        add(c, d.getValid(i) ? value(d, i) : null);
      }
    }
  }
}

function vecValue(d, i) {
  const start = d.valueOffsets[d.offset + i], end = d.valueOffsets[d.offset + i + 1];
  return Buffer.from(d.values.buffer, d.values.byteOffset + start, end - start).toString("utf8");
}

// decimal128 reads the 128-bit little-endian two's complement value.
function decimal128(d, i) {
  const w = d.values, o = (d.offset + i) * 4;
  let v = 0n;
  for (let k = 3; k >= 0; k--) v = (v << 32n) | BigInt(w[o + k]);
  return v >= 1n << 127n ? v - (1n << 128n) : v;
}

// icebird: Iceberg metadata, manifests (Avro) and data files over HTTP.
const iceTypes = {
  string: "string", int: "int32", long: "int64", double: "float64",
  date: "date", "decimal(18, 2)": "decimal(18,2)", timestamptz: "timestamp_us_utc",
};

async function readIcebird(tableUrl, snapshotId) {
  const { icebergMetadata, icebergRead } = await import("icebird");
  const metadata = await icebergMetadata({ tableUrl });
  if (snapshotId !== undefined) {
    const id = Number(snapshotId);
    if (!metadata.snapshots.some((sn) => sn["snapshot-id"] === id)) {
      throw new Error(`snapshot ${snapshotId} not in ${tableUrl}`);
    }
    metadata["current-snapshot-id"] = id; // time travel: read that snapshot
  }
  const schema = metadata.schemas.find((sc) => sc["schema-id"] === metadata["current-schema-id"]);
  const rows = await icebergRead({ tableUrl, metadata });
  const s = summary();
  s.rows = rows.length;
  for (const f of schema.fields) {
    let type, conv;
    if (typeof f.type === "object" && f.type.type === "list" && f.type.element === "string") {
      type = "list<string>"; conv = (v) => BigInt(v.length);
    } else {
      type = iceTypes[f.type] ?? `iceberg:${JSON.stringify(f.type)}`;
      conv = {
        string: bytes,
        int32: BigInt,
        int64: BigInt,
        float64: Number,
        date: (v) => BigInt(Math.round(v.getTime() / 86400000)),
        "decimal(18,2)": (v) => BigInt(Math.round(v * 100)),
        timestamp_us_utc: (v) => BigInt(v.getTime()) * 1000n,
      }[type] ?? (() => 0n);
    }
    const c = col(s, f.name, type);
    for (const r of rows) add(c, r[f.name] === null || r[f.name] === undefined ? null : conv(r[f.name]));
  }
  return s;
}

if (reader === "icebird") {
  try {
    const s = await readIcebird(files[0], files[1]);
    process.stdout.write(JSON.stringify(s, (k, v) => (typeof v === "bigint" ? v.toString() : v)) + "\n");
    process.exit(0);
  } catch (e) {
    console.error(`read.mjs: icebird: read ${files[0]}: ${e.message}`);
    process.exit(1);
  }
}

const read = { polars: readPolars, arrow: readArrow }[reader];
if (!read) {
  console.error(`read.mjs: unknown reader ${JSON.stringify(reader)} (polars, arrow, icebird)`);
  process.exit(2);
}
const s = summary();
for (const f of files) {
  try {
    read(s, f);
  } catch (e) {
    console.error(`read.mjs: ${reader}: read ${f}: ${e.message}`);
    process.exit(1);
  }
}
process.stdout.write(JSON.stringify(s, (k, v) => (typeof v === "bigint" ? v.toString() : v)) + "\n");

// The ClickHouse side of the store benchmark (issue 3): the rows store_bench exported
// (--export-ndjson) loaded into a MergeTree table of the in-process ClickHouse engine
// that the npm package `chdb` ships, then the same queries as store_bench.
//
//   node bench/chdb/run.mjs --rows FILE --needle TOKEN [--data DIR] [--runs 5]
//        [--json OUT] [--keep] [--no-index] [--no-per-source]
//
// Table: typed columns for the common OCSF fields (LowCardinality for low-cardinality
// strings, IPv6 for addresses: IPv4 is stored v4-mapped as Vigil does), the long tail
// of fields in attrs Map(LowCardinality(String), String), raw with ZSTD(3). Absent
// fields take the column default ('' / 0 / '::'), as is usual in ClickHouse (no
// Nullable). ORDER BY (log_name, time), one partition per day.
// Needle: hasToken(raw, token), first without an index, then after adding a
// tokenbf_v1 skip index on raw (its build time and size are reported).
// Cold = first run after dropping the mark, uncompressed and query-condition caches
// (the OS page cache is not dropped, as on the Vigil side); warm = median of --runs.
// The query condition cache is off for the timed queries: repeating one identical
// needle would otherwise measure that cache, which Vigil does not have.
import { Session } from "chdb";
import fs from "node:fs";
import path from "node:path";
import os from "node:os";

function parseArgs(argv) {
  const o = { rows: null, needle: null, data: path.join(os.tmpdir(), "vigil-store-bench-chdb"), runs: 5,
              json: null, keep: false, index: true, perSource: true };
  for (let i = 2; i < argv.length; i++) {
    const a = argv[i];
    const val = () => { if (i + 1 >= argv.length) throw new Error(`missing value after ${a}`); return argv[++i]; };
    if (a === "--rows") o.rows = path.resolve(val());
    else if (a === "--needle") o.needle = val();
    else if (a === "--data") o.data = path.resolve(val());
    else if (a === "--runs") o.runs = Number(val());
    else if (a === "--json") o.json = val();
    else if (a === "--keep") o.keep = true;
    else if (a === "--no-index") o.index = false;
    else if (a === "--no-per-source") o.perSource = false;
    else throw new Error(`unknown argument ${a}`);
  }
  if (!o.rows || !o.needle) throw new Error("usage: run.mjs --rows FILE --needle TOKEN [--data DIR] [--runs N] [--json OUT] [--keep] [--no-index] [--no-per-source]");
  if (!fs.existsSync(o.rows)) throw new Error(`rows file not found: ${o.rows}`);
  if (!/^[0-9a-zA-Z]+$/.test(o.needle)) throw new Error("the needle token must be alphanumeric");
  return o;
}

// Column name, type, codec. The JSON keys of the export are these names.
const COLUMNS = [
  ["time", "DateTime64(9, 'UTC')", "CODEC(Delta, ZSTD(1))"],
  ["receive_time", "DateTime64(9, 'UTC')", "CODEC(Delta, ZSTD(1))"],
  ["flags", "UInt32", ""],
  ["tenant", "LowCardinality(String)", ""],
  ["input", "LowCardinality(String)", ""],
  ["source", "LowCardinality(String)", ""],
  ["parse_error", "LowCardinality(String)", ""],
  ["class_uid", "UInt32", ""],
  ["category_uid", "UInt32", ""],
  ["activity_id", "Int32", ""],
  ["type_uid", "Int64", ""],
  ["severity_id", "UInt8", ""],
  ["log_name", "LowCardinality(String)", ""],
  ["device_hostname", "LowCardinality(String)", ""],
  ["src_ip", "IPv6", ""],
  ["src_port", "UInt16", ""],
  ["dst_ip", "IPv6", ""],
  ["dst_port", "UInt16", ""],
  ["user_name", "String", "CODEC(ZSTD(1))"],
  ["actor_user_name", "String", "CODEC(ZSTD(1))"],
  ["process_name", "LowCardinality(String)", ""],
  ["process_pid", "UInt32", ""],
  ["message", "String", "CODEC(ZSTD(3))"],
  ["attrs", "Map(LowCardinality(String), String)", "CODEC(ZSTD(3))"],
  ["raw", "String", "CODEC(ZSTD(3))"],
];

function createTable(s, name) {
  const cols = COLUMNS.map(([n, t, c]) => `  ${n} ${t} ${c}`).join(",\n");
  s.query(`CREATE TABLE ${name} (\n${cols}\n) ENGINE = MergeTree PARTITION BY toYYYYMMDD(time) ORDER BY (log_name, time)`);
}

const log = (...a) => console.error(...a);
const now = () => performance.now();
const sec = (t0) => (performance.now() - t0) / 1000;

async function q(s, sql, format = "JSONCompact") {
  return (await s.queryAsync(sql, { format })).text();
}
async function one(s, sql) {
  return JSON.parse(await q(s, sql, "JSONCompact")).data[0];
}

async function tableBytes(s, table) {
  const [bytes, rows, parts, comp, uncomp] = await one(s,
    `SELECT sum(bytes_on_disk), sum(rows), count(), sum(data_compressed_bytes), sum(data_uncompressed_bytes)
     FROM system.parts WHERE database = currentDatabase() AND table = '${table}' AND active`);
  return { bytes: Number(bytes), rows: Number(rows), parts: Number(parts), compressed: Number(comp), uncompressed: Number(uncomp) };
}

const NOCACHE = "SETTINGS use_query_condition_cache = 0";

async function timeQuery(s, label, sql, runs) {
  await q(s, "SYSTEM DROP MARK CACHE");
  await q(s, "SYSTEM DROP UNCOMPRESSED CACHE");
  try { await q(s, "SYSTEM DROP QUERY CONDITION CACHE"); } catch { /* older engines */ }
  const times = [], cpus = [];
  let rows = 0, matched = 0;
  for (let i = 0; i <= runs; i++) {
    const c0 = process.cpuUsage();  // the engine runs in this process: all its threads count
    const t0 = now();
    const r = await s.queryAsync(`${sql} ${NOCACHE}`, { format: "JSONCompact" });
    const ms = performance.now() - t0;
    const c = process.cpuUsage(c0);
    cpus.push((c.user + c.system) / 1000);
    if (i === 0) {
      const data = JSON.parse(r.text()).data;
      rows = data.length;
      matched = sql.includes("GROUP BY") ? data.reduce((a, row) => a + Number(row[row.length - 1]), 0) : rows;
    }
    times.push(ms);
  }
  const cold = times[0];
  const median = (a) => a.slice(1).sort((x, y) => x - y)[Math.floor(runs / 2)];
  const warm = median(times), warmCpu = median(cpus);
  log(`  ${label.padEnd(32)} cold ${cold.toFixed(1).padStart(9)} ms  warm ${warm.toFixed(1).padStart(9)} ms (CPU ${warmCpu.toFixed(1).padStart(8)} ms)  rows ${rows}`);
  return { label, query: sql, cold_ms: cold, warm_ms: warm, cold_cpu_ms: cpus[0], warm_cpu_ms: warmCpu, rows, matched };
}

async function main() {
  const o = parseArgs(process.argv);
  fs.rmSync(o.data, { recursive: true, force: true });
  const s = new Session(o.data);
  const result = { engine: "chdb (in-process ClickHouse)", rows_file: o.rows, rows_file_bytes: fs.statSync(o.rows).size };
  result.version = (await one(s, "SELECT version()"))[0];
  result.chdb_package = JSON.parse(fs.readFileSync(new URL("./node_modules/chdb/package.json", import.meta.url))).version;
  result.cpus = os.cpus().length;
  result.loadavg_start = os.loadavg().map((x) => x.toFixed(2)).join(" ");
  log(`chdb: ClickHouse ${result.version} (npm chdb ${result.chdb_package})`);
  createTable(s, "events");
  result.schema = (await one(s, "SELECT create_table_query FROM system.tables WHERE database = currentDatabase() AND name = 'events'"))[0];

  const structure = COLUMNS.map(([n, t]) => `${n} ${t}`).join(", ");
  let t0 = now();
  await q(s, `INSERT INTO events SELECT * FROM file('${o.rows}', 'JSONEachRow', '${structure.replace(/'/g, "\\'")}')
              SETTINGS input_format_skip_unknown_fields = 1, min_insert_block_size_rows = 1048576,
                       min_insert_block_size_bytes = 268435456`);
  result.load_s = sec(t0);
  log(`  load ${result.load_s.toFixed(1)} s`);
  t0 = now();
  await q(s, "OPTIMIZE TABLE events FINAL");
  result.optimize_s = sec(t0);
  log(`  OPTIMIZE FINAL ${result.optimize_s.toFixed(1)} s`);

  const [events, rawBytes] = await one(s, "SELECT count(), sum(length(raw)) FROM events");
  result.events = Number(events);
  result.raw_bytes = Number(rawBytes);
  result.table = await tableBytes(s, "events");
  result.ratio = result.raw_bytes / result.table.bytes;
  result.bytes_per_event = result.table.bytes / result.events;
  result.columns = JSON.parse(await q(s,
    `SELECT name, data_compressed_bytes, data_uncompressed_bytes FROM system.columns
     WHERE database = currentDatabase() AND table = 'events' ORDER BY data_compressed_bytes DESC`)).data
    .map(([n, c, u]) => ({ name: n, compressed: Number(c), uncompressed: Number(u) }));
  log(`  ${result.events} events, raw ${(result.raw_bytes / 1e6).toFixed(1)} MB, on disk ${(result.table.bytes / 1e6).toFixed(1)} MB ` +
      `(${result.bytes_per_event.toFixed(1)} B/event, ratio ${result.ratio.toFixed(2)}x), ${result.table.parts} parts`);

  const tok = o.needle;
  result.loadavg_queries = os.loadavg().map((x) => x.toFixed(2)).join(" ");
  result.queries = [];
  result.queries.push(await timeQuery(s, "needle hasToken(raw), no index", `SELECT * FROM events WHERE hasToken(raw, '${tok}')`, o.runs));
  result.queries.push(await timeQuery(s, "needle user_name =", `SELECT * FROM events WHERE user_name = '${tok}'`, o.runs));
  result.queries.push(await timeQuery(s, "count by class_uid", "SELECT class_uid, count() FROM events GROUP BY class_uid", o.runs));
  result.queries.push(await timeQuery(s, "count by src_ip", "SELECT src_ip, count() FROM events GROUP BY src_ip", o.runs));
  result.queries.push(await timeQuery(s, "filtered count", "SELECT count() FROM events WHERE dst_port = 53", o.runs));
  result.queries.push(await timeQuery(s, "timechart 1h",
    "SELECT toStartOfHour(time) AS t, count() FROM events GROUP BY t ORDER BY t", o.runs));
  // Vigil's top counts the rows that have the field; here an absent address is '::'.
  result.queries.push(await timeQuery(s, "top 10 src_ip",
    "SELECT src_ip, count() AS c FROM events WHERE src_ip != toIPv6('::') GROUP BY src_ip ORDER BY c DESC LIMIT 10", o.runs));
  result.queries.push(await timeQuery(s, "common word, newest 100",
    "SELECT * FROM events WHERE hasTokenCaseInsensitive(raw, 'sshd') ORDER BY time DESC LIMIT 100", o.runs));
  result.queries.push(await timeQuery(s, "word | count by user",
    "SELECT user_name, count() FROM events WHERE hasTokenCaseInsensitive(raw, 'sshd') GROUP BY user_name", o.runs));
  result.queries.push(await timeQuery(s, "timechart 1h by class_uid",
    "SELECT toStartOfHour(time) AS t, class_uid, count() FROM events GROUP BY t, class_uid ORDER BY t", o.runs));
  // Absent values are 0 / '::' in these columns: left out, as Vigil leaves out rows without the field.
  result.queries.push(await timeQuery(s, "avg, dc by class_uid",
    "SELECT class_uid, avgIf(dst_port, dst_port != 0), uniqExactIf(src_ip, src_ip != toIPv6('::')) FROM events GROUP BY class_uid", o.runs));

  if (o.perSource) {
    // Per source: the same rows split into one table each (source column prefix).
    result.per_source = {};
    for (const [name, prefix] of [["loghub", "loghub/"], ["windows", "otrf/"], ["zeek", "zeek/"]]) {
      const t = `events_${name}`;
      createTable(s, t);
      await q(s, `INSERT INTO ${t} SELECT * FROM events WHERE startsWith(source, '${prefix}')`);
      await q(s, `OPTIMIZE TABLE ${t} FINAL`);
      const [n, raw] = await one(s, `SELECT count(), sum(length(raw)) FROM ${t}`);
      const tb = await tableBytes(s, t);
      result.per_source[name] = { events: Number(n), raw_bytes: Number(raw), bytes: tb.bytes,
                                  ratio: Number(raw) / tb.bytes, bytes_per_event: tb.bytes / Number(n) };
      log(`  ${name}: ${n} events, ratio ${(Number(raw) / tb.bytes).toFixed(2)}x, ${(tb.bytes / Number(n)).toFixed(1)} B/event`);
      await q(s, `DROP TABLE ${t} SYNC`);
    }
  }

  if (o.index) {
    // tokenbf_v1(bytes per granule filter, hash functions, seed), one filter per 8192 rows.
    const idx = "tokenbf_v1(65536, 3, 0)";
    t0 = now();
    await q(s, `ALTER TABLE events ADD INDEX raw_tokens raw TYPE ${idx} GRANULARITY 1`);
    await q(s, "ALTER TABLE events MATERIALIZE INDEX raw_tokens SETTINGS mutations_sync = 2");
    const build = sec(t0);
    const [ic] = await one(s,
      `SELECT sum(secondary_indices_compressed_bytes) FROM system.parts
       WHERE database = currentDatabase() AND table = 'events' AND active`);
    const after = await tableBytes(s, "events");
    result.index = { type: idx, build_s: build, bytes: Number(ic), table_bytes_with_index: after.bytes,
                     ratio_with_index: result.raw_bytes / after.bytes };
    log(`  tokenbf index: built in ${build.toFixed(1)} s, ${(Number(ic) / 1e6).toFixed(1)} MB; ratio with it ${(result.raw_bytes / after.bytes).toFixed(2)}x`);
    result.queries.push(await timeQuery(s, "needle hasToken(raw), tokenbf", `SELECT * FROM events WHERE hasToken(raw, '${tok}')`, o.runs));
    const explain = await q(s, `EXPLAIN indexes = 1 SELECT * FROM events WHERE hasToken(raw, '${tok}')`, "TSVRaw");
    const m = explain.match(/raw_tokens[\s\S]*?Granules: (\d+)\/(\d+)/);
    if (m) result.index.granules_read = `${m[1]}/${m[2]}`;
  }
  result.loadavg_end = os.loadavg().map((x) => x.toFixed(2)).join(" ");
  s.close();
  if (!o.keep) fs.rmSync(o.data, { recursive: true, force: true });
  result.peak_rss_mb = Math.round(process.resourceUsage().maxRSS / 1024);
  const out = JSON.stringify(result, null, 1);
  if (o.json) fs.writeFileSync(o.json, out + "\n");
  else console.log(out);
}

main().catch((e) => { console.error(`chdb: ${e.stack || e}`); process.exit(1); });

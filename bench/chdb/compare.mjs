// Prints the side-by-side table of one bench/run_store_bench.sh run (Markdown, for
// bench/RESULTS.md) from the JSON of store_bench and of run.mjs.
//   node compare.mjs VIGIL.json CHDB.json [time-vigil.txt time-chdb.txt total_seconds]
import fs from "node:fs";

const [vf, cf, tv, tc, total] = process.argv.slice(2);
const v = JSON.parse(fs.readFileSync(vf));
const c = JSON.parse(fs.readFileSync(cf));
const peak = (f) => {
  if (!f || !fs.existsSync(f)) return null;
  const m = fs.readFileSync(f, "utf8").match(/Maximum resident set size \(kbytes\): (\d+)/);
  return m ? Math.round(Number(m[1]) / 1024) : null;
};
const mix = v.phases.find((p) => p.name === "mix");
const phase = (n) => v.phases.find((p) => p.name === n);
const vq = (label) => v.queries.find((q) => q.label === label);
const cq = (label) => c.queries.find((q) => q.label === label);
const f0 = (x) => Math.round(x).toLocaleString("en-US");
const f1 = (x) => x.toFixed(1);
const f2 = (x) => x.toFixed(2);
const ms = (q) => (q ? `${f1(q.cold_ms)} / ${f1(q.warm_ms)} (CPU ${f1(q.warm_cpu_ms)})` : "—");
const ratioOf = (a, b) => (a / b >= 1 ? `${f2(a / b)}x` : `${f2(a / b)}x`);

const rows = [];
const row = (what, vig, ch, note = "") => rows.push(`| ${what} | ${vig} | ${ch} | ${note} |`);
row("events (mix, + 1 needle)", f0(mix.events), f0(c.events));
row("raw bytes / event (mix)", f1(mix.raw_bytes / mix.events), f1(c.raw_bytes / c.events));
row("stored bytes / event (mix)", f1(mix.bytes_per_event),
    `${f1(c.bytes_per_event)}${c.index ? ` (${f1(c.index.table_bytes_with_index / c.events)} with tokenbf)` : ""}`);
const vr = mix.ratio, cr = c.ratio;
row("**ratio raw / stored (mix)**", `**${f2(vr)}x**`,
    `**${f2(cr)}x**${c.index ? ` (${f2(c.index.ratio_with_index)}x with tokenbf)` : ""}`,
    `goal ≥ 12x; Vigil ${vr > cr ? "ahead" : "behind"} (${f2(vr / cr)}x of ClickHouse's)`);
for (const s of ["loghub", "windows", "zeek"]) {
  const p = phase(s), cs = c.per_source?.[s];
  if (!p && !cs) continue;
  row(`ratio, ${s} alone`, p ? `${f2(p.ratio)}x (${f1(p.bytes_per_event)} B/event)` : "—",
      cs ? `${f2(cs.ratio)}x (${f1(cs.bytes_per_event)} B/event)` : "—",
      p ? `Vigil: ${f0(p.events)} events in their own store; ClickHouse: the mix's ${s} rows in their own table` : "");
}
for (const s of ["loghub", "windows", "zeek", "mix"]) {
  const p = phase(s);
  if (!p) continue;
  row(`durable ingest, ${s}${s === "loghub" ? " (syslog-sized)" : ""}`,
      `${f0(p.events_per_s)} ev/s wall; **${f0(p.events_per_cpu_s)} ev per CPU-s**`,
      s === "mix" ? `load ${f0(c.events / c.load_s)} ev/s wall (${f1(c.load_s)} s, NDJSON parse + insert, no fsync) + OPTIMIZE FINAL ${f1(c.optimize_s)} s` : "—",
      s === "loghub" ? "goal ≥ 300,000 ev per CPU-s" : "");
}
const needleNote = (a, b) => (a && b ? `Vigil ${a.warm_ms < b.warm_ms ? "ahead" : "behind"} (${f2(a.warm_ms / b.warm_ms)}x the time, warm)` : "");
row("needle, free text (ms cold / warm (warm CPU))", ms(vq("needle (free text)")), `${ms(cq("needle hasToken(raw), no index"))} no index`,
    needleNote(vq("needle (free text)"), cq("needle hasToken(raw), no index")));
if (cq("needle hasToken(raw), tokenbf"))
  row("needle, free text, ClickHouse with tokenbf_v1", "", `${ms(cq("needle hasToken(raw), tokenbf"))}${c.index.granules_read ? ` (granules ${c.index.granules_read})` : ""}`,
      needleNote(vq("needle (free text)"), cq("needle hasToken(raw), tokenbf")));
row("needle, user.name = token (ms)", ms(vq("needle (user.name)")), ms(cq("needle user_name =")),
    needleNote(vq("needle (user.name)"), cq("needle user_name =")));
const aggNote = (a, b) => (a && b ? `${f2(a.warm_ms / b.warm_ms)}x ClickHouse's time (goal ≤ 1.5x); groups ${a.rows} vs ${b.rows}` : "");
row("stats count() by class_uid (ms)", ms(vq("count by class_uid")), ms(cq("count by class_uid")),
    aggNote(vq("count by class_uid"), cq("count by class_uid")));
row("stats count() by src_endpoint.ip (ms)", ms(vq("count by src_endpoint.ip")), ms(cq("count by src_ip")),
    aggNote(vq("count by src_endpoint.ip"), cq("count by src_ip")));
const timeNote = (a, b) => (a && b ? `${f2(a.warm_ms / b.warm_ms)}x ClickHouse's time; rows ${a.rows} vs ${b.rows}` : "");
row("filtered count: dst_endpoint.port:53 | stats count() (ms)", ms(vq("filtered count")), ms(cq("filtered count")),
    timeNote(vq("filtered count"), cq("filtered count")));
row("timechart span=1h count() (ms)", ms(vq("timechart 1h")), ms(cq("timechart 1h")),
    timeNote(vq("timechart 1h"), cq("timechart 1h")));
row("top 10 src_endpoint.ip (ms)", ms(vq("top 10 src_endpoint.ip")), ms(cq("top 10 src_ip")),
    timeNote(vq("top 10 src_endpoint.ip"), cq("top 10 src_ip")));
for (const [label, shown] of [["common word, newest 100", "sshd (newest 100 of the matches)"],
                              ["word | count by user", "sshd | stats count() by user.name"],
                              ["timechart 1h by class_uid", "timechart span=1h count() by class_uid"],
                              ["avg, dc by class_uid", "stats avg(dst_endpoint.port), dc(src_endpoint.ip) by class_uid"]]) {
  if (vq(label) && cq(label)) row(`${shown} (ms)`, ms(vq(label)), ms(cq(label)), timeNote(vq(label), cq(label)));
}
const pv = peak(tv) ?? v.peak_rss_mb, pc = peak(tc) ?? c.peak_rss_mb;
row("peak memory (RSS)", `${f0(pv)} MB (corpus in memory included)`, `${f0(pc)} MB`);
row("load average (1/5/15 min) at start / queries / end", `${v.loadavg_start.split(" ").slice(0, 3).join(" ")} / ${v.loadavg_queries.split(" ").slice(0, 3).join(" ")} / ${v.loadavg_end.split(" ").slice(0, 3).join(" ")}`,
    `${c.loadavg_start} / ${c.loadavg_queries} / ${c.loadavg_end}`, "2 cores shared with other work: wall times above the core count are contended");
row("run time", `${f0(v.run_s)} s (all phases + queries)`, "", total ? `whole side-by-side run ${f0(Number(total))} s` : "");

console.log(`ClickHouse ${c.version} (npm chdb ${c.chdb_package}), same ${f0(c.events)} rows; needle token ${v.needle_token}`);
console.log("");
console.log("| measure | Vigil | ClickHouse (chdb) | note |");
console.log("|---|---|---|---|");
for (const r of rows) console.log(r);
console.log("");
const sh = (a) => a.map((x, i) => `${["loghub", "windows", "zeek"][i]} ${f1((100 * x) / a.reduce((p, q) => p + q, 0))}%`).join(", ");
console.log(`Mix by events: ${sh(["loghub", "windows", "zeek"].map((s) => mix.source_events[s]))}; by raw bytes: ${sh(["loghub", "windows", "zeek"].map((s) => mix.source_raw_bytes[s]))}.`);

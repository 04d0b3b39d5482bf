// Store report (see store_report.h).
#include "store/store_report.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

#include "core/value.h"
#include "store/manifest.h"
#include "store/recovery.h"

namespace vigil {
namespace {

double ratio(uint64_t raw, uint64_t stored) { return stored ? static_cast<double>(raw) / static_cast<double>(stored) : 0; }

std::string human(uint64_t bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 1024 && u < 4) {
    v /= 1024;
    ++u;
  }
  return u == 0 ? fmt::format("{} B", bytes) : fmt::format("{:.1f} {}", v, units[u]);
}

std::string json_string(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out += fmt::format("\\u{:04x}", static_cast<unsigned char>(c));
    } else {
      out += c;
    }
  }
  return out + "\"";
}

void add(PartitionReport& to, const PartitionReport& p) {
  if (to.rows == 0 || p.min_time < to.min_time) to.min_time = p.min_time;
  if (to.rows == 0 || p.max_time > to.max_time) to.max_time = p.max_time;
  to.segments += p.segments;
  to.rows += p.rows;
  to.raw_bytes += p.raw_bytes;
  to.stored_bytes += p.stored_bytes;
  to.index_bytes += p.index_bytes;
}

}  // namespace

Result<StoreReport> report_store(const std::filesystem::path& dir) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    return Status::error(fmt::format("data directory {} does not exist", dir.string()));
  }
  auto manifest = manifest::Manifest::open(dir, /*read_only=*/true);
  if (!manifest.ok()) return manifest.status();
  auto rec = recover(dir, /*read_only=*/true, (*manifest)->live_seqs());
  if (!rec.ok()) return rec.status();
  StoreReport r;
  r.total.name = "total";
  std::map<std::string, PartitionReport> parts;
  std::map<std::pair<std::string, FieldType>, FieldReport> fields;
  for (const auto& seg : rec->segments) {
    const auto& f = *seg.footer;
    PartitionReport p;
    p.name = f.partition.name();
    p.segments = 1;
    p.rows = seg.header.events;
    p.stored_bytes = seg.file_bytes;
    p.min_time = seg.header.min_time;
    p.max_time = seg.header.max_time;
    for (const auto& b : f.blocks) {
      p.raw_bytes += b.raw_text_bytes;
      p.index_bytes += b.bloom_bytes;
    }
    PartitionReport& into = parts[p.name];
    into.name = p.name;
    add(into, p);
    for (const auto& c : f.columns) {
      FieldReport& fr = fields[{c.name, c.type}];
      fr.name = c.name;
      fr.type = std::string(field_type_name(c.type));
      for (const auto& ch : c.chunks) {
        fr.rows += c.occurrence == 0 ? ch.stats.present : 0;
        fr.encoded_bytes += ch.raw_bytes;
        fr.stored_bytes += ch.bytes;
      }
    }
  }
  for (auto& [name, p] : parts) {
    add(r.total, p);
    r.partitions.push_back(p);
  }
  for (auto& [key, f] : fields) r.fields.push_back(f);
  std::sort(r.fields.begin(), r.fields.end(),
            [](const FieldReport& a, const FieldReport& b) { return a.stored_bytes > b.stored_bytes; });
  r.wal_events = rec->replayed_events;
  r.wal_bytes = rec->wal_bytes;
  return r;
}

std::string format_report_table(const StoreReport& r, size_t max_fields) {
  std::string out = fmt::format("{:<48} {:>8} {:>12} {:>11} {:>11} {:>10} {:>7}\n", "PARTITION", "SEGMENTS", "ROWS",
                                "RAW", "STORED", "INDEX", "RATIO");
  auto line = [&](const PartitionReport& p) {
    out += fmt::format("{:<48} {:>8} {:>12} {:>11} {:>11} {:>10} {:>6.1f}x\n", p.name, p.segments, p.rows,
                       human(p.raw_bytes), human(p.stored_bytes), human(p.index_bytes),
                       ratio(p.raw_bytes, p.stored_bytes));
  };
  for (const auto& p : r.partitions) line(p);
  line(r.total);
  out += fmt::format("\nnot yet sealed (WAL): {} events, {}\n", r.wal_events, human(r.wal_bytes));
  out += fmt::format("\n{:<48} {:<9} {:>12} {:>11} {:>11} {:>7}\n", "FIELD", "TYPE", "ROWS", "ENCODED", "STORED", "SHARE");
  for (size_t i = 0; i < r.fields.size() && i < max_fields; ++i) {
    const auto& f = r.fields[i];
    out += fmt::format("{:<48} {:<9} {:>12} {:>11} {:>11} {:>6.1f}%\n", f.name, f.type, f.rows, human(f.encoded_bytes),
                       human(f.stored_bytes),
                       r.total.stored_bytes ? 100.0 * static_cast<double>(f.stored_bytes) / static_cast<double>(r.total.stored_bytes) : 0);
  }
  if (r.fields.size() > max_fields) out += fmt::format("... {} more fields (--fields N)\n", r.fields.size() - max_fields);
  return out;
}

std::string format_report_json(const StoreReport& r) {
  auto part = [](const PartitionReport& p) {
    return fmt::format(
        "{{\"name\":{},\"segments\":{},\"rows\":{},\"raw_bytes\":{},\"stored_bytes\":{},\"index_bytes\":{},"
        "\"ratio\":{:.3f},\"min_time\":{},\"max_time\":{}}}",
        json_string(p.name), p.segments, p.rows, p.raw_bytes, p.stored_bytes, p.index_bytes,
        ratio(p.raw_bytes, p.stored_bytes), p.min_time, p.max_time);
  };
  std::string out = "{\"partitions\":[";
  for (size_t i = 0; i < r.partitions.size(); ++i) out += (i ? "," : "") + part(r.partitions[i]);
  out += "],\"total\":" + part(r.total) + ",\"fields\":[";
  for (size_t i = 0; i < r.fields.size(); ++i) {
    const auto& f = r.fields[i];
    out += fmt::format("{}{{\"name\":{},\"type\":{},\"rows\":{},\"encoded_bytes\":{},\"stored_bytes\":{}}}",
                       i ? "," : "", json_string(f.name), json_string(f.type), f.rows, f.encoded_bytes, f.stored_bytes);
  }
  out += fmt::format("],\"wal\":{{\"events\":{},\"bytes\":{}}}}}\n", r.wal_events, r.wal_bytes);
  return out;
}

}  // namespace vigil

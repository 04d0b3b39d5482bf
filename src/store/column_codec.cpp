// Column chunk encoding and decoding (format in column_codec.h).
#include "store/column_codec.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>
#include <unordered_map>

#include "core/varint.h"

namespace vigil::column {
namespace {

void put_bitmap(std::string& out, uint32_t rows, std::span<const uint32_t> set_rows) {
  size_t start = out.size();
  out.resize(start + (rows + 7) / 8, '\0');
  char* bits = out.data() + start;
  for (uint32_t r : set_rows) bits[r >> 3] = static_cast<char>(bits[r >> 3] | (1 << (r & 7)));
}

bool ip_less(const IpAddress& a, const IpAddress& b) { return a.bytes < b.bytes; }

void encode_ints(std::span<const Value> values, std::string& out, ChunkStats& st) {
  int64_t prev = 0;
  st.has_minmax = !values.empty();
  st.int_min = INT64_MAX;
  st.int_max = INT64_MIN;
  for (const Value& v : values) {
    int64_t x = v.i64;  // i64 and ts share the union slot
    st.int_min = std::min(st.int_min, x);
    st.int_max = std::max(st.int_max, x);
    put_varint(out, zigzag(static_cast<int64_t>(static_cast<uint64_t>(x) - static_cast<uint64_t>(prev))));
    prev = x;
  }
}

// Whether `s` lies inside `raw` (a parser cut it out of the line), and where.
bool slice_of(std::string_view s, std::string_view raw, size_t& offset) {
  if (s.empty() || raw.empty() || s.data() < raw.data() || s.data() + s.size() > raw.data() + raw.size()) {
    return false;
  }
  offset = static_cast<size_t>(s.data() - raw.data());
  return true;
}

void encode_strings(std::span<const uint32_t> present_rows, std::span<const Value> values,
                    std::span<const std::string_view> raws, std::string& out, bool& uses_raw) {
  // A dictionary pays when values repeat: ids replace text. Values that are nearly all
  // distinct from the start (raw lines, messages) are not hashed to the end to learn it.
  std::unordered_map<std::string_view, uint32_t> ids;
  std::vector<std::string_view> dict;
  std::vector<uint32_t> refs;
  refs.reserve(values.size());
  const size_t limit = std::max<size_t>(16, values.size() / 4);
  const size_t probe = values.size() >= 4096 ? 1024 : values.size();
  for (const Value& v : values) {
    auto [it, added] = ids.try_emplace(v.as_string(), static_cast<uint32_t>(dict.size()));
    if (added) {
      dict.push_back(v.as_string());
      if (dict.size() > limit) break;
    }
    refs.push_back(it->second);
    if (refs.size() == probe && dict.size() * 10 > probe * 9) break;
  }
  if (dict.size() <= limit && refs.size() == values.size()) {
    out.push_back(1);
    put_varint(out, dict.size());
    for (auto s : dict) put_bytes(out, s);
    const unsigned width = dict.size() <= 0x100 ? 1 : dict.size() <= 0x10000 ? 2 : 4;
    out.push_back(static_cast<char>(width));
    size_t at = out.size();
    out.resize(at + width * refs.size());
    char* p = out.data() + at;  // little-endian ids of `width` bytes, written in place
    for (uint32_t id : refs) {
      for (unsigned i = 0; i < width; ++i) *p++ = static_cast<char>(id >> (8 * i));
    }
    return;
  }
  size_t slices = 0, offset;
  if (!raws.empty()) {
    for (size_t i = 0; i < values.size(); ++i) slices += slice_of(values[i].as_string(), raws[present_rows[i]], offset);
  }
  if (slices * 2 > values.size()) {
    uses_raw = true;
    out.push_back(2);
    for (size_t i = 0; i < values.size(); ++i) {
      bool slice = slice_of(values[i].as_string(), raws[present_rows[i]], offset);
      put_varint(out, slice ? offset + 1 : 0);
      put_varint(out, values[i].str_size);
    }
    for (size_t i = 0; i < values.size(); ++i) {
      if (!slice_of(values[i].as_string(), raws[present_rows[i]], offset)) out.append(values[i].str, values[i].str_size);
    }
    return;
  }
  out.push_back(0);
  for (const Value& v : values) put_varint(out, v.str_size);
  for (const Value& v : values) out.append(v.str, v.str_size);
}

}  // namespace

void encode_chunk(FieldType type, uint32_t rows, std::span<const uint32_t> present_rows, std::span<const Value> values,
                  const RowContext& ctx, std::string& out, ChunkStats& st, bool& uses_raw) {
  st = ChunkStats{};
  uses_raw = false;
  st.present = static_cast<uint32_t>(values.size());
  if (values.size() == rows) {
    out.push_back(0);
  } else {
    out.push_back(1);
    put_bitmap(out, rows, present_rows);
  }
  switch (type) {
    case FieldType::Int64:
      encode_ints(values, out, st);
      break;
    case FieldType::Timestamp: {
      // Against the row's event time, or as a delta chain (receive times, sorted
      // times), whichever is smaller.
      size_t start = out.size();
      out.push_back(0);
      encode_ints(values, out, st);
      if (ctx.times.empty()) break;
      std::string against;
      against.push_back(1);
      for (size_t i = 0; i < values.size(); ++i) {
        uint64_t d = static_cast<uint64_t>(values[i].ts) - static_cast<uint64_t>(ctx.times[present_rows[i]]);
        put_varint(against, zigzag(static_cast<int64_t>(d)));
      }
      if (against.size() < out.size() - start) out.replace(start, std::string::npos, against);
      break;
    }
    case FieldType::Float64:
      st.has_minmax = !values.empty();
      st.float_min = values.empty() ? 0 : values[0].f64;
      st.float_max = st.float_min;
      for (const Value& v : values) {
        char b[8];
        std::memcpy(b, &v.f64, 8);
        out.append(b, 8);
        // NaN never narrows the range: comparisons with it are false.
        if (v.f64 < st.float_min) st.float_min = v.f64;
        if (v.f64 > st.float_max) st.float_max = v.f64;
        if (v.f64 != v.f64) st.has_minmax = false;
      }
      break;
    case FieldType::Bool: {
      std::vector<uint32_t> set;
      for (uint32_t i = 0; i < values.size(); ++i) {
        if (values[i].b) set.push_back(i);
      }
      put_bitmap(out, static_cast<uint32_t>(values.size()), set);
      break;
    }
    case FieldType::Ip: {
      bool all_v4 = std::all_of(values.begin(), values.end(), [](const Value& v) { return v.ip_v4; });
      out.push_back(all_v4 ? 1 : 0);
      st.has_minmax = !values.empty();
      for (const Value& v : values) {
        IpAddress a = v.as_ip();
        if (&v == values.data() || ip_less(a, st.ip_min)) st.ip_min = a;
        if (&v == values.data() || ip_less(st.ip_max, a)) st.ip_max = a;
        if (all_v4) {
          out.append(reinterpret_cast<const char*>(v.ip) + 12, 4);
        } else {
          out.append(reinterpret_cast<const char*>(v.ip), 16);
        }
      }
      if (!all_v4) {
        std::vector<uint32_t> v4;
        for (uint32_t i = 0; i < values.size(); ++i) {
          if (values[i].ip_v4) v4.push_back(i);
        }
        put_bitmap(out, static_cast<uint32_t>(values.size()), v4);
      }
      break;
    }
    case FieldType::String:
      encode_strings(present_rows, values, ctx.raws, out, uses_raw);
      break;
  }
}

namespace {

Status bad_chunk(std::string_view why) { return Status::error(fmt::format("column chunk: {}", why)); }

// The presence header of a chunk: fills present[] and sets n to the rows with a value.
Status decode_presence(ByteReader& r, uint32_t rows, std::vector<uint8_t>& present, uint32_t& n) {
  present.assign(rows, 0);
  n = 0;
  uint8_t presence;
  if (!r.raw(&presence, 1)) return bad_chunk("empty");
  if (presence == 0) {
    std::fill(present.begin(), present.end(), 1);
    n = rows;
  } else if (presence == 1) {
    size_t len = (rows + 7) / 8;
    if (r.remaining() < len) return bad_chunk("truncated presence bitmap");
    // Eight rows per step: a byte of the bitmap spreads to eight 0/1 bytes (a table of
    // 256 words), and popcount counts them; a bit per row was a quarter of a group-by.
    static const auto kSpread = [] {
      std::array<uint64_t, 256> t{};
      for (unsigned b = 0; b < 256; ++b) {
        for (unsigned i = 0; i < 8; ++i) t[b] |= uint64_t{(b >> i) & 1u} << (8 * i);
      }
      return t;
    }();
    const auto* bits = reinterpret_cast<const uint8_t*>(r.p);
    uint32_t full = rows / 8;
    for (uint32_t i = 0; i < full; ++i) {
      static_assert(std::endian::native == std::endian::little, "row 8i must be the lowest byte");
      uint64_t w = kSpread[bits[i]];
      std::memcpy(present.data() + 8 * size_t{i}, &w, 8);
      n += static_cast<uint32_t>(std::popcount(static_cast<unsigned>(bits[i])));
    }
    for (uint32_t i = full * 8; i < rows; ++i) {
      present[i] = (bits[i >> 3] >> (i & 7)) & 1;
      n += present[i];
    }
    r.p += len;
  } else {
    return bad_chunk("unknown presence kind");
  }
  return {};
}

// The integers of an Int64 or Timestamp chunk, after its presence: put(row, x) for
// each present row, in row order.
template <typename Put>
Status read_ints(ByteReader& r, FieldType type, uint32_t rows, const std::vector<uint8_t>& present,
                 const RowContext& ctx, Put&& put) {
  uint8_t mode = 0;
  if (type == FieldType::Timestamp && (!r.raw(&mode, 1) || mode > 1)) return bad_chunk("bad timestamp encoding");
  if (mode == 1 && ctx.times.size() != rows) return bad_chunk("timestamps need the event times of the block");
  uint64_t prev = 0;
  for (uint32_t i = 0; i < rows; ++i) {
    if (!present[i]) continue;
    uint64_t d;
    if (!r.varint(d)) return bad_chunk("truncated integers");
    const uint64_t x = mode == 1 ? static_cast<uint64_t>(ctx.times[i]) + static_cast<uint64_t>(unzigzag(d))
                                 : (prev += static_cast<uint64_t>(unzigzag(d)));
    put(i, static_cast<int64_t>(x));
  }
  return {};
}

}  // namespace

Status decode_int_chunk(FieldType type, std::string_view bytes, uint32_t rows, std::vector<uint8_t>& present,
                        std::vector<int64_t>& out) {
  if (type != FieldType::Int64 && type != FieldType::Timestamp) return bad_chunk("not an integer column");
  ByteReader r(bytes);
  uint32_t n = 0;
  if (Status s = decode_presence(r, rows, present, n); !s.ok()) return s;
  out.assign(rows, 0);
  if (Status s = read_ints(r, type, rows, present, RowContext{}, [&](uint32_t i, int64_t x) { out[i] = x; }); !s.ok())
    return s;
  if (!r.done()) return bad_chunk("trailing bytes");
  return {};
}

Status decode_packed_ips(std::string_view bytes, uint32_t rows, std::vector<uint8_t>& present, PackedIps& ips) {
  ips = {};
  ByteReader r(bytes);
  uint32_t n = 0;
  if (Status s = decode_presence(r, rows, present, n); !s.ok()) return s;
  uint8_t all_v4;
  if (!r.raw(&all_v4, 1) || all_v4 > 1) return bad_chunk("bad IP encoding");
  const size_t width = all_v4 ? 4 : 16;
  if (r.remaining() < width * n + (all_v4 ? 0 : (n + 7) / 8)) return bad_chunk("truncated IPs");
  ips.bytes = reinterpret_cast<const uint8_t*>(r.p);
  ips.width = static_cast<uint8_t>(width);
  if (!all_v4) ips.v4_bits = ips.bytes + width * n;
  return {};
}

Status decode_chunk(FieldType type, std::string_view bytes, uint32_t rows, const RowContext& ctx,
                    std::vector<uint8_t>& present, std::vector<Value>& values) {
  auto bad = bad_chunk;
  ByteReader r(bytes);
  values.resize(rows);
  uint32_t n = 0;
  if (Status s = decode_presence(r, rows, present, n); !s.ok()) return s;
  // The rows that have values, in order: values are stored only for those.
  auto each_present = [&](auto&& fn) -> bool {
    for (uint32_t i = 0, k = 0; i < rows; ++i) {
      if (!present[i]) continue;
      if (!fn(i, k++)) return false;
    }
    return true;
  };
  switch (type) {
    case FieldType::Int64:
    case FieldType::Timestamp: {
      const bool is_int = type == FieldType::Int64;
      if (Status s = read_ints(r, type, rows, present, ctx, [&](uint32_t i, int64_t x) {
            values[i] = is_int ? Value::int64(x) : Value::timestamp(x);
          });
          !s.ok()) {
        return s;
      }
      break;
    }
    case FieldType::Float64: {
      bool ok = each_present([&](uint32_t i, uint32_t) {
        double d;
        if (!r.raw(&d, 8)) return false;
        values[i] = Value::float64(d);
        return true;
      });
      if (!ok) return bad("truncated floats");
      break;
    }
    case FieldType::Bool: {
      size_t len = (n + 7) / 8;
      if (r.remaining() < len) return bad("truncated booleans");
      const char* bits = r.p;
      each_present([&](uint32_t i, uint32_t k) {
        values[i] = Value::boolean((static_cast<uint8_t>(bits[k >> 3]) >> (k & 7)) & 1);
        return true;
      });
      r.p += len;
      break;
    }
    case FieldType::Ip: {
      uint8_t all_v4;
      if (!r.raw(&all_v4, 1) || all_v4 > 1) return bad("bad IP encoding");
      size_t width = all_v4 ? 4 : 16;
      if (r.remaining() < width * n + (all_v4 ? 0 : (n + 7) / 8)) return bad("truncated IPs");
      const char* data = r.p;
      const char* v4bits = r.p + width * n;
      each_present([&](uint32_t i, uint32_t k) {
        IpAddress a;
        if (all_v4) {
          a.is_v4 = true;
          a.bytes[10] = a.bytes[11] = 0xff;
          std::memcpy(a.bytes.data() + 12, data + 4 * k, 4);
        } else {
          std::memcpy(a.bytes.data(), data + 16 * k, 16);
          a.is_v4 = (static_cast<uint8_t>(v4bits[k >> 3]) >> (k & 7)) & 1;
        }
        values[i] = Value::ip_address(a);
        return true;
      });
      r.p += width * n + (all_v4 ? 0 : (n + 7) / 8);
      break;
    }
    case FieldType::String: {
      uint8_t mode;
      if (!r.raw(&mode, 1)) return bad("truncated strings");
      if (mode == 1) {
        uint64_t count;
        if (!r.varint(count) || count > r.remaining()) return bad("bad dictionary size");
        std::vector<std::string_view> dict(count);
        for (auto& s : dict) {
          if (!r.bytes(s)) return bad("truncated dictionary");
        }
        uint8_t width;
        if (!r.raw(&width, 1) || (width != 1 && width != 2 && width != 4)) return bad("bad id width");
        if (r.remaining() < static_cast<size_t>(width) * n) return bad("truncated ids");
        const auto* ids = reinterpret_cast<const uint8_t*>(r.p);
        bool ok = each_present([&](uint32_t i, uint32_t k) {
          uint32_t id = 0;
          for (unsigned b = 0; b < width; ++b) id |= static_cast<uint32_t>(ids[k * width + b]) << (8 * b);
          if (id >= dict.size()) return false;
          values[i] = Value::string(dict[id]);
          return true;
        });
        if (!ok) return bad("dictionary id out of range");
        r.p += static_cast<size_t>(width) * n;
      } else if (mode == 0) {
        std::vector<uint32_t> lens(n);
        uint64_t total = 0;
        for (auto& len : lens) {
          uint64_t x;
          if (!r.varint(x) || x > UINT32_MAX) return bad("truncated string lengths");
          len = static_cast<uint32_t>(x);
          total += x;
        }
        if (total > r.remaining()) return bad("truncated string bytes");
        const char* text = r.p;
        each_present([&](uint32_t i, uint32_t k) {
          values[i] = Value::string({text, lens[k]});
          text += lens[k];
          return true;
        });
        r.p += total;
      } else if (mode == 2) {
        if (ctx.raws.size() != rows) return bad("strings need the raw texts of the block");
        std::vector<std::pair<uint64_t, uint32_t>> refs(n);
        uint64_t literal = 0;
        for (auto& [ref, len] : refs) {
          uint64_t x;
          if (!r.varint(ref) || !r.varint(x) || x > UINT32_MAX) return bad("truncated string references");
          len = static_cast<uint32_t>(x);
          if (ref == 0) literal += x;
        }
        if (literal > r.remaining()) return bad("truncated string bytes");
        const char* text = r.p;
        bool ok = each_present([&](uint32_t i, uint32_t k) {
          auto [ref, len] = refs[k];
          if (ref == 0) {
            values[i] = Value::string({text, len});
            text += len;
            return true;
          }
          std::string_view raw = ctx.raws[i];
          if (ref - 1 > raw.size() || len > raw.size() - (ref - 1)) return false;
          values[i] = Value::string(raw.substr(ref - 1, len));
          return true;
        });
        if (!ok) return bad("string reference outside its raw text");
        r.p += literal;
      } else {
        return bad("unknown string encoding");
      }
      break;
    }
    default:
      return bad("unknown type");
  }
  if (!r.done()) return bad("trailing bytes");
  return {};
}

}  // namespace vigil::column

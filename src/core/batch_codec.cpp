#include "core/batch_codec.h"

#include <unordered_map>

#include "core/varint.h"

namespace vigil {

namespace {
constexpr std::string_view kMagic = "VGB1";
}

void encode_batch(const EventBatch& batch, std::string& out) {
  // Local name table: ids in first-use order, so the table holds only names this batch uses.
  std::unordered_map<FieldId, uint32_t> local;
  std::string names, body;
  for (const Event& e : batch.events()) {
    put_varint(body, zigzag(e.time));
    put_varint(body, zigzag(e.receive_time));
    put_varint(body, e.flags);
    put_bytes(body, e.raw);
    put_bytes(body, e.source);
    put_bytes(body, e.input);
    put_bytes(body, e.tenant);
    put_bytes(body, e.parse_error);
    put_varint(body, e.field_count);
    for (const Field& f : batch.fields(e)) {
      auto [it, inserted] = local.emplace(f.id, static_cast<uint32_t>(local.size()));
      if (inserted) put_bytes(names, field_name(f.id));
      put_varint(body, it->second);
      body.push_back(static_cast<char>(f.value.type));
      const Value& v = f.value;
      switch (v.type) {
        case FieldType::String: put_bytes(body, v.as_string()); break;
        case FieldType::Int64: put_varint(body, zigzag(v.i64)); break;
        case FieldType::Timestamp: put_varint(body, zigzag(v.ts)); break;
        case FieldType::Float64: body.append(reinterpret_cast<const char*>(&v.f64), 8); break;
        case FieldType::Bool: body.push_back(v.b ? 1 : 0); break;
        case FieldType::Ip:
          body.push_back(v.ip_v4 ? 1 : 0);
          body.append(reinterpret_cast<const char*>(v.ip), 16);
          break;
      }
    }
  }
  out.append(kMagic);
  put_varint(out, batch.size());
  put_varint(out, local.size());
  out.append(names);
  out.append(body);
}

Result<EventBatch> decode_batch(std::string_view bytes) {
  auto bad = [](const char* what) { return Status::error(std::string("corrupt batch: ") + what); };
  if (bytes.substr(0, kMagic.size()) != kMagic) return bad("bad magic");
  ByteReader r(bytes.substr(kMagic.size()));
  uint64_t n_events, n_names;
  if (!r.varint(n_events) || !r.varint(n_names)) return bad("truncated header");
  // Each event and name takes at least one byte: reject counts the input cannot hold.
  if (n_events > r.remaining() || n_names > r.remaining()) return bad("counts exceed size");
  std::vector<FieldId> ids;
  ids.reserve(n_names);
  for (uint64_t i = 0; i < n_names; ++i) {
    std::string_view name;
    if (!r.bytes(name)) return bad("truncated name table");
    ids.push_back(field_id(name));
  }
  EventBatch batch;
  batch.reserve(n_events, n_events * 8);
  for (uint64_t i = 0; i < n_events; ++i) {
    uint64_t t, rt, flags, nf;
    Provenance p;
    std::string_view perr;
    if (!r.varint(t) || !r.varint(rt) || !r.varint(flags) || !r.bytes(p.raw) || !r.bytes(p.source) ||
        !r.bytes(p.input) || !r.bytes(p.tenant) || !r.bytes(perr) || !r.varint(nf))
      return bad("truncated event");
    if (nf > r.remaining()) return bad("field count exceeds size");
    p.receive_time = unzigzag(rt);
    Event& e = batch.begin_event(p);
    e.time = unzigzag(t);
    e.flags = static_cast<uint32_t>(flags);
    if (!perr.empty()) e.parse_error = batch.arena().copy(perr);
    for (uint64_t j = 0; j < nf; ++j) {
      uint64_t idx;
      uint8_t type;
      if (!r.varint(idx) || idx >= ids.size() || !r.raw(&type, 1)) return bad("truncated field");
      FieldId id = ids[idx];
      switch (static_cast<FieldType>(type)) {
        case FieldType::String: {
          std::string_view s;
          if (!r.bytes(s)) return bad("truncated string");
          batch.add_string(id, s);
          break;
        }
        case FieldType::Int64:
        case FieldType::Timestamp: {
          uint64_t v;
          if (!r.varint(v)) return bad("truncated integer");
          if (static_cast<FieldType>(type) == FieldType::Int64) batch.add_int(id, unzigzag(v));
          else batch.add_time(id, unzigzag(v));
          break;
        }
        case FieldType::Float64: {
          double d;
          if (!r.raw(&d, 8)) return bad("truncated float");
          batch.add_float(id, d);
          break;
        }
        case FieldType::Bool: {
          uint8_t b;
          if (!r.raw(&b, 1)) return bad("truncated bool");
          batch.add_bool(id, b != 0);
          break;
        }
        case FieldType::Ip: {
          uint8_t v4;
          IpAddress ip;
          if (!r.raw(&v4, 1) || !r.raw(ip.bytes.data(), 16)) return bad("truncated ip");
          ip.is_v4 = v4 != 0;
          batch.add_ip(id, ip);
          break;
        }
        default: return bad("unknown field type");
      }
    }
    batch.end_event();
  }
  if (!r.done()) return bad("trailing bytes");
  return batch;
}

}  // namespace vigil

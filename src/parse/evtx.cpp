// EVTX reader (see evtx.h).
//
// Decisions the header leaves open:
// - A record's raw is libevtx's XML rendering of it (UTF-8, without the terminating
//   NUL): the most faithful text of the binary XML there is, and what the fields are
//   read from, so most field values are slices of the raw, not copies.
// - The in-memory path hands libevtx a libbfio memory-range handle (libbfio is linked
//   on its own: libevtx.pc names it only in Libs.private).
// - libbfio 20170123 (Debian 12) copies the whole requested size in a read that
//   reaches past the end of a memory range, though it reports the short count (found
//   by parse_evtx_fuzz: a 833-byte input read 4096 bytes). The range is therefore a
//   copy of the buffer followed by kReadSlack zero bytes, more than libevtx ever asks
//   for at once (a 64 KiB chunk); what lies past the range is never used.
// - A record whose bytes cannot be rendered keeps its binary record (header "**\0\0",
//   size, ...) as raw when libevtx could say where it starts; a record libevtx cannot
//   read at all has an empty raw. Both carry "record N: <libevtx's reason>", N counting
//   from 1 in file order.
// - Error events get kFlagNoTimestamp like every parse error, even when libevtx could
//   still tell the written time.
#include "parse/evtx.h"

#include <libbfio.h>
#include <libevtx.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <utility>

#include "parse/windows_event_xml.h"

namespace vigil {
namespace {


// libevtx's message for `error` (freed here): its last line, without the trailing dot.
std::string take_message(libevtx_error_t*& error) {
  if (error == nullptr) return "unknown libevtx error";
  char buf[512];
  buf[0] = 0;
  libevtx_error_sprint(error, buf, sizeof buf);
  libevtx_error_free(&error);
  std::string_view m(buf, std::strlen(buf));
  while (!m.empty() && (m.back() == '\n' || m.back() == ' ' || m.back() == '.')) m.remove_suffix(1);
  size_t nl = m.rfind('\n');
  if (nl != std::string_view::npos) m.remove_prefix(nl + 1);
  return std::string(m);
}

// An open libevtx file and, for the in-memory case, its memory-range handle.
struct EvtxHandle {
  libevtx_file_t* file = nullptr;
  libbfio_handle_t* io = nullptr;
  std::string_view bytes;  // the buffer, when reading from memory
  std::string path;        // the file, when reading from disk

  ~EvtxHandle() {
    if (file != nullptr) {
      libevtx_file_close(file, nullptr);
      libevtx_file_free(&file, nullptr);
    }
    if (io != nullptr) libbfio_handle_free(&io, nullptr);
  }
};

// The binary record at `offset` ("**\0\0", size, ...), into `buf`; empty when it
// cannot be located.
std::string_view record_bytes(const EvtxHandle& h, uint64_t offset, std::string& buf) {
  constexpr uint64_t kMaxRecord = 1 << 16;  // a record lies inside one 64 KiB chunk
  unsigned char header[8];
  if (!h.path.empty()) {
    std::FILE* f = std::fopen(h.path.c_str(), "rb");
    if (f == nullptr) return {};
    std::string_view got;
    if (fseeko(f, static_cast<off_t>(offset), SEEK_SET) == 0 && std::fread(header, 1, 8, f) == 8 &&
        std::memcmp(header, "**\0\0", 4) == 0) {
      uint32_t size;
      std::memcpy(&size, header + 4, 4);
      if (size >= 8 && size <= kMaxRecord) {
        buf.resize(size);
        std::memcpy(buf.data(), header, 8);
        if (std::fread(buf.data() + 8, 1, size - 8, f) == size - 8) got = buf;
      }
    }
    std::fclose(f);
    return got;
  }
  if (offset > h.bytes.size() || h.bytes.size() - offset < 8) return {};
  std::string_view at = h.bytes.substr(offset);
  if (std::memcmp(at.data(), "**\0\0", 4) != 0) return {};
  uint32_t size;
  std::memcpy(&size, at.data() + 4, 4);
  if (size < 8 || size > kMaxRecord || size > at.size()) return {};
  return at.substr(0, size);
}

// libevtx's XML for `record` into `xml` (without its NUL); false with `why` when none.
bool render(libevtx_record_t* record, std::string& xml, std::string& why) {
  libevtx_error_t* error = nullptr;
  size_t size = 0;
  if (libevtx_record_get_utf8_xml_string_size(record, &size, &error) != 1 || size == 0) {
    why = error ? take_message(error) : "no XML for this record";
    return false;
  }
  xml.resize(size);
  if (libevtx_record_get_utf8_xml_string(record, reinterpret_cast<uint8_t*>(xml.data()), size, &error) != 1) {
    why = take_message(error);
    return false;
  }
  while (!xml.empty() && xml.back() == '\0') xml.pop_back();
  return true;
}

class RecordReader {
 public:
  RecordReader(const EvtxHandle& h, const Provenance& base, EventBatch& out, WindowsReadStats& stats)
      : h_(h), p_(base), out_(out), stats_(stats) {}

  void read_all(const EvtxOptions& options) {
    libevtx_error_t* error = nullptr;
    int count = 0;
    if (libevtx_file_get_number_of_records(h_.file, &count, &error) != 1) {
      fail_file("cannot count the records: " + take_message(error));
      return;
    }
    for (int i = 0; i < count; ++i) {
      libevtx_record_t* record = nullptr;
      if (libevtx_file_get_record_by_index(h_.file, i, &record, &error) != 1) {
        bad_event(i, {}, take_message(error));
        continue;
      }
      add(i, record, false);
      libevtx_record_free(&record, nullptr);
    }
    if (!options.recovered) return;
    if (libevtx_file_get_number_of_recovered_records(h_.file, &count, &error) != 1) {
      libevtx_error_free(&error);
      return;
    }
    for (int i = 0; i < count; ++i) {
      libevtx_record_t* record = nullptr;
      if (libevtx_file_get_recovered_record_by_index(h_.file, i, &record, &error) != 1) {
        libevtx_error_free(&error);  // a fragment with nothing readable: skipped
        continue;
      }
      add(i, record, true);
      libevtx_record_free(&record, nullptr);
    }
  }

 private:
  void add(int index, libevtx_record_t* record, bool recovered) {
    thread_local std::string xml, why;
    if (!render(record, xml, why)) {
      off64_t offset = 0;
      std::string_view raw;
      if (libevtx_record_get_offset(record, &offset, nullptr) == 1 && offset >= 0)
        raw = record_bytes(h_, static_cast<uint64_t>(offset), bytes_);
      bad_event(index, raw, why, recovered);
      return;
    }
    begin(xml, recovered);
    if (const char* bad = read_windows_event_xml(out_.current().raw, WindowsRendering::Libevtx, out_))
      mark_bad(index, bad, recovered);
    out_.end_event();
  }

  void bad_event(int index, std::string_view raw, const std::string& why, bool recovered = false) {
    begin(raw, recovered);
    mark_bad(index, why, recovered);
    out_.end_event();
  }

  void begin(std::string_view raw, bool recovered) {
    p_.raw = raw;
    out_.begin_event(p_);
    ++stats_.records;
    if (recovered) {
      ++stats_.recovered;
      static const FieldId kRecovered = field_id("EvtxRecovered");
      out_.add_bool(kRecovered, true);
    }
  }

  void mark_bad(int index, std::string_view why, bool recovered) {
    char msg[640];
    std::snprintf(msg, sizeof msg, "%srecord %d: %.*s", recovered ? "recovered " : "", index + 1,
                  static_cast<int>(why.size()), why.data());
    out_.set_parse_error(msg);
    out_.set_flag(kFlagNoTimestamp);
    ++stats_.errors;
    if (stats_.first_error.empty()) stats_.first_error = msg;
  }

  void fail_file(const std::string& why) {
    ++stats_.errors;
    if (stats_.first_error.empty()) stats_.first_error = why;
  }

  const EvtxHandle& h_;
  Provenance p_;
  EventBatch& out_;
  WindowsReadStats& stats_;
  std::string bytes_;
};

WindowsReadStats read_open(EvtxHandle& h, const Provenance& base, EventBatch& out, const EvtxOptions& options) {
  WindowsReadStats stats;
  RecordReader(h, base, out, stats).read_all(options);
  return stats;
}

WindowsReadStats open_failed(std::string why) {
  WindowsReadStats stats;
  stats.errors = 1;
  stats.first_error = std::move(why);
  return stats;
}

}  // namespace

WindowsReadStats read_evtx_file(const std::string& path, const Provenance& base, EventBatch& out,
                                const EvtxOptions& options) {
  EvtxHandle h;
  h.path = path;
  libevtx_error_t* error = nullptr;
  if (libevtx_file_initialize(&h.file, &error) != 1) return open_failed("libevtx: " + take_message(error));
  if (libevtx_file_open(h.file, path.c_str(), LIBEVTX_OPEN_READ, &error) != 1) {
    libevtx_file_free(&h.file, nullptr);
    return open_failed(path + ": not a readable EVTX file: " + take_message(error));
  }
  Provenance p = base;
  if (p.source.empty()) p.source = path;
  return read_open(h, p, out, options);
}

WindowsReadStats read_evtx_buffer(std::string_view bytes, const Provenance& base, EventBatch& out,
                                  const EvtxOptions& options) {
  // The copy libbfio reads from, with slack for its over-reads (see above); it outlives
  // the handle.
  constexpr size_t kReadSlack = 1 << 17;
  std::unique_ptr<uint8_t[]> copy(new uint8_t[bytes.size() + kReadSlack]);
  if (!bytes.empty()) std::memcpy(copy.get(), bytes.data(), bytes.size());
  std::memset(copy.get() + bytes.size(), 0, kReadSlack);
  EvtxHandle h;
  h.bytes = std::string_view(reinterpret_cast<const char*>(copy.get()), bytes.size());
  libevtx_error_t* error = nullptr;
  if (libbfio_memory_range_initialize(&h.io, nullptr) != 1 ||
      libbfio_memory_range_set(h.io, copy.get(), bytes.size(), nullptr) != 1)
    return open_failed("libbfio: cannot make a memory-range handle");
  if (libevtx_file_initialize(&h.file, &error) != 1) return open_failed("libevtx: " + take_message(error));
  if (libevtx_file_open_file_io_handle(h.file, h.io, LIBEVTX_OPEN_READ, &error) != 1) {
    libevtx_file_free(&h.file, nullptr);
    return open_failed("not a readable EVTX file: " + take_message(error));
  }
  return read_open(h, base, out, options);
}

}  // namespace vigil

// Fuzz the spool's segment reader with damaged files. The first byte picks the mode:
//   most values: read_spool_segment() on the rest; records and damage must cover every
//     byte once, in order; each record must re-encode to exactly its bytes, in rising
//     seq order; the intact records alone must read back clean.
//   0 (mod 32): the rest as a segment file of a real spool: open() repairs it, hands out exactly
//     the intact records, and the next append gets a seq above all of them.
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "agent/spool.h"

using namespace vigil;

namespace {

void check_segment(std::string_view in, const SpoolSegmentContents& c) {
  uint64_t at = 0, last_seq = 0;
  size_t r = 0, d = 0;
  while (at < in.size()) {
    if (r < c.records.size() && c.records[r].offset == at) {
      const SpoolRecordRef& rec = c.records[r++];
      if (rec.seq <= last_seq || rec.length == 0) abort();
      if (rec.length > in.size() - at - kSpoolRecordHeader) abort();
      std::string again;
      append_spool_record(again, rec.seq, rec.events, in.substr(at + kSpoolRecordHeader, rec.length));
      if (again != in.substr(at, again.size())) abort();
      last_seq = rec.seq;
      at += kSpoolRecordHeader + rec.length;
    } else if (d < c.damage.size() && c.damage[d].offset == at) {
      const SpoolDamage& dm = c.damage[d++];
      if (dm.bytes == 0 || dm.bytes > in.size() - at) abort();
      at += dm.bytes;
      if (dm.at_tail != (at == in.size())) abort();
    } else {
      abort();  // a byte neither in a record nor in damage
    }
  }
  if (r != c.records.size() || d != c.damage.size()) abort();
}

const std::filesystem::path& scratch_dir() {
  static const std::filesystem::path dir = [] {
    char tmpl[] = "/tmp/vigil-spool-fuzz-XXXXXX";
    if (!::mkdtemp(tmpl)) abort();
    return std::filesystem::path(tmpl);
  }();
  return dir;
}

void check_spool(std::string_view in, const SpoolSegmentContents& c) {
  const std::filesystem::path dir = scratch_dir() / "spool";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  {
    std::ofstream out(dir / "spool-0000000000000001.log", std::ios::binary);
    out.write(in.data(), static_cast<std::streamsize>(in.size()));
  }
  auto spool = Spool::open({.dir = dir, .max_bytes = 1 << 20, .sync = false});
  if (!spool.ok()) abort();  // no STATE to refuse: segment damage is always repaired
  uint64_t after = 0;
  size_t k = 0;
  for (;; ++k) {
    auto b = (*spool)->next_after(after);
    if (!b.ok()) abort();
    if (!b->has_value()) break;
    if (k >= c.records.size() || (*b)->seq != c.records[k].seq) abort();
    if ((*b)->payload != in.substr(c.records[k].offset + kSpoolRecordHeader, c.records[k].length)) abort();
    after = (*b)->seq;
  }
  SpoolStats st = (*spool)->stats();
  if (k != c.records.size() || st.batches_waiting != k || st.corrupt_records < c.damage.size()) abort();
  auto seq = (*spool)->append("x", 1);
  if (!seq.ok() || *seq <= after) abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bool quiet = [] {
    spdlog::set_level(spdlog::level::off);  // every damaged input is logged otherwise
    return true;
  }();
  (void)quiet;
  if (size < 1) return 0;
  std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
  SpoolSegmentContents c = read_spool_segment(in);
  check_segment(in, c);
  std::string clean;
  for (const SpoolRecordRef& r : c.records) clean.append(in.substr(r.offset, kSpoolRecordHeader + r.length));
  SpoolSegmentContents again = read_spool_segment(clean);
  if (!again.damage.empty() || again.records.size() != c.records.size()) abort();
  if (data[0] % 32 == 0 && in.size() < (1 << 16)) check_spool(in, c);  // file I/O: a few per cent
  return 0;
}

// Fuzz target: bytes as log lines through a LineNormalizer with the project's real
// parser packs (content/parsers: $VIGIL_CONTENT/parsers, else default_parsers_dir(),
// else ../../../content/parsers next to this binary in build/<dir>/tests/fuzz).
// Every line of the input is normalized. A line a pack takes (and, with --pack, every
// non-blank line) gives exactly one event whose raw is that line (cut to the size
// limit, flagged so); every field of every event must be readable, and an event with
// the parse-error flag must say why. The first byte picks a --pack restriction to one
// pack, so each pack's own paths are reached too; the rest of the time all readers run.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "normalize/line_normalizer.h"
#include "normalize/pack_loader.h"

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

std::shared_ptr<const vigil::PackSet> load_packs() {
  namespace fs = std::filesystem;
  std::vector<std::string> dirs;
  if (const char* env = std::getenv("VIGIL_CONTENT"); env && *env) dirs.push_back(std::string(env) + "/parsers");
  dirs.push_back(vigil::default_parsers_dir());
  char self[4096];
  const ssize_t n = ::readlink("/proc/self/exe", self, sizeof self - 1);
  if (n > 0) dirs.push_back((fs::path(std::string(self, n)).parent_path() / "../../../../content/parsers").string());
  if (n > 0) dirs.push_back((fs::path(std::string(self, n)).parent_path() / "../../../content/parsers").string());
  for (const std::string& d : dirs) {
    vigil::PackLoad load = vigil::load_pack_dir(d);
    if (load.packs.empty()) continue;
    for (const std::string& r : load.refusals) std::fprintf(stderr, "normalize_packs_fuzz: refused %s\n", r.c_str());
    std::fprintf(stderr, "normalize_packs_fuzz: %zu packs from %s\n", load.packs.size(), d.c_str());
    return std::make_shared<const vigil::PackSet>(std::move(load.packs));
  }
  std::fprintf(stderr, "normalize_packs_fuzz: no parser packs found; set VIGIL_CONTENT\n");
  std::abort();
}

size_t touch(const vigil::EventBatch& b) {
  size_t sum = 0;
  for (const vigil::Event& e : b.events()) {
    if (e.flags & vigil::kFlagParseError) check(!e.parse_error.empty());
    for (const vigil::Field& f : b.fields(e))
      if (f.value.type == vigil::FieldType::String)
        for (char c : f.value.as_string()) sum += static_cast<unsigned char>(c);
  }
  return sum;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace vigil;
  static const std::shared_ptr<const PackSet> packs = load_packs();
  if (size == 0) return 0;
  // First byte: 0..N-1 restricts to that pack (like vigil parse --pack), else all packs.
  const size_t pick = data[0];
  std::string_view only;
  if (pick < packs->packs().size()) only = packs->packs()[pick]->name;
  std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);

  NormalizerOptions o{.packs = packs, .only_pack = only, .max_line_bytes = 2048};
  LineNormalizer normalizer(o);
  const Provenance p{.receive_time = 1'795'000'000LL * kNsPerSec, .source = "fuzz", .input = "file"};
  size_t sum = 0;
  while (!body.empty()) {
    const size_t nl = body.find('\n');
    std::string_view line = body.substr(0, nl);
    body = nl == std::string_view::npos ? std::string_view{} : body.substr(nl + 1);
    EventBatch batch;
    normalizer.add_line(line, p, batch);
    std::string_view trimmed = line;
    while (!trimmed.empty() && (trimmed.back() == '\r' || trimmed.back() == '\n')) trimmed.remove_suffix(1);
    if (trimmed.find_first_not_of(" \t") == std::string_view::npos) {
      check(batch.empty());
      continue;
    }
    // With --pack the stream readers (Zeek, auditd, Suricata) are skipped, so every line
    // is one event; so is every line a pack took.
    if (!only.empty() || normalizer.last_pack()) {
      check(batch.size() == 1);
      const Event& e = batch[0];
      check(e.raw == trimmed.substr(0, o.max_line_bytes) || e.raw == trimmed);
      if (e.raw.size() < trimmed.size()) check(trimmed.size() > o.max_line_bytes && (e.flags & kFlagTruncated));
    }
    if (normalizer.last_pack() && !only.empty()) check(normalizer.last_pack()->name == only);
    sum += touch(batch);
  }
  EventBatch rest;
  normalizer.flush(rest);
  sum += touch(rest);
  return sum == SIZE_MAX ? 1 : 0;
}

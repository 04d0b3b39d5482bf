// Fuzz the manifest chain readers (src/store/manifest.h) with corrupted chain.log files:
// the store's strict reader (read_chain) and verify's forgiving one (verify_chain) must
// answer every input with a result or a clear error, never a crash, and must agree.
//
// Input: byte 0 picks a mode. Even: the rest is chain.log as is (checksums will rarely
// match, so this mostly tests framing, torn tails and damage). Odd: the rest is a list of
// entry bodies (u16 length + bytes) framed with correct checksums; bit 1 also rewrites each
// body's index and previous hash to chain properly, bit 2 signs it with a fixed key, so
// that mutations reach decoding, ordering, links and change checks. Bytes after the list
// are appended raw (a torn or damaged tail).
#include <cstdint>
#include <cstdlib>
#include <string>
#include <unordered_map>
#include <vector>

#include "store/ed25519.h"
#include "store/io.h"
#include "store/manifest.h"

namespace {

using namespace vigil;
using namespace vigil::manifest;

void check(bool ok) {
  if (!ok) std::abort();
}

const ed25519::Key& key() {
  static const ed25519::Key k = *ed25519::Key::generate();
  return k;
}

// Signing is the slow part and mutated inputs share most bodies: remember signatures.
const std::string& signature(const std::string& body) {
  static std::unordered_map<std::string, std::string> cache;
  if (cache.size() > 20000) cache.clear();
  auto it = cache.find(body);
  if (it == cache.end()) {
    std::string message(kSignContext);
    message += body;
    it = cache.emplace(body, *key().sign(message)).first;
  }
  return it->second;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t mode = data[0];
  std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  std::string chain;
  bool all_signed = false;
  if ((mode & 1) == 0) {
    chain.assign(rest);
  } else {
    const bool relink = mode & 2, sign = mode & 4;
    all_signed = sign;
    Digest prev{};
    uint64_t index = 0;
    size_t pos = 0;
    while (rest.size() - pos >= 2 && index < 8) {
      size_t len = static_cast<uint8_t>(rest[pos]) | static_cast<size_t>(static_cast<uint8_t>(rest[pos + 1])) << 8;
      pos += 2;
      if (len > rest.size() - pos) len = rest.size() - pos;
      std::string body(rest.substr(pos, len));
      pos += len;
      if (relink && body.size() >= 1 + 8 + 32) {
        std::string fixed;
        io::put_fixed64(fixed, index);
        fixed.append(reinterpret_cast<const char*>(prev.data()), prev.size());
        body.replace(1, fixed.size(), fixed);
      }
      std::string payload = body;
      if (sign) payload += signature(body);
      if (payload.empty()) payload.push_back('\0');  // a frame holds at least one byte
      append_frame(chain, payload);
      prev = sha256(payload);
      ++index;
    }
    chain.append(rest.substr(pos));
  }

  // Exactly `chain.size()` bytes, so ASan catches a read past the end.
  std::vector<char> buf(chain.begin(), chain.end());
  std::string_view bytes(buf.data(), buf.size());

  auto strict = read_chain(bytes, "chain.log");
  if (!strict.ok()) check(!strict.error().empty());

  auto report = verify_chain(bytes, key());
  for (const auto& p : report.problems) check(!p.empty());
  for (const auto& n : report.notes) check(!n.empty());
  // verify checks all that the store's reader checks, and signatures besides.
  if (report.ok()) {
    check(strict.ok());
    check(report.entries == strict->entries && report.head == strict->head);
  }
  if (all_signed && strict.ok()) check(report.ok());
  if (strict.ok()) {
    uint64_t events = 0;
    for (const auto& [seq, rec] : strict->live) events += rec.events + rec.partition.size();
    for (const auto& [seq, rm] : strict->removed) events += rm.detail.size();
    return events == UINT64_MAX;
  }
  return 0;
}

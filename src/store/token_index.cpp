// Token hashing and the Bloom filter of the token index (see token_index.h).
#include "store/token_index.h"

#include <algorithm>
#include <bit>
#include <cstring>

namespace vigil::token_index {
namespace {

constexpr uint64_t kMul = 0x9E3779B97F4A7C15ull;

inline uint64_t mix(uint64_t h) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ull;
  h ^= h >> 33;
  return h;
}

constexpr ByteTables make_tables() {
  ByteTables t{};
  for (int c = 0; c < 256; ++c) {
    bool token = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c >= 0x80;
    bool joiner = c == '.' || c == ':' || c == '-' || c == '/' || c == '@' || c == '\\';
    t.cls[c] = token ? 2 : joiner ? 1 : 0;
    t.lower[c] = static_cast<uint8_t>(c >= 'A' && c <= 'Z' ? c + 32 : c);
  }
  return t;
}

// Maps a hash onto [0, nbits) without a power-of-two size (Lemire's multiply-shift).
inline uint64_t bit_of(uint64_t h, uint64_t nbits) {
  __extension__ using u128 = unsigned __int128;
  return static_cast<uint64_t>((static_cast<u128>(h) * nbits) >> 64);
}

}  // namespace

const ByteTables kByteTables = make_tables();

uint64_t hash_token(std::string_view token) {
  uint64_t h = kHashSeed;
  for (unsigned char c : token) h = hash_step(h, kByteTables.lower[c]);
  return hash_finish(h, token.size());
}

uint64_t hash_pair(uint64_t left, unsigned char joiner, uint64_t right) {
  return mix(left * 31 + joiner) ^ (right * kMul);
}

std::vector<uint64_t> term_hashes(std::string_view term) {
  std::vector<uint64_t> out;
  for_each_token_hash(term, [&](uint64_t h) { out.push_back(h); });
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

void BloomBuilder::clear() {
  // The next block is likely to hold as many distinct tokens as this one: start at the
  // size this one reached, so that it is not rehashed over and over while growing.
  slots_.assign(std::bit_ceil(std::max<size_t>(1024, count_ * 2 + 2)), 0);
  count_ = 0;
}

void BloomBuilder::grow() {
  std::vector<uint64_t> old(slots_.size() * 2, 0);
  old.swap(slots_);
  size_t mask = slots_.size() - 1;
  for (uint64_t h : old) {
    if (h == 0) continue;
    size_t i = h & mask;
    while (slots_[i] != 0) i = (i + 1) & mask;
    slots_[i] = h;
  }
}

void BloomBuilder::finish(std::string& out, unsigned bits_per_key) {
  uint64_t want_bits = std::max<uint64_t>(64, count_ * bits_per_key);
  uint64_t words = (want_bits + 63) / 64;
  // k = bits_per_key * ln 2 probes minimise false positives.
  unsigned probes = std::clamp<unsigned>(bits_per_key * 69 / 100, 1, 16);
  std::vector<uint64_t> bits(words, 0);
  const uint64_t nbits = words * 64;
  for (uint64_t h : slots_) {
    if (h == 0) continue;
    uint64_t delta = (h >> 32) | (h << 32) | 1;
    for (unsigned i = 0; i < probes; ++i) {
      uint64_t bit = bit_of(h, nbits);
      bits[bit >> 6] |= uint64_t{1} << (bit & 63);
      h += delta;
    }
  }
  out.push_back(static_cast<char>(probes));
  static_assert(std::endian::native == std::endian::little, "the words are stored little-endian");
  const size_t at = out.size();
  out.resize(at + bits.size() * 8);
  std::memcpy(out.data() + at, bits.data(), bits.size() * 8);
  clear();
}

bool bloom_may_contain(std::string_view filter, uint64_t h) {
  if (filter.size() < 9) return true;
  unsigned probes = static_cast<unsigned char>(filter[0]);
  uint64_t words = (filter.size() - 1) / 8;
  if (probes == 0 || probes > 16 || words == 0 || (filter.size() - 1) % 8 != 0) return true;
  h |= 1;  // as BloomBuilder::add stored it
  const auto* data = reinterpret_cast<const unsigned char*>(filter.data() + 1);
  const uint64_t nbits = words * 64;
  uint64_t delta = (h >> 32) | (h << 32) | 1;
  for (unsigned i = 0; i < probes; ++i) {
    uint64_t bit = bit_of(h, nbits);
    if (!(data[bit >> 3] & (1u << (bit & 7)))) return false;
    h += delta;
  }
  return true;
}

}  // namespace vigil::token_index

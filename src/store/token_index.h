// Token index: which tokens a block of events holds, as a Bloom filter, so that a
// search for a rare token (a user name, an IP, a hash) reads only the blocks that may
// hold it instead of scanning everything.
//
// Tokens: runs of ASCII letters, digits, '_' and non-ASCII bytes, folded to lower
// case ("Failed", "203", "0", "113", "77"), plus each pair of neighbouring tokens
// joined by exactly one of . : - / @ \ ("203.0", "0.113", "113.77"), so that dotted
// and slashed values (IPs, host names, paths, e-mail addresses) prune as well as
// words do. A free-text search term matches at token boundaries (search.h), so every
// token and pair inside the term is one the matching event also holds.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace vigil::token_index {

// 64-bit hash of a token, case-folded; the same function on both sides of the index.
uint64_t hash_token(std::string_view token);

// Calls add(hash) for every token and joined pair of `text` (duplicates included).
template <typename Add>
void for_each_token_hash(std::string_view text, Add&& add);

// Hashes that every text containing `term` at token boundaries also holds.
std::vector<uint64_t> term_hashes(std::string_view term);

// A Bloom filter of token hashes: build once per block, probe while planning.
// Bytes: u8 probes, then the bit array as 64-bit little-endian words.
class BloomBuilder {
 public:
  BloomBuilder() { clear(); }
  // Keeps distinct hashes in an open-addressing set: a block repeats most of its
  // tokens, and sorting every occurrence would cost more than the filter saves.
  void add(uint64_t h) {
    h |= 1;  // 0 marks an empty slot
    size_t mask = slots_.size() - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
      if (slots_[i] == h) return;
      if (slots_[i] == 0) {
        slots_[i] = h;
        if (++count_ * 2 > slots_.size()) grow();
        return;
      }
    }
  }
  // Serializes a filter over the distinct hashes added; clears the builder.
  void finish(std::string& out, unsigned bits_per_key);
  size_t distinct() const { return count_; }
  void clear();

 private:
  void grow();
  std::vector<uint64_t> slots_;
  size_t count_ = 0;
};

// True when the filter may contain `h`; a malformed filter answers true (never prunes).
bool bloom_may_contain(std::string_view filter, uint64_t h);

// --- implementation of the template ---

// Byte classes: 0 separator, 1 joiner (. : - / @ \), 2 token byte; and the byte
// folded to lower case. Tables keep the per-byte loop branch-light.
struct ByteTables {
  uint8_t cls[256];
  uint8_t lower[256];
};
extern const ByteTables kByteTables;

inline bool is_token_byte(unsigned char c) { return kByteTables.cls[c] == 2; }
inline bool is_joiner(unsigned char c) { return kByteTables.cls[c] == 1; }

// Token hash, step by step: start, one folded byte at a time, finish.
constexpr uint64_t kHashSeed = 0xcbf29ce484222325ull;
inline uint64_t hash_step(uint64_t h, unsigned char folded) { return (h ^ folded) * 0x100000001b3ull; }
inline uint64_t hash_finish(uint64_t h, size_t len) {
  h ^= len * 0x9E3779B97F4A7C15ull;
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  return h;
}
uint64_t hash_pair(uint64_t left, unsigned char joiner, uint64_t right);

template <typename Add>
void for_each_token_hash(std::string_view text, Add&& add) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const auto* end = p + text.size();
  uint64_t prev = 0;
  bool have_prev = false;  // the previous token ended right before a single joiner
  unsigned char joiner = 0;
  while (p < end) {
    if (kByteTables.cls[*p] != 2) {
      ++p;
      continue;
    }
    const auto* start = p;
    uint64_t h = kHashSeed;
    do {  // one pass: classify, fold and hash each byte
      h = hash_step(h, kByteTables.lower[*p]);
      ++p;
    } while (p < end && kByteTables.cls[*p] == 2);
    h = hash_finish(h, static_cast<size_t>(p - start));
    add(h);
    if (have_prev) add(hash_pair(prev, joiner, h));
    // A pair forms when exactly one joiner separates this token from the next.
    have_prev = p + 1 < end && kByteTables.cls[*p] == 1 && kByteTables.cls[p[1]] == 2;
    if (have_prev) {
      joiner = *p;
      prev = h;
    }
  }
}

}  // namespace vigil::token_index

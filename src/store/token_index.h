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
// Bytes: u8 probes, then a power-of-two number of 64-bit words, little-endian.
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

inline bool is_token_byte(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c >= 0x80;
}
inline bool is_joiner(unsigned char c) {
  return c == '.' || c == ':' || c == '-' || c == '/' || c == '@' || c == '\\';
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
    if (!is_token_byte(*p)) {
      ++p;
      continue;
    }
    const auto* start = p;
    while (p < end && is_token_byte(*p)) ++p;
    uint64_t h = hash_token({reinterpret_cast<const char*>(start), static_cast<size_t>(p - start)});
    add(h);
    if (have_prev) add(hash_pair(prev, joiner, h));
    // A pair forms when exactly one joiner separates this token from the next.
    have_prev = p + 1 < end && is_joiner(*p) && is_token_byte(p[1]);
    if (have_prev) {
      joiner = *p;
      prev = h;
    }
  }
}

}  // namespace vigil::token_index

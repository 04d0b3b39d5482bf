// Matcher: a search expression compiled once per query — field names resolved to
// FieldIds, values pre-parsed as number, IP/CIDR, bool and time, regexes compiled —
// then evaluated on each event without allocating.
//
// Comparisons and ranges read each bound in every way it can be read and use the
// reading of the value's type: Int64 and Float64 numerically, Timestamp as a time
// (RFC 3339, relative such as -24h, or a number of Unix seconds), Ip as an address
// of the same family (10.0.0.9 < 10.0.0.10), String in byte order (numerically or
// by address when both sides read so). Bool values and values with no reading of
// a bound never match a comparison.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "core/status.h"
#include "core/time.h"

#include "core/event_batch.h"
#include "core/field_dictionary.h"
#include "core/ip_address.h"
#include "query/pattern.h"
#include "query/query_ast.h"
#include "store/scan.h"

namespace re2 {
class RE2;
}

namespace vigil::query {

// Event attributes that are not fields but can be searched like them.
enum class PseudoField : uint8_t { None, Raw, Input, Source, Tenant };
PseudoField pseudo_field(std::string_view name);

// One side of a comparison or range, read in every way it can be.
struct Bound {
  bool open = true;       // no limit on this side
  bool inclusive = true;
  std::string text;       // strings compare in byte order
  std::optional<int64_t> as_int;
  std::optional<double> as_double;  // finite
  std::optional<TimeNs> as_time;
  std::optional<IpAddress> as_ip;
};

// One leaf of the expression, with every reading of its value prepared.
struct CompiledTerm {
  enum class Kind : uint8_t {
    All,          // `*`
    Never,        // a field no event has ever had
    Text,         // free text over raw and string fields
    FieldExists,  // field:*
    FieldValue,   // field:value
    PseudoValue,  // raw:..., input:..., source:..., tenant:...
    FieldRange,   // field>v, field:[lo TO hi]
    PseudoRange,  // the same on raw, input, source, tenant
    RawRegex,     // /re/ on the raw text
    FieldRegex,   // field:/re/ on the text form of each value
    PseudoRegex,  // raw:/re/, input:/re/...
  };
  Kind kind = Kind::All;
  FieldId field = kNoField;
  PseudoField pseudo = PseudoField::None;
  Pattern pattern;                     // strings, and the text form of other types
  std::optional<int64_t> as_int;       // the value is an integer
  std::optional<double> as_double;     // the value is a number
  std::optional<bool> as_bool;         // true / false
  std::optional<TimeNs> as_time;       // RFC 3339
  std::optional<IpAddress> as_ip;      // an address, or the prefix of a CIDR
  int cidr_bits = -1;                  // >= 0: as_ip is a network of this many bits
  Bound lo, hi;                        // FieldRange, PseudoRange
  std::shared_ptr<const re2::RE2> regex;  // *Regex; shared: terms are copied, RE2 is not copyable
};

class Matcher {
 public:
  // Resolves names against the process field dictionary at this moment: a field
  // interned later (by a concurrent ingest) is not seen by this query. Relative
  // times in comparisons are taken from `now`. Errors: a regex RE2 refuses, with its column.
  static Result<Matcher> compile(const Expr& e, TimeNs now = now_ns());

  bool matches(const EventBatch& batch, const Event& event) const { return eval(root_, batch, event); }

  // Whether match_block() can decide every row from a block: the expression names
  // fields, free text or raw (not input, source or tenant).
  bool takes_blocks() const;
  // Whether match_block() needs BlockView::raws, and free text every string column.
  bool reads_raw() const;
  // Whether every event matches (`*`, or nothing searched).
  bool matches_all() const;
  // The fields the expression reads (for the projection of a block scan).
  std::vector<FieldId> fields() const;
  // Clears selected[r] (rows of `block`) where row r does not match: the block must
  // hold the columns of fields(). Scratch is reused across blocks.
  void match_block(const BlockView& block, uint8_t* selected, std::vector<std::vector<uint8_t>>& scratch) const;

 private:
  struct Node {
    Expr::Kind kind = Expr::Kind::All;  // All/Text/Field are leaves: `term` indexes terms_
    uint32_t term = 0;
    std::vector<Node> children;
  };

  Node build(const Expr& e, TimeNs now, std::optional<std::string>& error);
  bool eval(const Node& n, const EventBatch& batch, const Event& event) const;
  static size_t depth_of(const Node& n);
  // out[r] = whether row r matches n, for rows where care[r]; 0 elsewhere.
  void eval_block(const Node& n, const BlockView& block, const uint8_t* care, uint8_t* out,
                  std::vector<std::vector<uint8_t>>& scratch, size_t depth) const;

  Node root_;
  std::vector<CompiledTerm> terms_;
};

// Exposed for tests and the planner: whether one value satisfies a term, and the
// compilation of one leaf (errors: a bad regex).
bool value_matches(const CompiledTerm& term, const Value& v);
Result<CompiledTerm> compile_term(const Expr& leaf, TimeNs now = now_ns());

}  // namespace vigil::query

// Matcher: a search expression compiled once per query — field names resolved to
// FieldIds, values pre-parsed as number, IP/CIDR, bool and time — then evaluated
// on each event without allocating.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "core/event_batch.h"
#include "core/field_dictionary.h"
#include "core/ip_address.h"
#include "query/pattern.h"
#include "query/query_ast.h"

namespace vigil::query {

// Event attributes that are not fields but can be searched like them.
enum class PseudoField : uint8_t { None, Raw, Input, Source, Tenant };
PseudoField pseudo_field(std::string_view name);

// One leaf of the expression, with every reading of its value prepared.
struct CompiledTerm {
  enum class Kind : uint8_t {
    All,          // `*`
    Never,        // a field no event has ever had
    Text,         // free text over raw and string fields
    FieldExists,  // field:*
    FieldValue,   // field:value
    PseudoValue,  // raw:..., input:..., source:..., tenant:...
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
};

class Matcher {
 public:
  // Resolves names against the process field dictionary at this moment: a field
  // interned later (by a concurrent ingest) is not seen by this query.
  static Matcher compile(const Expr& e);

  bool matches(const EventBatch& batch, const Event& event) const { return eval(root_, batch, event); }

 private:
  struct Node {
    Expr::Kind kind = Expr::Kind::All;  // All/Text/Field are leaves: `term` indexes terms_
    uint32_t term = 0;
    std::vector<Node> children;
  };

  Node build(const Expr& e);
  bool eval(const Node& n, const EventBatch& batch, const Event& event) const;

  Node root_;
  std::vector<CompiledTerm> terms_;
};

// Exposed for tests: whether one value satisfies a field:value term.
bool value_matches(const CompiledTerm& term, const Value& v);
CompiledTerm compile_term(const Expr& leaf);

}  // namespace vigil::query

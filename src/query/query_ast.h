// The parsed form of a query: a search expression (which events) followed by
// pipe stages (what to do with them). Plain structs; the parser builds them,
// the executor compiles them against the field dictionary.
#pragma once

#include <cstddef>
#include <string>
#include <variant>
#include <vector>

namespace vigil::query {

struct Expr {
  enum class Kind : uint8_t {
    All,    // empty query or a bare `*`: every event
    Text,   // free text: value occurs in raw or in a string field
    Field,  // field:value
    Not,    // children[0]
    And,    // children (2 or more)
    Or,     // children (2 or more)
  };
  Kind kind = Kind::All;
  std::string field;            // Field: dotted name as typed
  std::string value;            // Text/Field: quotes and escapes removed
  bool quoted = false;          // a quoted value is literal: '*' is not a wildcard
  size_t col = 0;               // 1-based column of the term, for messages
  std::vector<Expr> children;
};

// Aggregates of `| stats`. Each has a state in stats.cpp; adding one (dc, sum,
// avg...) means a kind here, a name in the parser and an update/result there.
enum class AggKind : uint8_t { Count };

struct Aggregate {
  AggKind kind = AggKind::Count;
  std::string field;  // argument; empty for count()
  std::string name;   // column name: `as` name, or the call as written ("count()")
  size_t col = 0;
};

struct StatsStage {
  std::vector<Aggregate> aggregates;
  std::vector<std::string> by;  // group-by fields; empty: one row
  size_t col = 0;               // column of the stage name
};

// One alternative per stage kind (where, sort, head... are to come).
using Stage = std::variant<StatsStage>;

struct Query {
  Expr filter;
  std::vector<Stage> stages;
};

// A canonical one-line form of an expression, e.g. (or (and a b) (not user:root)),
// for tests and for logs of what a query was understood as.
std::string to_string(const Expr& e);

}  // namespace vigil::query

// Recursive-descent parser of the query language:
//
//   query     := [or_expr] ( '|' stage )*
//   or_expr   := and_expr ( OR and_expr )*
//   and_expr  := not_expr ( [AND] not_expr )*          adjacency means AND
//   not_expr  := ( NOT | '-' ) not_expr | primary       precedence NOT > AND > OR
//   primary   := '(' or_expr ')' | term
//   term      := WORD | "quoted phrase" | '*'                          free text; '*' alone: all
//              | FIELD ':' ( WORD | "quoted" )                         field:value (* ? wildcards unless quoted)
//              | FIELD ':*'                                            the field exists
//              | FIELD op VALUE        op: > >= < <=, spaces allowed around op
//              | FIELD ':' ( '[' | '{' ) BOUND TO BOUND ( ']' | '}' )  [ ] inclusive, { } exclusive, * open
//              | '/' REGEX '/' | FIELD ':/' REGEX '/'                  RE2, case-insensitive, \/ is a slash
//   time      := from=TIME | to=TIME    anywhere among the top-level terms (not a term)
//   stage     := 'stats' agg ( ',' agg )* [ 'by' FIELD ( ',' FIELD )* ]
//   agg       := 'count' '(' [FIELD] ')' [ 'as' NAME ]
//
// Keywords (AND OR NOT TO stats by as count) are case-insensitive; quote them to
// search for the word itself. A word is `field:value` when the part before its
// first ':' is a field name (a letter, '_' or '@', then letters, digits, '_', '.',
// '@', '-'); the rest of the word, colons included, is the value (IPv6, times, CIDR).
// A word is a comparison when the part before its first '<' or '>' is a field name.
// A term starting with '/' is a regex when its closing '/' ends the term, so that
// paths such as /var/log/auth.log stay words; a '/' never closed is an error.
// TIME is RFC 3339 or relative (now, -15m, -24h, -7d); the text is kept as typed.
// Errors name the column and what was expected: "col 17: expected a field name after 'by'".
#pragma once

#include <string_view>

#include "core/status.h"
#include "query/query_ast.h"

namespace vigil::query {

// Parentheses and NOTs may nest this deep; beyond it the query is refused, which
// bounds the recursion of the parser and of the matcher on untrusted queries.
constexpr int kMaxNesting = 64;

Result<Query> parse_query(std::string_view text);

// True when `name` is a valid (dotted) field name.
bool is_field_name(std::string_view name);

}  // namespace vigil::query

// Parser of pipe stages (the text after each '|') and of the value expressions of
// `where` and `eval`:
//
//   stage     := where expr | eval NAME '=' expr (',' NAME '=' expr)*
//              | stats aggs ['by' fields] | timechart ['span=' DUR] ['limit=' N] aggs ['by' FIELD]
//              | sort [N] key (',' key)*           key := ['-'|'+'] FIELD ['asc'|'desc']
//              | head [N] | tail [N] | fields ['-'] fields | table fields
//              | rename FIELD 'as' NAME (',' FIELD 'as' NAME)* | dedup [N] fields
//              | top [N] fields ['by' fields] | rare [N] fields ['by' fields]
//   aggs      := agg ['as' NAME] (',' agg ['as' NAME])*
//   agg       := count '(' [FIELD] ')' | dc|sum|avg|min|max|values|first|last '(' FIELD ')'
//              | percentile '(' FIELD ',' NUMBER ')' | p50|p90|p95|p99 '(' FIELD ')'
//   expr      := or ;  or := and ('or' and)* ; and := not ('and' not)* ; not := 'not' not | cmp
//   cmp       := sum (('='|'=='|'!='|'<'|'<='|'>'|'>=') sum)?
//   sum       := product (('+'|'-') product)* ; product := unary (('*'|'/'|'%') unary)*
//   unary     := '-' unary | primary
//   primary   := NUMBER | "string" | 'string' | true | false | null | FIELD | NAME '(' args ')' | '(' expr ')'
//
// Names are letters, digits, '_', '.', '@' and inner '-' (`a-b` is one name: write
// `a - b` to subtract); `backquotes` take any other name. Keywords are
// case-insensitive. Columns in errors are of the whole query.
#pragma once

#include <string_view>

#include "core/status.h"
#include "query/query_ast.h"

namespace vigil::query {

// The names of the stages, for "unknown stage" messages.
inline constexpr const char* kStageNames =
    "where, eval, stats, timechart, sort, head, tail, fields, table, rename, dedup, top, rare";

// `text` is one stage without its '|'; `col` is the column of text[0] in the query.
Result<Stage> parse_stage(std::string_view text, size_t col);

// A value expression alone (tests, and `where`/`eval`).
Result<ValueExpr> parse_value_expr(std::string_view text, size_t col = 1);

// A duration: 30s, 5m, 1h, 1d, 1w (also 500ms); nullopt when it is not one.
std::optional<int64_t> parse_duration_ns(std::string_view text);

}  // namespace vigil::query

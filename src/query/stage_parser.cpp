// Pipe stages and value expressions; grammar in stage_parser.h.
#include "query/stage_parser.h"

#include <algorithm>
#include <charconv>
#include <optional>
#include <string>
#include <vector>

#include "query/query_parser.h"
#include "query/value_eval.h"

namespace vigil::query {

namespace {

struct Tok {
  enum class Kind : uint8_t { Name, Quoted, Backquoted, Number, Op, End } kind = Kind::End;
  std::string text;
  size_t col = 0;
};

std::string at(size_t c) { return "col " + std::to_string(c) + ": "; }

bool name_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '@'; }
bool name_char(char c) { return name_start(c) || (c >= '0' && c <= '9') || c == '.'; }
bool digit(char c) { return c >= '0' && c <= '9'; }

Result<std::vector<Tok>> lex(std::string_view s, size_t col) {
  std::vector<Tok> out;
  size_t i = 0;
  while (i < s.size()) {
    char c = s[i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      ++i;
      continue;
    }
    Tok t;
    t.col = col + i;
    if (name_start(c)) {
      size_t j = i;
      // An inner '-' between name characters stays in the name (`event-id`).
      while (j < s.size() && (name_char(s[j]) || (s[j] == '-' && j + 1 < s.size() && name_char(s[j + 1]) && j > i))) ++j;
      t.kind = Tok::Kind::Name;
      t.text = s.substr(i, j - i);
      i = j;
    } else if (digit(c) || (c == '.' && i + 1 < s.size() && digit(s[i + 1]))) {
      size_t j = i;
      while (j < s.size() && (digit(s[j]) || s[j] == '.' || s[j] == 'e' || s[j] == 'E' ||
                              ((s[j] == '+' || s[j] == '-') && (s[j - 1] == 'e' || s[j - 1] == 'E')))) {
        ++j;
      }
      // A unit right after the digits (5m, 30s): a duration word, for span=.
      if (j < s.size() && name_start(s[j])) {
        while (j < s.size() && name_char(s[j])) ++j;
        t.kind = Tok::Kind::Name;
      } else {
        t.kind = Tok::Kind::Number;
      }
      t.text = s.substr(i, j - i);
      i = j;
    } else if (c == '"' || c == '\'' || c == '`') {
      size_t j = i + 1;
      std::string v;
      bool closed = false;
      while (j < s.size()) {
        if (s[j] == '\\' && j + 1 < s.size()) {
          v += s[j + 1];
          j += 2;
          continue;
        }
        if (s[j] == c) {
          closed = true;
          ++j;
          break;
        }
        v += s[j++];
      }
      if (!closed) {
        return Status::error(at(t.col) + (c == '`' ? "unterminated `name`" : "unterminated string"));
      }
      t.kind = c == '`' ? Tok::Kind::Backquoted : Tok::Kind::Quoted;
      t.text = std::move(v);
      i = j;
    } else {
      static const char* kTwo[] = {"==", "!=", "<=", ">="};
      t.kind = Tok::Kind::Op;
      t.text = std::string(1, c);
      for (const char* two : kTwo) {
        if (s.substr(i, 2) == two) t.text = two;
      }
      if (std::string_view("=<>!+-*/%(),").find(c) == std::string_view::npos) {
        return Status::error(at(t.col) + "unexpected '" + std::string(1, c) + "'");
      }
      if (t.text == "!") return Status::error(at(t.col) + "unexpected '!' (use 'not' or '!=')");
      i += t.text.size();
    }
    out.push_back(std::move(t));
  }
  Tok end;
  end.col = col + s.size();
  out.push_back(end);
  return out;
}

bool keyword(const Tok& t, std::string_view kw) {
  if (t.kind != Tok::Kind::Name || t.text.size() != kw.size()) return false;
  for (size_t i = 0; i < kw.size(); ++i) {
    char c = t.text[i];
    if ((c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c) != kw[i]) return false;
  }
  return true;
}

std::string describe(const Tok& t) {
  switch (t.kind) {
    case Tok::Kind::End: return "end of stage";
    case Tok::Kind::Quoted: return "string \"" + t.text + "\"";
    case Tok::Kind::Backquoted: return "`" + t.text + "`";
    default: return "'" + t.text + "'";
  }
}

class StageParser {
 public:
  explicit StageParser(std::vector<Tok> toks) : t_(std::move(toks)) {}

  Result<Stage> stage() {
    const Tok name = next();
    Stage out;
    if (keyword(name, "where")) {
      WhereStage w{.condition = expr(), .col = name.col};
      out = std::move(w);
    } else if (keyword(name, "eval")) {
      EvalStage e{.col = name.col};
      do {
        std::string target = field_name("a name to assign after 'eval'");
        if (!accept_op("=")) fail(at(peek().col) + "expected '=' after '" + target + "'");
        ValueExpr v = expr();
        if (!error_) e.assignments.emplace_back(target, std::move(v));
      } while (!error_ && accept_op(","));
      out = std::move(e);
    } else if (keyword(name, "stats")) {
      StatsStage s{.col = name.col};
      s.aggregates = aggregates("stats");
      if (!error_ && keyword(peek(), "by")) {
        next();
        s.by = field_list("'by'");
      }
      // Column names must be unique: rows are also emitted as JSON objects keyed by them.
      std::vector<std::pair<std::string, size_t>> names;  // in the order typed
      for (const Aggregate& a : s.aggregates) names.emplace_back(a.name, a.col);
      for (size_t i = 0; i < s.by.size() && i < list_cols_.size(); ++i) names.emplace_back(s.by[i], list_cols_[i]);
      for (size_t i = 0; i < names.size() && !error_; ++i) {
        for (size_t j = 0; j < i; ++j) {
          if (names[j].first == names[i].first) {
            fail(at(names[i].second) + "duplicate column '" + names[i].first + "' (rename one with 'as')");
            break;
          }
        }
      }
      out = std::move(s);
    } else if (keyword(name, "timechart")) {
      TimechartStage tc{.col = name.col};
      timechart_options(tc);
      if (!error_) tc.aggregates = aggregates("timechart");
      if (!error_ && keyword(peek(), "by")) {
        next();
        tc.by = field_name("a field name after 'by'");
      }
      timechart_options(tc);  // span= and limit= may also come last
      out = std::move(tc);
    } else if (keyword(name, "sort")) {
      SortStage s{.col = name.col};
      if (peek().kind == Tok::Kind::Number) s.limit = count_of(next(), "(rows to keep)");
      do {
        SortKey k;
        if (accept_op("-")) k.descending = true;
        else accept_op("+");
        k.field = field_name("a field name to sort by");
        if (keyword(peek(), "desc")) {
          next();
          k.descending = true;
        } else if (keyword(peek(), "asc")) {
          next();
        }
        s.keys.push_back(std::move(k));
      } while (!error_ && accept_op(","));
      out = std::move(s);
    } else if (keyword(name, "head") || keyword(name, "tail")) {
      size_t n = 10;
      if (peek().kind == Tok::Kind::Number) n = count_of(next(), "(rows)");
      if (keyword(name, "head")) out = HeadStage{.count = n, .col = name.col};
      else out = TailStage{.count = n, .col = name.col};
    } else if (keyword(name, "fields")) {
      FieldsStage f{.col = name.col};
      if (accept_op("-")) f.remove = true;
      else accept_op("+");
      f.fields = field_list("'fields'");
      out = std::move(f);
    } else if (keyword(name, "table")) {
      out = TableStage{.fields = field_list("'table'"), .col = name.col};
    } else if (keyword(name, "rename")) {
      RenameStage r{.col = name.col};
      do {
        std::string from = field_name("a field name after 'rename'");
        if (!keyword(peek(), "as")) fail(at(peek().col) + "expected 'as' after '" + from + "'");
        else next();
        std::string to = field_name("a new name after 'as'");
        r.renames.emplace_back(from, to);
      } while (!error_ && accept_op(","));
      out = std::move(r);
    } else if (keyword(name, "dedup")) {
      DedupStage d{.col = name.col};
      if (peek().kind == Tok::Kind::Number) d.keep = count_of(next(), "(rows to keep of each)");
      d.fields = field_list("'dedup'");
      out = std::move(d);
    } else if (keyword(name, "top") || keyword(name, "rare")) {
      TopStage tp{.rare = keyword(name, "rare"), .col = name.col};
      if (peek().kind == Tok::Kind::Number) tp.limit = count_of(next(), "(values to show)");
      if (peek().kind == Tok::Kind::Name && keyword(peek(), "limit") && peek(1).text == "=") {
        next();
        next();
        tp.limit = count_of(next(), "after 'limit='");
      }
      tp.fields = field_list("'" + name.text + "'");
      if (!error_ && keyword(peek(), "by")) {
        next();
        tp.by = field_list("'by'");
      }
      out = std::move(tp);
    } else if (name.kind == Tok::Kind::End) {
      return Status::error(at(name.col) + "expected a stage name after '|'");
    } else {
      return Status::error(at(name.col) + "unknown stage '" + name.text + "' (stages: " + kStageNames + ")");
    }
    if (!error_ && peek().kind != Tok::Kind::End) fail(at(peek().col) + "unexpected " + describe(peek()));
    if (error_) return Status::error(*error_);
    return out;
  }

  Result<ValueExpr> whole_expr() {
    ValueExpr e = expr();
    if (!error_ && peek().kind != Tok::Kind::End) fail(at(peek().col) + "unexpected " + describe(peek()));
    if (error_) return Status::error(*error_);
    if (Status s = check_value_expr(e); !s.ok()) return s;
    return e;
  }

 private:
  const Tok& peek(size_t ahead = 0) const { return t_[std::min(pos_ + ahead, t_.size() - 1)]; }
  const Tok& next() {
    const Tok& t = t_[pos_];
    if (pos_ + 1 < t_.size()) ++pos_;
    return t;
  }
  bool accept_op(std::string_view op) {
    if (peek().kind == Tok::Kind::Op && peek().text == op) {
      next();
      return true;
    }
    return false;
  }
  void fail(std::string message) {
    if (!error_) error_ = std::move(message);
  }

  std::string field_name(const std::string& what) {
    const Tok& t = peek();
    if ((t.kind == Tok::Kind::Name && name_start(t.text[0]) && !keyword(t, "by") && !keyword(t, "as")) ||
        (t.kind == Tok::Kind::Backquoted && !t.text.empty())) {
      return next().text;
    }
    fail(at(t.col) + "expected " + what + ", not " + describe(t));
    return {};
  }
  std::vector<std::string> field_list(const std::string& after) {
    std::vector<std::string> out;
    std::string context = after;
    list_cols_.clear();
    do {
      list_cols_.push_back(peek().col);
      std::string f = field_name("a field name after " + context);
      if (error_) break;
      out.push_back(std::move(f));
      context = "','";
    } while (accept_op(","));
    return out;
  }
  size_t count_of(const Tok& t, const std::string& what) {
    size_t n = 0;
    auto r = std::from_chars(t.text.data(), t.text.data() + t.text.size(), n);
    if (t.kind != Tok::Kind::Number || r.ec != std::errc() || r.ptr != t.text.data() + t.text.size() || n == 0) {
      fail(at(t.col) + "expected a positive whole number " + what + ", not " + describe(t));
      return 1;
    }
    return n;
  }

  // span=DURATION and limit=N, in any order.
  void timechart_options(TimechartStage& tc) {
    while (!error_ && peek().kind == Tok::Kind::Name && peek(1).text == "=") {
      const Tok opt = next();
      next();
      const Tok v = next();
      if (keyword(opt, "span")) {
        auto d = parse_duration_ns(v.text);
        if (!d || *d <= 0) fail(at(v.col) + "expected a duration after 'span=' (like 30s, 5m, 1h, 1d)");
        else tc.span_ns = *d;
      } else if (keyword(opt, "limit")) {
        tc.limit = count_of(v, "after 'limit='");
      } else {
        fail(at(opt.col) + "unknown option '" + opt.text + "' of timechart (span=, limit=)");
      }
    }
  }

  std::vector<Aggregate> aggregates(const std::string& stage) {
    std::vector<Aggregate> out;
    do {
      const Tok fn = next();
      Aggregate a;
      a.col = fn.col;
      static const std::pair<const char*, AggKind> kNames[] = {
          {"count", AggKind::Count}, {"dc", AggKind::Dc},         {"sum", AggKind::Sum},
          {"avg", AggKind::Avg},     {"min", AggKind::Min},       {"max", AggKind::Max},
          {"percentile", AggKind::Percentile}, {"values", AggKind::Values}, {"first", AggKind::First},
          {"last", AggKind::Last},   {"p50", AggKind::Percentile}, {"p90", AggKind::Percentile},
          {"p95", AggKind::Percentile}, {"p99", AggKind::Percentile}};
      bool known = false;
      for (const auto& [n, k] : kNames) {
        if (keyword(fn, n)) {
          a.kind = k;
          known = true;
          if (fn.text.size() == 3 && (fn.text[0] == 'p' || fn.text[0] == 'P')) a.percentile = (fn.text[1] - '0') * 10 + (fn.text[2] - '0');
        }
      }
      if (!known) {
        fail(at(fn.col) + "expected an aggregate after '" + stage +
             "' (count, dc, sum, avg, min, max, percentile, p50/p90/p95/p99, values, first, last), not " + describe(fn));
        break;
      }
      if (!accept_op("(")) {
        fail(at(peek().col) + "expected '(' after '" + fn.text + "'");
        break;
      }
      if (a.kind == AggKind::Count && accept_op(")")) {
        a.name = "count()";
      } else {
        a.field = field_name("a field name in " + fn.text + "()");
        if (!error_ && keyword(fn, "percentile")) {
          if (!accept_op(",")) fail(at(peek().col) + "expected ', <percent>' in percentile(field, percent)");
          const Tok p = next();
          double v = -1;
          auto r = std::from_chars(p.text.data(), p.text.data() + p.text.size(), v);
          if (p.kind != Tok::Kind::Number || r.ec != std::errc() || v < 0 || v > 100) {
            fail(at(p.col) + "expected a percent from 0 to 100, not " + describe(p));
          }
          a.percentile = v;
        }
        if (!error_ && !accept_op(")")) fail(at(peek().col) + "expected ')' after '" + a.field + "'");
        std::string fname = fn.text;
        for (char& c : fname) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
        a.name = keyword(fn, "percentile") ? fname + "(" + a.field + ", " + std::to_string(static_cast<int>(a.percentile)) + ")"
                                          : fname + "(" + a.field + ")";
      }
      if (keyword(peek(), "as")) {
        next();
        a.name = field_name("a name after 'as'");
      }
      if (error_) break;
      out.push_back(std::move(a));
    } while (accept_op(","));
    return out;
  }

  // ---- value expressions ----
  ValueExpr node(ValueExpr::Kind k, size_t col) {
    ValueExpr e;
    e.kind = k;
    e.col = col;
    return e;
  }
  ValueExpr binary(ValueExpr::Op op, ValueExpr a, ValueExpr b, size_t col) {
    ValueExpr e = node(ValueExpr::Kind::Binary, col);
    e.op = op;
    e.children.push_back(std::move(a));
    e.children.push_back(std::move(b));
    return e;
  }

  // A prefix operator at column c applied to what `operand` parses; nesting is bounded.
  template <typename Operand>
  ValueExpr prefix(ValueExpr::Op op, size_t c, Operand operand) {
    if (++depth_ > kMaxNesting) {
      fail(at(c) + "expression nested too deeply");
      return {};
    }
    ValueExpr e = node(ValueExpr::Kind::Unary, c);
    e.op = op;
    e.children.push_back(operand());
    --depth_;
    return e;
  }

  ValueExpr expr() {
    if (++depth_ > kMaxNesting) {
      fail(at(peek().col) + "expression nested too deeply");
      return {};
    }
    ValueExpr e = or_expr();
    --depth_;
    return e;
  }
  ValueExpr or_expr() {
    ValueExpr e = and_expr();
    while (!error_ && keyword(peek(), "or")) {
      size_t c = next().col;
      e = binary(ValueExpr::Op::Or, std::move(e), and_expr(), c);
    }
    return e;
  }
  ValueExpr and_expr() {
    ValueExpr e = not_expr();
    while (!error_ && keyword(peek(), "and")) {
      size_t c = next().col;
      e = binary(ValueExpr::Op::And, std::move(e), not_expr(), c);
    }
    return e;
  }
  ValueExpr not_expr() {
    if (keyword(peek(), "not")) return prefix(ValueExpr::Op::Not, next().col, [this] { return not_expr(); });
    return comparison();
  }
  ValueExpr comparison() {
    ValueExpr e = sum();
    static const std::pair<const char*, ValueExpr::Op> kOps[] = {
        {"=", ValueExpr::Op::Eq}, {"==", ValueExpr::Op::Eq}, {"!=", ValueExpr::Op::Ne}, {"<", ValueExpr::Op::Lt},
        {"<=", ValueExpr::Op::Le}, {">", ValueExpr::Op::Gt}, {">=", ValueExpr::Op::Ge}};
    if (error_ || peek().kind != Tok::Kind::Op) return e;
    for (const auto& [text, op] : kOps) {
      if (peek().text == text) {
        size_t c = next().col;
        return binary(op, std::move(e), sum(), c);
      }
    }
    return e;
  }
  ValueExpr sum() {
    ValueExpr e = product();
    while (!error_ && peek().kind == Tok::Kind::Op && (peek().text == "+" || peek().text == "-")) {
      const Tok& op = next();
      e = binary(op.text == "+" ? ValueExpr::Op::Add : ValueExpr::Op::Sub, std::move(e), product(), op.col);
    }
    return e;
  }
  ValueExpr product() {
    ValueExpr e = unary();
    while (!error_ && peek().kind == Tok::Kind::Op && (peek().text == "*" || peek().text == "/" || peek().text == "%")) {
      const Tok& op = next();
      ValueExpr::Op o = op.text == "*" ? ValueExpr::Op::Mul : op.text == "/" ? ValueExpr::Op::Div : ValueExpr::Op::Mod;
      e = binary(o, std::move(e), unary(), op.col);
    }
    return e;
  }
  ValueExpr unary() {
    if (peek().kind == Tok::Kind::Op && peek().text == "-") {
      return prefix(ValueExpr::Op::Neg, next().col, [this] { return unary(); });
    }
    return primary();
  }
  ValueExpr primary() {
    const Tok t = next();
    switch (t.kind) {
      case Tok::Kind::Number: {
        ValueExpr e;
        e.col = t.col;
        int64_t i;
        auto ri = std::from_chars(t.text.data(), t.text.data() + t.text.size(), i);
        if (ri.ec == std::errc() && ri.ptr == t.text.data() + t.text.size()) {
          e.kind = ValueExpr::Kind::Int;
          e.i = i;
          return e;
        }
        double d;
        auto rd = std::from_chars(t.text.data(), t.text.data() + t.text.size(), d);
        if (rd.ec != std::errc() || rd.ptr != t.text.data() + t.text.size()) {
          fail(at(t.col) + "bad number '" + t.text + "'");
          return e;
        }
        e.kind = ValueExpr::Kind::Float;
        e.f = d;
        return e;
      }
      case Tok::Kind::Quoted: {
        ValueExpr e = node(ValueExpr::Kind::String, t.col);
        e.text = t.text;
        return e;
      }
      case Tok::Kind::Backquoted: {
        ValueExpr e = node(ValueExpr::Kind::Field, t.col);
        e.text = t.text;
        return e;
      }
      case Tok::Kind::Name: {
        if (keyword(t, "true") || keyword(t, "false")) {
          ValueExpr e = node(ValueExpr::Kind::Bool, t.col);
          e.b = keyword(t, "true");
          return e;
        }
        if (keyword(t, "null")) return node(ValueExpr::Kind::Null, t.col);
        if (peek().kind == Tok::Kind::Op && peek().text == "(") {
          next();
          ValueExpr e = node(ValueExpr::Kind::Call, t.col);
          e.text = t.text;
          for (char& c : e.text) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
          if (!accept_op(")")) {
            do {
              e.children.push_back(expr());
            } while (!error_ && accept_op(","));
            if (!error_ && !accept_op(")")) fail(at(peek().col) + "expected ',' or ')' in " + e.text + "()");
          }
          return e;
        }
        ValueExpr e = node(ValueExpr::Kind::Field, t.col);
        e.text = t.text;
        return e;
      }
      case Tok::Kind::Op:
        if (t.text == "(") {
          ValueExpr e = expr();
          if (!error_ && !accept_op(")")) fail(at(peek().col) + "expected ')' to close the '(' of col " + std::to_string(t.col));
          return e;
        }
        fail(at(t.col) + "expected a value, not " + describe(t));
        return {};
      case Tok::Kind::End:
        fail(at(t.col) + "expected a value, not the end of the stage");
        return {};
    }
    return {};
  }

  std::vector<Tok> t_;
  std::vector<size_t> list_cols_;  // columns of the names of the last field_list()
  size_t pos_ = 0;
  int depth_ = 0;
  std::optional<std::string> error_;
};

void collect_checks(const Stage& s, std::vector<const ValueExpr*>& out) {
  if (const auto* w = std::get_if<WhereStage>(&s)) out.push_back(&w->condition);
  if (const auto* e = std::get_if<EvalStage>(&s)) {
    for (const auto& [name, v] : e->assignments) out.push_back(&v);
  }
}

}  // namespace

std::optional<int64_t> parse_duration_ns(std::string_view text) {
  size_t i = 0;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
  if (i == 0 || i > 12) return std::nullopt;
  int64_t n = 0;
  std::from_chars(text.data(), text.data() + i, n);
  std::string_view unit = text.substr(i);
  int64_t mul = 0;
  if (unit == "ms") mul = kNsPerSec / 1000;
  else if (unit == "s") mul = kNsPerSec;
  else if (unit == "m") mul = 60 * kNsPerSec;
  else if (unit == "h") mul = 3600 * kNsPerSec;
  else if (unit == "d") mul = 86400 * kNsPerSec;
  else if (unit == "w") mul = 7 * 86400 * kNsPerSec;
  else return std::nullopt;
  if (n > INT64_MAX / mul) return std::nullopt;
  return n * mul;
}

Result<Stage> parse_stage(std::string_view text, size_t col) {
  auto toks = lex(text, col);
  if (!toks.ok()) return toks.status();
  StageParser p(std::move(*toks));
  auto stage = p.stage();
  if (!stage.ok()) return stage;
  std::vector<const ValueExpr*> exprs;
  collect_checks(*stage, exprs);
  for (const ValueExpr* e : exprs) {
    if (Status s = check_value_expr(*e); !s.ok()) return s;
  }
  return stage;
}

Result<ValueExpr> parse_value_expr(std::string_view text, size_t col) {
  auto toks = lex(text, col);
  if (!toks.ok()) return toks.status();
  StageParser p(std::move(*toks));
  return p.whole_expr();
}

}  // namespace vigil::query

// Building a RuleSet from Sigma files; see rule_set.h and docs/sigma.md.
#include "detect/rule_set.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>


namespace vigil::detect {

namespace {

namespace fs = std::filesystem;

std::string where(const std::string& file, int line) { return file + ":" + std::to_string(line); }

RuleMeta meta_of(const SigmaRule& r) {
  return {r.id, r.name, r.title, r.level, r.status, r.description, r.file, r.line, r.tags, r.logsource};
}
RuleMeta meta_of(const SigmaCorrelation& c) {
  return {c.id, c.name, c.title, c.level, c.status, c.description, c.file, c.line, c.tags, {}};
}

// The gate of a log source: the conditions its entry in content/sigma/logsources.yaml
// puts on events (exact values, ASCII case folded), as one selection.
// The gate of a log source: the conditions its entry in content/sigma/logsources.yaml
// puts on events (exact values, ASCII case folded), as one selection. nullopt: the
// source is unknown; an empty selection: any event.
std::optional<CompiledSelection> gate_of(const GateResolver& resolver, const LogSource& ls) {
  const auto when = resolver(ls);
  if (!when) return std::nullopt;
  CompiledSelection sel;
  for (const auto& alternative : *when) {
    std::vector<CompiledFieldMatch> all;
    for (const GateCondition& c : alternative) {
      CompiledFieldMatch fm;
      fm.fields = {field_id(c.field)};
      if (c.values.size() == 1 && c.values[0] == "*") {  // the field is there, any value
        fm.presence = CompiledFieldMatch::Presence::MustExist;
        all.push_back(std::move(fm));
        continue;
      }
      for (const std::string& v : c.values) {
        ValueTest t;
        t.pattern = finish_pattern(literal_pattern(v), false, false, false);
        fm.tests.push_back(std::move(t));
      }
      all.push_back(std::move(fm));
    }
    sel.alternatives.push_back(std::move(all));
  }
  return sel;
}

std::string describe(const LogSource& ls) {
  std::string out;
  for (auto [k, v] : {std::pair{"product", &ls.product}, {"category", &ls.category}, {"service", &ls.service}})
    if (!v->empty()) out += std::string(out.empty() ? "" : ", ") + k + ": " + *v;
  return out.empty() ? "(none)" : out;
}

std::string gate_key(const LogSource& ls) { return fold(ls.product + "\x1f" + ls.category + "\x1f" + ls.service); }

}  // namespace

Result<std::vector<RuleSource>> read_rule_sources(const std::vector<std::string>& paths) {
  std::vector<std::string> files;
  for (const std::string& p : paths) {
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      for (auto it = fs::recursive_directory_iterator(p, fs::directory_options::skip_permission_denied, ec);
           !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        const auto ext = it->path().extension();
        if (it->is_regular_file(ec) && (ext == ".yml" || ext == ".yaml")) files.push_back(it->path().string());
      }
      if (ec) return Status::error(p + ": " + ec.message());
    } else if (fs::is_regular_file(p, ec)) {
      files.push_back(p);
    } else {
      return Status::error(p + ": no such rule file or folder");
    }
  }
  std::sort(files.begin(), files.end());
  std::vector<RuleSource> out;
  for (const std::string& f : files) {
    std::ifstream in(f, std::ios::binary);
    if (!in) return Status::error(f + ": cannot read");
    std::ostringstream s;
    s << in.rdbuf();
    out.push_back({f, std::move(s).str()});
  }
  return out;
}

size_t RuleSet::literal_count() const {
  size_t n = 0;
  for (const Part& p : parts) n += p.prefilter.literal_count() + p.keyword_prefilter.literal_count();
  return n;
}

size_t RuleSet::unfiltered_count() const {
  size_t n = 0;
  for (const Part& p : parts) n += p.unfiltered.size();
  return n;
}

std::shared_ptr<const RuleSet> build_rule_set(const std::vector<RuleSource>& sources, const RuleSetOptions& options) {
  auto set = std::make_shared<RuleSet>();
  LoadReport& report = set->report;
  std::vector<SigmaRule> rules;
  std::vector<SigmaCorrelation> correlations;
  std::vector<SigmaFilter> filters;
  for (const RuleSource& src : sources) {
    ++report.files;
    for (auto& doc : parse_sigma_file(src.text, src.file)) {
      ++report.documents;
      if (!doc.ok()) {
        report.refusals.push_back(doc.error());
        continue;
      }
      switch (doc->kind) {
        case SigmaDocument::Kind::Rule:
          rules.push_back(std::move(doc->rule));
          break;
        case SigmaDocument::Kind::Correlation:
          correlations.push_back(std::move(doc->correlation));
          break;
        case SigmaDocument::Kind::Filter:
          filters.push_back(std::move(doc->filter));
          break;
      }
    }
  }

  CompileOptions compile;
  compile.resolve = options.resolve;
  compile.placeholders = &options.placeholders;

  // Ids and names are how correlations and filters refer to rules: the first
  // definition wins, a repeat is refused.
  std::set<std::string, std::less<>> taken;
  auto claim = [&](const std::string& id, const std::string& name, const std::string& file, int line) {
    for (const std::string* key : {&id, &name}) {
      if (key->empty()) continue;
      if (taken.count(*key)) {
        report.refusals.push_back(where(file, line) + ": id or name '" + *key + "' is already used by another rule");
        return false;
      }
    }
    if (!id.empty()) taken.insert(id);
    if (!name.empty()) taken.insert(name);
    return true;
  };

  std::map<std::string, int, std::less<>> gate_index;
  for (SigmaRule& r : rules) {
    if (!claim(r.id, r.name, r.file, r.line)) continue;
    DetectionRule d;
    d.meta = meta_of(r);
    d.compiled = compile_rule(r, compile);
    for (const std::string& w : d.compiled.warnings) report.warnings.push_back(where(r.file, r.line) + ": " + w);
    if (options.gate) {
      const std::string key = gate_key(r.logsource);
      auto it = gate_index.find(key);
      if (it == gate_index.end()) {
        auto gate = gate_of(options.gate, r.logsource);
        int index = -2;  // unknown source
        if (gate) {
          index = -1;
          if (!gate->alternatives.empty()) {
            index = static_cast<int>(set->gates.size());
            set->gates.push_back(std::move(*gate));
          }
        }
        it = gate_index.emplace(key, index).first;
      }
      if (it->second == -2) {
        report.refusals.push_back(where(r.file, r.line) + ": log source {" + describe(r.logsource) +
                                  "} is not one Vigil can tell apart from other events (content/sigma/logsources.yaml)");
        continue;
      }
      d.gate = it->second;
    }
    const auto index = static_cast<uint32_t>(set->rules.size());
    if (!r.id.empty()) set->rule_by_ref[r.id] = index;
    if (!r.name.empty()) set->rule_by_ref[r.name] = index;
    set->rules.push_back(std::move(d));
  }

  for (const SigmaFilter& f : filters) {
    for (const std::string& ref : f.rules) {
      auto it = set->rule_by_ref.find(ref);
      if (it == set->rule_by_ref.end()) {
        report.warnings.push_back(where(f.file, f.line) + ": filter '" + f.title + "' names rule '" + ref + "', which is not loaded");
        continue;
      }
      DetectionRule& target = set->rules[it->second];
      SigmaRule as_rule;
      as_rule.logsource = target.meta.logsource;
      as_rule.selections = f.selections;
      as_rule.condition = f.condition;
      target.filters.push_back({compile_rule(as_rule, compile)});
    }
  }

  // Correlations: references resolved after all are known, since a chain may name
  // a correlation defined further down.
  std::vector<bool> ok(correlations.size(), true);
  for (size_t i = 0; i < correlations.size(); ++i) {
    const SigmaCorrelation& c = correlations[i];
    if (!claim(c.id, c.name, c.file, c.line)) {
      ok[i] = false;
      continue;
    }
    if (!c.id.empty()) set->correlation_by_ref[c.id] = static_cast<uint32_t>(i);
    if (!c.name.empty()) set->correlation_by_ref[c.name] = static_cast<uint32_t>(i);
  }
  std::vector<int> compiled_index(correlations.size(), -1);
  // Depth-first: a correlation compiles after the ones it reads, and a cycle is refused.
  std::vector<int> state(correlations.size(), 0);  // 0 new, 1 in progress, 2 done
  std::function<bool(size_t)> compile_correlation = [&](size_t i) -> bool {
    if (state[i] == 2) return compiled_index[i] >= 0;
    const SigmaCorrelation& c = correlations[i];
    state[i] = 1;
    bool good = ok[i];
    CompiledCorrelation cc;
    cc.meta = meta_of(c);
    cc.type = c.type;
    cc.group_by = c.group_by;
    cc.timespan = c.timespan;
    cc.condition = c.condition;
    // A count or sum with an upper bound can only be judged on a whole window; a
    // percentile judges the share of the newest match's value, known when it arrives.
    for (const auto& b : c.condition)
      if ((b.op == SigmaCorrelation::Op::Lt || b.op == SigmaCorrelation::Op::Lte || b.op == SigmaCorrelation::Op::Eq ||
           b.op == SigmaCorrelation::Op::Neq) &&
          c.type != SigmaCorrelation::Type::ValuePercentile)
        cc.decided_at_window_end = true;
    std::vector<std::pair<bool, uint32_t>> inputs;
    for (const std::string& ref : c.rules) {
      if (!good) break;
      if (auto r = set->rule_by_ref.find(ref); r != set->rule_by_ref.end()) {
        const DetectionRule& rule = set->rules[r->second];
        CorrelationInput in{.is_correlation = false, .index = r->second};
        const std::string& rule_name = rule.meta.name.empty() ? rule.meta.id : rule.meta.name;
        for (const std::string& g : c.group_by) {
          std::string field = g;
          if (auto a = c.aliases.find(g); a != c.aliases.end()) {
            auto f = a->second.find(rule_name);
            if (f == a->second.end()) f = a->second.find(rule.meta.id);
            if (f == a->second.end()) {
              report.refusals.push_back(where(c.file, c.line) + ": alias '" + g + "' has no field for rule '" + rule_name + "'");
              good = false;
              break;
            }
            field = f->second;
          }
          std::vector<FieldId> ids;
          std::vector<std::string> names = compile.resolve ? compile.resolve(rule.meta.logsource, field) : std::vector<std::string>{};
          if (std::find(names.begin(), names.end(), field) == names.end()) names.push_back(field);
          for (const auto& n : names) ids.push_back(field_id(n));
          in.group_fields.push_back(std::move(ids));
        }
        for (const std::string& field : c.field) {
          std::vector<std::string> names = compile.resolve ? compile.resolve(rule.meta.logsource, field) : std::vector<std::string>{};
          if (std::find(names.begin(), names.end(), field) == names.end()) names.push_back(field);
          std::vector<FieldId> ids;
          for (const auto& n : names) ids.push_back(field_id(n));
          in.value_fields.push_back(std::move(ids));
        }
        cc.inputs.push_back(std::move(in));
      } else if (auto k = set->correlation_by_ref.find(ref); k != set->correlation_by_ref.end()) {
        if (state[k->second] == 1) {
          report.refusals.push_back(where(c.file, c.line) + ": correlation '" + c.title + "' refers to itself through its rules");
          good = false;
          break;
        }
        if (!compile_correlation(k->second)) {
          report.refusals.push_back(where(c.file, c.line) + ": correlation '" + c.title + "' reads correlation '" + ref +
                                    "', which was refused");
          good = false;
          break;
        }
        if (!c.field.empty()) {
          report.refusals.push_back(where(c.file, c.line) + ": " + "a value correlation over correlation '" + ref +
                                    "' has no event fields to read (chain an event_count or temporal instead)");
          good = false;
          break;
        }
        cc.inputs.push_back({.is_correlation = true, .index = static_cast<uint32_t>(compiled_index[k->second])});
      } else {
        report.refusals.push_back(where(c.file, c.line) + ": correlation '" + c.title + "' names rule '" + ref +
                                  "', which is not loaded (refused or missing)");
        good = false;
      }
    }
    state[i] = 2;
    if (!good) return false;
    compiled_index[i] = static_cast<int>(set->correlations.size());
    const auto index = static_cast<uint32_t>(set->correlations.size());
    for (const CorrelationInput& in : cc.inputs) {
      if (in.is_correlation) {
        set->correlations[in.index].parents.push_back(index);
        if (!c.generate) set->correlations[in.index].alerts = false;
      } else {
        set->rules[in.index].correlations.push_back(index);
        if (!c.generate) set->rules[in.index].alerts = false;
      }
    }
    set->correlations.push_back(std::move(cc));
    return true;
  };
  for (size_t i = 0; i < correlations.size(); ++i)
    if (ok[i]) compile_correlation(i);
  // References by id/name now point at compiled positions.
  set->correlation_by_ref.clear();
  for (uint32_t i = 0; i < set->correlations.size(); ++i) {
    const RuleMeta& m = set->correlations[i].meta;
    if (!m.id.empty()) set->correlation_by_ref[m.id] = i;
    if (!m.name.empty()) set->correlation_by_ref[m.name] = i;
  }

  // A rule of a log source that matches any event (no conditions in logsources.yaml)
  // still only fits events that have a field it needs: such a rule gets the gate "has
  // one of these fields" (shared by rules that need the same ones). An Okta rule is then
  // not even scanned for on a Windows event.
  {
    std::map<std::vector<FieldId>, int> derived;
    for (DetectionRule& rule : set->rules) {
      const auto& need = rule.compiled.required_fields;
      if (rule.gate != -1 || !need || need->empty()) continue;
      auto [it, added] = derived.try_emplace(*need, static_cast<int>(set->gates.size()));
      if (added) {
        CompiledSelection gate;
        for (FieldId id : *need) {
          CompiledFieldMatch has;
          has.fields = {id};
          has.presence = CompiledFieldMatch::Presence::MustExist;
          gate.alternatives.push_back({std::move(has)});
        }
        set->gates.push_back(std::move(gate));
      }
      rule.gate = it->second;
    }
  }

  // Two prefilters per part (see RuleSet::parts): field literals and keyword literals.
  const size_t n_parts = set->gates.size() + 1;
  std::vector<std::vector<std::string>> literals(2 * n_parts);
  std::vector<std::vector<uint32_t>> owners(2 * n_parts);
  set->parts.resize(n_parts);
  for (uint32_t i = 0; i < set->rules.size(); ++i) {
    const DetectionRule& rule = set->rules[i];
    const size_t part = static_cast<size_t>(rule.gate + 1);
    auto mark = [&](const std::vector<FieldId>& ids) {
      auto& reads = set->parts[part].reads;
      for (FieldId id : ids) {
        if (id >= reads.size()) reads.resize(id + 1, false);
        reads[id] = true;
      }
    };
    mark(rule.compiled.fields_read);
    for (const CompiledFilter& f : rule.filters) mark(f.condition.fields_read);
    const auto& lits = rule.compiled.literals;
    if (!lits) {
      set->parts[part].unfiltered.push_back(i);
      continue;
    }
    for (const Literal& l : *lits) {
      const size_t db = 2 * part + (l.anywhere ? 1 : 0);
      literals[db].push_back(l.text);
      owners[db].push_back(i);
    }
  }
  for (size_t part = 0; part < n_parts; ++part) {
    for (int kind = 0; kind < 2; ++kind) {
      const size_t db = 2 * part + kind;
      auto pre = Prefilter::build(literals[db], owners[db]);
      if (pre.ok()) {
        (kind ? set->parts[part].keyword_prefilter : set->parts[part].prefilter) = std::move(*pre);
        continue;
      }
      // Still correct without it, only slower: its rules are evaluated for every event.
      report.warnings.push_back(pre.error());
      auto& unfiltered = set->parts[part].unfiltered;
      unfiltered.insert(unfiltered.end(), owners[db].begin(), owners[db].end());
      std::sort(unfiltered.begin(), unfiltered.end());
      unfiltered.erase(std::unique(unfiltered.begin(), unfiltered.end()), unfiltered.end());
    }
  }
  for (uint32_t g = 0; g < set->gates.size(); ++g) {
    for (const auto& alternative : set->gates[g].alternatives) {
      if (alternative.empty() || alternative[0].fields.empty()) {
        set->keyless_gates.push_back(g);
        continue;
      }
      const CompiledFieldMatch& key = alternative[0];
      if (key.presence == CompiledFieldMatch::Presence::MustExist) {
        auto f = std::find_if(set->field_gates.begin(), set->field_gates.end(),
                              [&](const auto& x) { return x.first == key.fields[0]; });
        if (f == set->field_gates.end()) {
          set->field_gates.push_back({key.fields[0], {}});
          f = set->field_gates.end() - 1;
        }
        if (std::find(f->second.begin(), f->second.end(), g) == f->second.end()) f->second.push_back(g);
        continue;
      }
      auto k = std::find_if(set->gate_keys.begin(), set->gate_keys.end(),
                            [&](const RuleSet::GateKey& x) { return x.field == key.fields[0]; });
      if (k == set->gate_keys.end()) {
        set->gate_keys.push_back({key.fields[0], {}});
        k = set->gate_keys.end() - 1;
      }
      for (const ValueTest& t : key.tests) {
        auto& gates = k->gates[t.pattern.text];  // exact patterns, already folded
        if (std::find(gates.begin(), gates.end(), g) == gates.end()) gates.push_back(g);
      }
    }
  }
  return set;
}

}  // namespace vigil::detect

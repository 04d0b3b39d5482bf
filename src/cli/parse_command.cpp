// `vigil parse`: runs lines of a file (or stdin) through the parser packs and prints
// the normalized OCSF events — NDJSON (one object per event, fields by their dotted
// names, plus _raw and _pack) or a table (one "field  value" block per event). With
// --explain it prints, per line, every pack's verdict: which took the line and why
// each other did not. --stats prints lines, events and parse errors per pack to stderr.
// Exit 0; 1 when a line could not be parsed (it is still printed, flagged); 2 for a
// usage error or a pack that did not load.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "cli/subcommands.h"
#include "core/event_json.h"
#include "core/time.h"
#include "normalize/line_normalizer.h"
#include "normalize/pack_loader.h"
#include "normalize/pack_set.h"
#include "parse/syslog.h"

namespace vigil {
namespace {

constexpr int kUsageError = 2;

struct ParseFlags {
  std::vector<std::string> files;
  std::string pack;
  std::string parsers;
  std::string format = "ndjson";
  bool explain = false;
  bool stats = false;
};

int usage_error(const std::string& message) {
  std::fprintf(stderr, "vigil parse: %s\n(vigil parse --help shows the flags and examples)\n", message.c_str());
  return kUsageError;
}

std::string event_ndjson(const EventBatch& b, const Event& e, std::string_view pack) {
  std::string out;
  append_event_json(out, b, e, EventJsonOptions{.with_pack = true, .pack = pack});
  return out;
}

std::string event_table(const EventBatch& b, const Event& e, std::string_view pack, uint64_t line_no) {
  std::string out = "line " + std::to_string(line_no) + "  pack " + (pack.empty() ? std::string("(none)") : std::string(pack));
  if (e.flags & kFlagParseError) out += "  PARSE ERROR: " + std::string(e.parse_error);
  out += "\n";
  size_t width = 0;
  for (const Field& f : b.fields(e)) width = std::max(width, field_name(f.id).size());
  for (const Field& f : b.fields(e)) {
    std::string name(field_name(f.id));
    name.resize(width, ' ');
    out += "  " + name + "  " + value_text(f.value, false) + "\n";
  }
  return out + "\n";
}

int run_parse(const ParseFlags& f) {
  if (f.format != "ndjson" && f.format != "table") return usage_error("--format must be ndjson or table, not '" + f.format + "'");
  if (f.files.empty()) return usage_error("give a file of log lines (or - for stdin)");
  const std::string dir = f.parsers.empty() ? default_parsers_dir() : f.parsers;
  PackLoad load = load_pack_dir(dir);
  for (const std::string& r : load.refusals) std::fprintf(stderr, "vigil parse: refused %s\n", r.c_str());
  if (load.packs.empty()) return usage_error("no parser packs loaded from " + dir);
  auto packs = std::make_shared<const PackSet>(std::move(load.packs));
  if (!f.pack.empty() && !packs->find(f.pack)) {
    std::string names;
    for (const auto& p : packs->packs()) names += (names.empty() ? "" : ", ") + p->name;
    return usage_error("no pack named '" + f.pack + "' in " + dir + " (loaded: " + names + ")");
  }

  struct PackCount {
    uint64_t lines = 0;
  };
  std::map<std::string, PackCount> per_pack;
  uint64_t lines = 0, events = 0, errors = 0;
  const TimeNs now = now_ns();
  for (const std::string& file : f.files) {
    std::ifstream in_file;
    std::istream* in = &std::cin;
    if (file != "-") {
      in_file.open(file, std::ios::binary);
      if (!in_file) return usage_error(file + ": cannot open");
      in = &in_file;
    }
    LineNormalizer normalizer(NormalizerOptions{.packs = packs, .only_pack = f.pack});
    std::string line;
    uint64_t line_no = 0;
    auto print = [&](EventBatch& batch, uint64_t at) {
      std::string text;
      for (const Event& e : batch.events()) {
        ++events;
        if (e.flags & kFlagParseError) ++errors;
        std::string_view pack;
        for (const Field& x : batch.fields(e))
          if (field_name(x.id) == "metadata.log_provider" && x.value.type == FieldType::String) pack = x.value.as_string();
        text += f.format == "table" ? event_table(batch, e, pack, at) : event_ndjson(batch, e, pack);
      }
      std::fwrite(text.data(), 1, text.size(), stdout);
    };
    while (std::getline(*in, line)) {
      ++line_no;
      ++lines;
      if (f.explain) {
        EventBatch scratch;
        SyslogParseOptions po;
        po.receive_time = now;
        scratch.begin_event(Provenance{.receive_time = now, .raw = line});
        std::string_view raw = scratch.current().raw;
        SyslogMessage m = parse_syslog(raw, po);
        LineInput input{.message = m.error.empty() ? m.msg : raw,
                        .line = raw,
                        .program = m.error.empty() ? m.app_name : std::string_view{},
                        .syslog = m.error.empty() ? &m : nullptr,
                        .receive_time = now};
        scratch.end_event();
        std::printf("line %llu: %s\n", static_cast<unsigned long long>(line_no),
                    m.error.empty() ? ("syslog header read; program '" + std::string(m.app_name) + "'").c_str()
                                    : (std::string(m.error) + " — packs read the whole line").c_str());
        for (const PackVerdict& v : packs->explain(input, scratch))
          std::printf("  %-18s %s  %s\n", v.pack.c_str(), v.matched ? "MATCH" : "no   ", v.reason.c_str());
        continue;
      }
      EventBatch batch;
      normalizer.add_line(line, Provenance{.receive_time = now, .source = file, .input = "file"}, batch);
      if (const Pack* p = normalizer.last_pack()) ++per_pack[p->name].lines;
      else ++per_pack["(none)"].lines;
      print(batch, line_no);
    }
    EventBatch rest;
    normalizer.flush(rest);
    print(rest, line_no);
  }
  if (f.stats) {
    std::fprintf(stderr, "vigil parse: %llu lines, %llu events, %llu parse errors\n", static_cast<unsigned long long>(lines),
                 static_cast<unsigned long long>(events), static_cast<unsigned long long>(errors));
    for (const auto& [name, c] : per_pack)
      std::fprintf(stderr, "  %-20s %llu lines\n", name.c_str(), static_cast<unsigned long long>(c.lines));
  }
  return errors ? 1 : 0;
}

}  // namespace

void add_parse_command(CLI::App& app, int& exit_code) {
  auto flags = std::make_shared<ParseFlags>();
  CLI::App* cmd = app.add_subcommand("parse", "Normalize log lines onto OCSF with the parser packs and print them");
  cmd->footer(
      "\nThe packs are content/parsers/*.yaml (docs/parsers.md). Each line goes to the first pack\n"
      "(by priority) whose matcher, extraction and conditions hold; fields it does not map are kept\n"
      "under unmapped.<pack>.*, and the original line as _raw. A line no pack knows is kept raw:\n"
      "a syslog line as a Base Event, anything else flagged with _parse_error.\n\n"
      "Examples:\n"
      "  vigil parse /var/log/auth.log                      every line, as NDJSON\n"
      "  vigil parse --format table --pack fortigate fw.log   only the FortiGate pack, readable\n"
      "  vigil parse --explain sample.log                   which pack took each line, and why not the others\n"
      "  tail -f /var/log/syslog | vigil parse -            from stdin\n");
  cmd->add_option("files", flags->files, "files of log lines; - reads stdin");
  cmd->add_option("--pack", flags->pack, "try only this pack (by its name)");
  cmd->add_option("--parsers", flags->parsers, "folder of parser packs (default: the project's content/parsers)");
  cmd->add_option("--format", flags->format, "ndjson or table")->capture_default_str();
  cmd->add_flag("--explain", flags->explain, "print every pack's verdict per line instead of events");
  cmd->add_flag("--stats", flags->stats, "print lines, events, parse errors and lines per pack to stderr");
  cmd->callback([flags, &exit_code] { exit_code = run_parse(*flags); });
}

}  // namespace vigil

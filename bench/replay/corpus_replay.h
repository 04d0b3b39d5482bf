// Corpus replay for benchmarks: real events from ../shared/corpus (OTRF Windows JSON,
// loghub, Zeek) replayed to any number of events as normalized EventBatches.
//
// Every replayed event is the text of a real corpus line rewritten for its round
// and then parsed again, so no two rounds are byte-identical copies:
// - time: each source's events are spread evenly over [start, start + span); the
//   timestamp text in the line is rewritten to that time (syslog header, Zeek `ts`,
//   every "YYYY-MM-DD HH:MM:SS[.f]" date-time of a Windows event shifted together,
//   the first date-time or HH:MM:SS of other loghub lines);
// - ids: every run of 3 to 9 digits that is not part of a dotted number (pids, record
//   numbers, ports, uids, thread ids, the digits of GUIDs) goes through a per-round
//   bijection that keeps its length; the last octet of every IPv4 address likewise;
//   Zeek connection uids (uid, fuid, ...) through a per-round character rotation.
//   Within one round the same id maps to the same new id, so correlations hold.
// Deterministic: the same seed, counts and weights give the same events.
//
// Sources and how they become events (normalization for the benchmark only; parser
// packs for Windows and Zeek are later work):
// - loghub: Linux, OpenSSH, Mac through parse_syslog + append_syslog_event; the other
//   13 sets as raw lines (class_uid 0, time = replay time, kFlagNoTimestamp).
// - windows: OTRF atomic/windows *.zip (JSON lines, unpacked with `unzip -p`; a
//   dataset filed under two tactics is read once; zips holding only packet captures
//   and the corpus's truncated *.tar.gz are skipped), through read_ndjson, then a small
//   OCSF rename table and class_uid by EventID (windows_class_uid below); the other
//   fields keep their names under `unmapped.`.
// - zeek: zeek/*.log.gz (TSV with #fields/#types; zlib), one event per line: id.* to
//   src/dst_endpoint.ip/port, ts to time, the other columns as unmapped.zeek.<name>.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/event_batch.h"
#include "core/status.h"
#include "core/time.h"

namespace vigil::bench {

enum class Source : uint8_t { Loghub = 0, Windows = 1, Zeek = 2 };
constexpr size_t kSources = 3;
std::string_view source_name(Source s);  // "loghub", "windows", "zeek"

struct SourceInfo {
  size_t files = 0;
  size_t lines = 0;       // events of one round
  uint64_t raw_bytes = 0;  // of one round, as in the corpus
};

struct Corpus;  // the loaded lines; opaque

struct LoadOptions {
  std::filesystem::path dir;  // .../shared/corpus
  // Windows lines to load at most (the rest of the 1.2M are not read): a replay of
  // fewer events needs fewer distinct lines.
  size_t windows_max_lines = SIZE_MAX;
  int threads = 2;
};

// Errors when the folder or one of the sources is missing or unreadable.
Result<std::shared_ptr<const Corpus>> load_corpus(const LoadOptions& options);
SourceInfo corpus_info(const Corpus& corpus, Source s);

// One batch of the replay: events [first, first + count) of source `source`'s own
// stream of `total` events.
struct BatchSpec {
  Source source = Source::Loghub;
  uint64_t first = 0;
  uint32_t count = 0;
  uint64_t total = 0;
  bool needle = false;  // also append the needle event at the end of this batch
};

struct Plan {
  std::vector<BatchSpec> batches;          // interleaved by position in time
  std::array<uint64_t, kSources> events{};  // per source (without the needle)
  uint64_t total() const { return events[0] + events[1] + events[2]; }
};

// `weights` are shares of events per source (normalized here); batches of at most
// `batch_size`. With `needle`, one batch (chosen by `seed`) carries the needle event.
Plan make_plan(const std::array<double, kSources>& weights, uint64_t total, uint32_t batch_size, bool needle,
               uint64_t seed);

struct ReplayOptions {
  uint64_t seed = 42;
  TimeNs start = 1'793'491'200LL * kNsPerSec;  // 2026-11-01T00:00:00Z
  TimeNs span = 24LL * 3600 * kNsPerSec;
  std::string needle_token;  // the unique token of the needle event
};

// Appends the events of `spec` (and the needle, if the spec has it) to `out`.
// Thread-safe: any thread may build any spec.
void build_batch(const Corpus& corpus, const ReplayOptions& options, const BatchSpec& spec, EventBatch& out);

// The needle: a syslog sshd line "Failed password for invalid user <token> ..." with
// the token as user name and in raw. Visible for tests of the benchmark.
std::string needle_line(std::string_view token, TimeNs time);

// One JSON object per event (JSONEachRow) for the ClickHouse side (bench/chdb/run.mjs):
// typed columns for common OCSF fields, `attrs` (name -> text) for every other field,
// and raw/provenance. See run.mjs for the table these rows load into.
void append_export_rows(const EventBatch& batch, std::string& out);

// Exposed for tests: the id/time rewriting of one round.
struct RoundKey {
  std::array<uint64_t, 10> digit_offset{};  // by digit count 3..9
  uint32_t ip_offset = 0;                   // 0..253
  uint32_t uid_offset = 0;
};
RoundKey round_key(uint64_t seed, uint64_t round);
struct RewriteTime {
  bool datetimes = false;        // rewrite "YYYY-MM-DD[ T]HH:MM:SS[.f]" date-times
  bool fixed_shift = false;      // ... all by `shift`; else by new_time - (the first one)
  TimeNs shift = 0;
  bool hms = false;              // no date-time before it: first HH:MM:SS -> new_time's
  TimeNs new_time = 0;
};
void rewrite_text(std::string_view in, const RoundKey& key, const RewriteTime& time, std::string& out);

}  // namespace vigil::bench

// Corpus replay (see corpus_replay.h): loading, the per-round rewrite, the per-source
// normalization and the JSONEachRow export.
#include "corpus_replay.h"

#include <zlib.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <map>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "core/event_json.h"
#include "core/field_dictionary.h"
#include "core/ip_address.h"
#include "normalize/syslog_event.h"
#include "parse/ndjson.h"
#include "parse/syslog.h"

namespace vigil::bench {
namespace fs = std::filesystem;
using sv = std::string_view;

std::string_view source_name(Source s) {
  switch (s) {
    case Source::Loghub: return "loghub";
    case Source::Windows: return "windows";
    case Source::Zeek: return "zeek";
  }
  return "?";
}

namespace {

uint64_t splitmix(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

void split_lines(sv text, std::vector<sv>& out) {
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == sv::npos) nl = text.size();
    sv line = text.substr(pos, nl - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!line.empty()) out.push_back(line);
    pos = nl + 1;
  }
}

bool read_file(const fs::path& p, std::string& out) {
  FILE* f = std::fopen(p.c_str(), "rb");
  if (!f) return false;
  char buf[1 << 16];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
  std::fclose(f);
  return true;
}

bool read_gzip(const fs::path& p, std::string& out) {
  gzFile f = gzopen(p.c_str(), "rb");
  if (!f) return false;
  char buf[1 << 16];
  int n;
  while ((n = gzread(f, buf, sizeof buf)) > 0) out.append(buf, size_t(n));
  bool ok = n == 0;
  gzclose(f);
  return ok;
}

// `unzip -p` of the JSON members (not the __MACOSX resource forks).
bool read_zip_json(const fs::path& p, std::string& out) {
  std::string cmd = "unzip -p '" + p.string() + "' '*.json' -x '__MACOSX/*' 2>/dev/null";
  FILE* f = popen(cmd.c_str(), "r");
  if (!f) return false;
  char buf[1 << 16];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
  return pclose(f) == 0;
}

// "YYYY-MM-DD[ T]HH:MM:SS" at s[i..]; returns the length matched (19 + fraction), 0 if none.
size_t match_datetime(sv s, size_t i, TimeNs& t, size_t& frac_digits) {
  if (i + 19 > s.size()) return 0;
  const char* p = s.data() + i;
  auto d = [&](int k) { return is_digit(p[k]); };
  if (!(d(0) && d(1) && d(2) && d(3) && p[4] == '-' && d(5) && d(6) && p[7] == '-' && d(8) && d(9) &&
        (p[10] == ' ' || p[10] == 'T') && d(11) && d(12) && p[13] == ':' && d(14) && d(15) && p[16] == ':' &&
        d(17) && d(18)))
    return 0;
  auto num = [&](int k, int n) {
    int v = 0;
    for (int j = 0; j < n; ++j) v = v * 10 + (p[k + j] - '0');
    return v;
  };
  int year = num(0, 4), mon = num(5, 2), day = num(8, 2), hh = num(11, 2), mm = num(14, 2), ss = num(17, 2);
  if (mon < 1 || mon > 12 || day < 1 || day > 31 || hh > 23 || mm > 59 || ss > 60) return 0;
  size_t len = 19;
  int64_t frac = 0;
  frac_digits = 0;
  if (i + len < s.size() && p[len] == '.') {
    size_t k = len + 1;
    while (i + k < s.size() && is_digit(p[k]) && k - len - 1 < 9) {
      frac = frac * 10 + (p[k] - '0');
      ++k;
    }
    frac_digits = k - len - 1;
    if (frac_digits == 0) return 19;
    len = k;
  }
  for (size_t j = frac_digits; j < 9; ++j) frac *= 10;
  t = (days_from_civil(year, unsigned(mon), unsigned(day)) * 86400 + hh * 3600 + mm * 60 + ss) * kNsPerSec + frac;
  return len;
}

void format_datetime(TimeNs t, char sep, size_t frac_digits, std::string& out) {
  int64_t secs = t >= 0 ? t / kNsPerSec : -((-t + kNsPerSec - 1) / kNsPerSec);
  int64_t ns = t - secs * kNsPerSec;
  int64_t days = secs >= 0 ? secs / 86400 : -((-secs + 86399) / 86400);
  int64_t sod = secs - days * 86400;
  int64_t y;
  unsigned m, d;
  civil_from_days(days, y, m, d);
  char buf[64];
  int n = std::snprintf(buf, sizeof buf, "%04lld-%02u-%02u%c%02lld:%02lld:%02lld", (long long)y, m, d, sep,
                        (long long)(sod / 3600), (long long)(sod / 60 % 60), (long long)(sod % 60));
  out.append(buf, size_t(n));
  if (frac_digits > 0) {
    char f[32];
    std::snprintf(f, sizeof f, "%09lld", (long long)ns);
    out.push_back('.');
    out.append(f, frac_digits);
  }
}

void format_hms(TimeNs t, std::string& out) {
  int64_t sod = ((t / kNsPerSec) % 86400 + 86400) % 86400;
  char buf[16];
  int n = std::snprintf(buf, sizeof buf, "%02lld:%02lld:%02lld", (long long)(sod / 3600), (long long)(sod / 60 % 60),
                        (long long)(sod % 60));
  out.append(buf, size_t(n));
}

// RFC 3164 "Mmm dd hh:mm:ss" (day space-padded).
void format_3164(TimeNs t, std::string& out) {
  static const char* kMon[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  int64_t secs = t / kNsPerSec;
  int64_t y;
  unsigned m, d;
  civil_from_days(secs / 86400, y, m, d);
  int64_t sod = secs % 86400;
  char buf[32];
  int n = std::snprintf(buf, sizeof buf, "%s %2u %02lld:%02lld:%02lld", kMon[m - 1], d, (long long)(sod / 3600),
                        (long long)(sod / 60 % 60), (long long)(sod % 60));
  out.append(buf, size_t(n));
}

// The length-preserving bijection of a run of `len` digits (3..9, no leading zero
// unless the run had one: runs with a leading zero map within [0, 10^len)).
void map_digits(sv run, const RoundKey& key, std::string& out) {
  size_t len = run.size();
  uint64_t v = 0;
  for (char c : run) v = v * 10 + uint64_t(c - '0');
  uint64_t hi = 1;
  for (size_t i = 0; i < len; ++i) hi *= 10;
  uint64_t lo = run[0] == '0' ? 0 : hi / 10;
  uint64_t range = hi - lo;
  uint64_t nv = lo + (v - lo + key.digit_offset[len] % range) % range;
  char buf[16];
  for (size_t i = len; i-- > 0;) {
    buf[i] = char('0' + nv % 10);
    nv /= 10;
  }
  out.append(buf, len);
}

// Scrambles the alphanumerics of a Zeek uid ("CqKst53mF3det3eDV9") for the round; the
// first character (the kind: C connection, F file) stays.
void scramble_uid(sv uid, const RoundKey& key, std::string& out) {
  for (size_t i = 0; i < uid.size(); ++i) {
    char c = uid[i];
    uint32_t k = key.uid_offset + uint32_t(i) * 7;
    if (i == 0) out.push_back(c);
    else if (c >= '0' && c <= '9') out.push_back(char('0' + (c - '0' + k) % 10));
    else if (c >= 'a' && c <= 'z') out.push_back(char('a' + (c - 'a' + k) % 26));
    else if (c >= 'A' && c <= 'Z') out.push_back(char('A' + (c - 'A' + k) % 26));
    else out.push_back(c);
  }
}

}  // namespace

RoundKey round_key(uint64_t seed, uint64_t round) {
  RoundKey k;
  uint64_t base = splitmix(seed * 0x100000001B3ull ^ (round + 1) * 0x9E3779B97F4A7C15ull);
  for (size_t len = 3; len < 10; ++len) k.digit_offset[len] = splitmix(base + len);
  k.ip_offset = uint32_t(splitmix(base + 100) % 254);
  k.uid_offset = uint32_t(splitmix(base + 101) % 2310);
  return k;
}

void rewrite_text(sv in, const RoundKey& key, const RewriteTime& time, std::string& out) {
  bool shift_known = time.fixed_shift;
  TimeNs shift = time.shift;
  bool hms_done = !time.hms;
  size_t i = 0;
  const size_t n = in.size();
  while (i < n) {
    char c = in[i];
    if (c == '\\' && i + 1 < n && in[i + 1] == 'u') {  // JSON \uXXXX: not an id
      size_t end = std::min(n, i + 6);
      out.append(in.substr(i, end - i));
      i = end;
      continue;
    }
    if (!is_digit(c)) {
      out.push_back(c);
      ++i;
      continue;
    }
    // A digit that starts a token (the previous character is not a digit).
    char prev = i > 0 ? in[i - 1] : ' ';
    if (time.datetimes) {
      TimeNs t;
      size_t frac;
      if (size_t len = match_datetime(in, i, t, frac)) {
        if (!shift_known) {
          shift = time.new_time - t;
          shift_known = true;
        }
        format_datetime(t + shift, in[i + 10], frac, out);
        i += len;
        hms_done = true;
        continue;
      }
    }
    if (!hms_done && prev != ':' && i + 8 <= n && is_digit(in[i + 1]) && in[i + 2] == ':' && is_digit(in[i + 3]) &&
        is_digit(in[i + 4]) && in[i + 5] == ':' && is_digit(in[i + 6]) && is_digit(in[i + 7]) &&
        (i + 8 == n || !is_digit(in[i + 8]))) {
      format_hms(time.new_time, out);
      i += 8;
      hms_done = true;
      continue;
    }
    size_t end = i;
    size_t dots = 0;
    while (end < n && (is_digit(in[end]) || in[end] == '.')) {
      if (in[end] == '.') ++dots;
      ++end;
    }
    while (end > i && in[end - 1] == '.') {  // a sentence's full stop is not part of it
      --end;
      --dots;
    }
    sv tok = in.substr(i, end - i);
    i = end;
    if (prev == '.') {
      out.append(tok);
      continue;
    }
    if (dots == 3) {  // IPv4?
      int parts[4], np = 0, digits = 0, v = 0;
      bool ok = true;
      for (char ch : tok) {
        if (ch == '.') {
          if (digits == 0 || digits > 3 || v > 255) ok = false;
          parts[np++] = v;
          v = digits = 0;
        } else {
          v = v * 10 + (ch - '0');
          ++digits;
        }
      }
      if (digits == 0 || digits > 3 || v > 255) ok = false;
      parts[np] = v;
      if (ok) {
        size_t last = tok.rfind('.');
        out.append(tok.substr(0, last + 1));
        int d = parts[3];
        if (d >= 1 && d <= 254) d = 1 + int((uint32_t(d - 1) + key.ip_offset) % 254);
        out.append(std::to_string(d));
        continue;
      }
    }
    if (dots > 0 || tok.size() < 3 || tok.size() > 9) {
      out.append(tok);
      continue;
    }
    map_digits(tok, key, out);
  }
}

// ---------------------------------------------------------------------------------
// The corpus in memory.

struct ZeekFile {
  std::string path;  // "dns"
  std::string source;  // "zeek/dns.log.gz"
  std::vector<std::string> names, types;
  std::vector<FieldId> ids;  // per column; kNoField for ts
  std::vector<uint8_t> kind;  // per column: 0 string, 1 int, 2 ip, 3 time, 4 uid
  int64_t class_uid = 0;
};

struct LoghubLine {
  sv line;
  uint16_t set;        // index into loghub_sets
  int32_t ts_off = -1;  // syslog: the timestamp text's position (-1: none / not syslog)
  uint16_t ts_len = 0;
};

struct WindowsLine {
  sv line;
  uint32_t file;
  TimeNs primary;  // @timestamp
};

struct ZeekLine {
  sv line;
  uint32_t file;
};

struct Corpus {
  std::vector<std::string> texts;  // owns every line
  struct LoghubSet {
    std::string name, source;  // "Linux", "loghub/Linux"
    bool syslog;
  };
  std::vector<LoghubSet> loghub_sets;
  std::vector<std::string> windows_files;                 // "otrf/<zip name>"
  std::vector<ZeekFile> zeek_files;
  std::vector<LoghubLine> loghub;
  std::vector<WindowsLine> windows;
  std::vector<ZeekLine> zeek;
  std::array<SourceInfo, kSources> info{};
};

namespace {

Status load_loghub(Corpus& c, const fs::path& dir) {
  fs::path root = dir / "loghub";
  if (!fs::is_directory(root)) return Status::error("corpus: no loghub folder at " + root.string());
  std::vector<fs::path> logs;
  for (const auto& e : fs::directory_iterator(root))
    if (e.is_directory())
      for (const auto& f : fs::directory_iterator(e.path()))
        if (f.path().filename().string().ends_with("_2k.log")) logs.push_back(f.path());
  std::sort(logs.begin(), logs.end());
  if (logs.empty()) return Status::error("corpus: no loghub/*/*_2k.log under " + root.string());
  for (const fs::path& p : logs) {
    std::string name = p.parent_path().filename().string();
    bool syslog = name == "Linux" || name == "OpenSSH" || name == "Mac";
    c.texts.emplace_back();
    if (!read_file(p, c.texts.back())) return Status::error("corpus: cannot read " + p.string());
    uint16_t set = uint16_t(c.loghub_sets.size());
    c.loghub_sets.push_back({name, "loghub/" + name, syslog});
    std::vector<sv> lines;
    split_lines(c.texts.back(), lines);
    for (sv l : lines) {
      LoghubLine ll{l, set};
      if (syslog) {
        SyslogMessage m = parse_syslog(l, {.receive_time = 1'600'000'000LL * kNsPerSec});
        if (m.error.empty() && !m.timestamp_text.empty()) {
          ll.ts_off = int32_t(m.timestamp_text.data() - l.data());
          ll.ts_len = uint16_t(m.timestamp_text.size());
        }
      }
      c.loghub.push_back(ll);
      c.info[0].raw_bytes += l.size();
    }
    c.info[0].files++;
  }
  c.info[0].lines = c.loghub.size();
  return Status();
}

Status load_zeek(Corpus& c, const fs::path& dir) {
  fs::path root = dir / "zeek";
  if (!fs::is_directory(root)) return Status::error("corpus: no zeek folder at " + root.string());
  std::vector<fs::path> logs;
  for (const auto& e : fs::directory_iterator(root))
    if (e.path().filename().string().ends_with(".log.gz")) logs.push_back(e.path());
  std::sort(logs.begin(), logs.end());
  if (logs.empty()) return Status::error("corpus: no zeek/*.log.gz under " + root.string());
  static const std::map<std::string, int64_t> kClass = {
      {"dns", 4003}, {"http", 4002}, {"conn", 4001}, {"ssl", 4001}, {"rdp", 4001}, {"ssh", 4001},
      {"ftp", 4001}, {"smtp", 4001}, {"ntp", 4001}, {"dce_rpc", 4001}, {"smb_files", 4001},
      {"smb_mapping", 4001}, {"kerberos", 4001}, {"ntlm", 4001}, {"modbus", 4001}, {"snmp", 4001},
      {"rfb", 4001}, {"ldap_search", 4001}, {"ocsp", 4001}, {"syslog", 4001}};
  for (const fs::path& p : logs) {
    c.texts.emplace_back();
    if (!read_gzip(p, c.texts.back())) return Status::error("corpus: cannot gunzip " + p.string());
    ZeekFile zf;
    zf.source = "zeek/" + p.filename().string();
    std::vector<sv> lines;
    split_lines(c.texts.back(), lines);
    uint32_t file = uint32_t(c.zeek_files.size());
    size_t data_lines = 0;
    for (sv l : lines) {
      if (l[0] == '#') {
        auto split = [&](sv rest, std::vector<std::string>& v) {
          v.clear();
          size_t pos = 0;
          while (pos <= rest.size()) {
            size_t t = rest.find('\t', pos);
            if (t == sv::npos) t = rest.size();
            v.emplace_back(rest.substr(pos, t - pos));
            pos = t + 1;
          }
        };
        if (l.starts_with("#fields\t")) split(l.substr(8), zf.names);
        else if (l.starts_with("#types\t")) split(l.substr(7), zf.types);
        else if (l.starts_with("#path\t")) zf.path = std::string(l.substr(6));
        continue;
      }
      if (zf.names.empty()) continue;  // data before a header: not Zeek TSV
      c.zeek.push_back({l, file});
      c.info[2].raw_bytes += l.size();
      ++data_lines;
    }
    if (zf.names.empty()) return Status::error("corpus: no #fields header in " + p.string());
    zf.types.resize(zf.names.size());
    for (size_t i = 0; i < zf.names.size(); ++i) {
      const std::string& nm = zf.names[i];
      const std::string& ty = zf.types[i];
      uint8_t kind = 0;
      std::string field = "unmapped.zeek." + nm;
      if (nm == "ts") kind = 3, field = "time";
      else if (nm == "uid" || nm == "fuid" || nm == "conn_uids" || nm == "uids") kind = 4;
      else if (nm == "id.orig_h") kind = 2, field = "src_endpoint.ip";
      else if (nm == "id.resp_h") kind = 2, field = "dst_endpoint.ip";
      else if (nm == "id.orig_p") kind = 1, field = "src_endpoint.port";
      else if (nm == "id.resp_p") kind = 1, field = "dst_endpoint.port";
      else if (ty == "count" || ty == "int" || ty == "port") kind = 1;
      zf.kind.push_back(kind);
      zf.ids.push_back(field_id(field));
    }
    auto it = kClass.find(zf.path);
    zf.class_uid = it == kClass.end() ? 0 : it->second;
    c.zeek_files.push_back(std::move(zf));
    c.info[2].files++;
    (void)data_lines;
  }
  c.info[2].lines = c.zeek.size();
  return Status();
}

Status load_windows(Corpus& c, const fs::path& dir, size_t max_lines, int threads) {
  fs::path root = dir / "otrf-security-datasets" / "datasets" / "atomic" / "windows";
  if (!fs::is_directory(root)) return Status::error("corpus: no OTRF Windows datasets at " + root.string());
  std::vector<fs::path> zips;
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    std::string ext = e.path().extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), ::tolower);
    if (e.is_regular_file() && ext == ".zip") zips.push_back(e.path());
  }
  std::sort(zips.begin(), zips.end());
  // The same dataset sits under two tactics at times: keep one copy (by file name and size).
  std::vector<fs::path> unique;
  std::map<std::pair<std::string, uintmax_t>, bool> seen;
  for (const fs::path& z : zips)
    if (seen.emplace(std::make_pair(z.filename().string(), fs::file_size(z)), true).second) unique.push_back(z);
  if (unique.empty()) return Status::error("corpus: no *.zip under " + root.string());
  if (std::system("unzip -v >/dev/null 2>&1") != 0)
    return Status::error("corpus: the OTRF Windows datasets are zip files and `unzip` is not installed (apt-get install unzip)");

  // Unpack in parallel, keep the sorted order; stop once enough lines are in.
  std::vector<std::string> texts(unique.size());
  std::vector<bool> ok(unique.size(), false), done(unique.size(), false);
  std::mutex mu;
  size_t next = 0, lines_so_far = 0;
  auto worker = [&] {
    for (;;) {
      size_t i;
      {
        std::lock_guard lk(mu);
        if (next >= unique.size() || lines_so_far >= max_lines) return;
        i = next++;
      }
      std::string t;
      bool good = read_zip_json(unique[i], t);
      size_t nl = size_t(std::count(t.begin(), t.end(), '\n'));
      std::lock_guard lk(mu);
      texts[i] = std::move(t);
      ok[i] = good;
      done[i] = true;
      lines_so_far += nl;
    }
  };
  std::vector<std::thread> ths;
  for (int t = 0; t < std::max(1, threads); ++t) ths.emplace_back(worker);
  for (auto& t : ths) t.join();

  size_t without_json = 0;
  for (size_t i = 0; i < unique.size() && c.windows.size() < max_lines; ++i) {
    if (!done[i]) break;
    if (!ok[i] || texts[i].empty()) {  // the */network/* zips hold packet captures only
      ++without_json;
      continue;
    }
    c.texts.push_back(std::move(texts[i]));
    uint32_t file = uint32_t(c.windows_files.size());
    c.windows_files.push_back("otrf/" + unique[i].filename().string());
    std::vector<sv> lines;
    split_lines(c.texts.back(), lines);
    for (sv l : lines) {
      if (c.windows.size() >= max_lines) break;
      TimeNs primary = 0;
      size_t at = l.find("\"@timestamp\":\"");
      if (at != sv::npos) {
        size_t s = at + 14, e = l.find('"', s);
        if (e != sv::npos)
          if (auto t = parse_rfc3339(l.substr(s, e - s))) primary = *t;
      }
      if (primary == 0) {  // no @timestamp: shift from the first date-time in the line
        for (size_t k = 0; k + 19 <= l.size(); ++k) {
          size_t frac;
          if (is_digit(l[k]) && match_datetime(l, k, primary, frac)) break;
        }
      }
      c.windows.push_back({l, file, primary});
      c.info[1].raw_bytes += l.size();
    }
    c.info[1].files++;
  }
  c.info[1].lines = c.windows.size();
  if (without_json > 0)
    std::fprintf(stderr, "corpus: %zu OTRF Windows zips without a JSON member skipped (packet captures)\n",
                 without_json);
  if (c.windows.empty()) return Status::error("corpus: no Windows events could be unpacked under " + root.string());
  return Status();
}

}  // namespace

Result<std::shared_ptr<const Corpus>> load_corpus(const LoadOptions& o) {
  if (!fs::is_directory(o.dir))
    return Status::error("corpus folder not found: " + o.dir.string() +
                         " (the benchmark reads ../shared/corpus beside the repository; pass --corpus DIR)");
  auto c = std::make_shared<Corpus>();
  c->texts.reserve(4096);  // views into texts must stay valid: no reallocation moves a std::string's
                           // heap buffer, but keep the vector stable anyway
  if (Status s = load_loghub(*c, o.dir); !s.ok()) return s;
  if (Status s = load_zeek(*c, o.dir); !s.ok()) return s;
  if (Status s = load_windows(*c, o.dir, o.windows_max_lines, o.threads); !s.ok()) return s;
  return std::shared_ptr<const Corpus>(std::move(c));
}

SourceInfo corpus_info(const Corpus& c, Source s) { return c.info[size_t(s)]; }

Plan make_plan(const std::array<double, kSources>& weights, uint64_t total, uint32_t batch_size, bool needle,
               uint64_t seed) {
  Plan plan;
  double sum = weights[0] + weights[1] + weights[2];
  uint64_t assigned = 0;
  for (size_t s = 0; s < kSources; ++s) {
    plan.events[s] = s + 1 < kSources ? uint64_t(std::llround(double(total) * weights[s] / sum)) : total - assigned;
    assigned += plan.events[s];
  }
  // Interleave the sources' batches by their position in time (start of the batch as
  // a fraction of the source's stream).
  struct Item {
    double pos;
    BatchSpec spec;
  };
  std::vector<Item> items;
  for (size_t s = 0; s < kSources; ++s) {
    uint64_t n = plan.events[s];
    for (uint64_t first = 0; first < n; first += batch_size) {
      BatchSpec b{Source(s), first, uint32_t(std::min<uint64_t>(batch_size, n - first)), n};
      items.push_back({double(first) / double(n), b});
    }
  }
  std::stable_sort(items.begin(), items.end(), [](const Item& a, const Item& b) { return a.pos < b.pos; });
  for (const Item& it : items) plan.batches.push_back(it.spec);
  if (needle && !plan.batches.empty()) plan.batches[splitmix(seed ^ 0x6e6565646c65ull) % plan.batches.size()].needle = true;
  return plan;
}

std::string needle_line(sv token, TimeNs time) {
  std::string line = "<38>";
  format_3164(time, line);
  line += " bastion-7 sshd[40417]: Failed password for invalid user ";
  line += token;
  line += " from 203.0.113.77 port 52114 ssh2";
  return line;
}

// ---------------------------------------------------------------------------------
// Building batches.

namespace {

TimeNs event_time(const ReplayOptions& o, uint64_t index, uint64_t total) {
  // span * index / total without overflow: span < 2^63, index < total.
  const uint64_t n = std::max<uint64_t>(total, 1);
  const uint64_t span = uint64_t(o.span);
  return o.start + TimeNs(span / n * index + span % n * index / n);
}

struct CommonIds {
  FieldId time = field_id("time");
  FieldId class_uid = field_id("class_uid");
  FieldId category_uid = field_id("category_uid");
  FieldId activity_id = field_id("activity_id");
  FieldId type_uid = field_id("type_uid");
  FieldId log_name = field_id("metadata.log_name");
};
const CommonIds& common() {
  static const CommonIds k;
  return k;
}

void build_loghub(const Corpus& c, const ReplayOptions& o, const BatchSpec& spec, EventBatch& out) {
  const CommonIds& f = common();
  std::string line;
  const uint64_t n = c.loghub.size();
  for (uint64_t i = spec.first; i < spec.first + spec.count; ++i) {
    const LoghubLine& ll = c.loghub[i % n];
    RoundKey key = round_key(o.seed, i / n);
    TimeNs t = event_time(o, i, spec.total);
    const Corpus::LoghubSet& set = c.loghub_sets[ll.set];
    line.clear();
    Provenance p{.receive_time = t + kNsPerSec, .source = set.source, .input = "replay"};
    if (set.syslog) {
      if (ll.ts_off >= 0) {
        rewrite_text(ll.line.substr(0, size_t(ll.ts_off)), key, {}, line);
        format_3164(t, line);
        rewrite_text(ll.line.substr(size_t(ll.ts_off) + ll.ts_len), key, {}, line);
      } else {
        rewrite_text(ll.line, key, {}, line);
      }
      append_syslog_event(line, p, out);
    } else {
      rewrite_text(ll.line, key, {.datetimes = true, .hms = true, .new_time = t}, line);
      p.raw = line;
      p.receive_time = t;
      out.begin_event(p);
      out.set_flag(kFlagNoTimestamp);
      out.add_time(f.time, t);
      out.add_int(f.class_uid, 0);
      out.add_int(f.category_uid, 0);
      out.add_string(f.log_name, set.name);
      out.end_event();
    }
  }
}

// Windows: event id (+ channel) -> OCSF class. A stand-in for the Windows parser pack.
int64_t windows_class_uid(int64_t event_id, bool sysmon) {
  if (sysmon) {
    switch (event_id) {
      case 1: case 5: case 8: case 10: return 1007;  // process create/terminate/remote thread/access
      case 3: return 4001;                          // network connection
      case 22: return 4003;                         // DNS query
      case 2: case 11: case 15: case 23: case 26: return 1001;  // file activity
      default: return 0;
    }
  }
  switch (event_id) {
    case 4624: case 4625: case 4634: case 4647: case 4648: case 4672: case 4768: case 4769: case 4770:
    case 4771: case 4776: case 4778: case 4779: return 3002;  // authentication
    case 4720: case 4722: case 4723: case 4724: case 4725: case 4726: case 4738: case 4740: case 4767:
    case 4781: return 3001;  // account change
    case 4727: case 4728: case 4729: case 4730: case 4731: case 4732: case 4733: case 4734: case 4735:
    case 4737: case 4754: case 4755: case 4756: case 4757: case 4758: return 3006;  // group management
    case 4688: case 4689: case 4696: return 1007;  // process
    case 4656: case 4658: case 4660: case 4663: case 4670: case 5145: return 1001;  // object/file access
    case 5140: case 5154: case 5155: case 5156: case 5157: case 5158: case 5159: return 4001;  // network
    default: return 0;
  }
}

struct WindowsMap {
  enum Kind : uint8_t { Keep, Ip, Int };
  struct Target {
    FieldId id;
    Kind kind;
  };
  std::unordered_map<FieldId, Target> renames;
  FieldId event_id = field_id("EventID"), channel = field_id("Channel"), at_timestamp = field_id("@timestamp");
  FieldId code = field_id("metadata.event_code");
  WindowsMap() {
    auto r = [&](sv from, sv to, Kind k = Keep) { renames[field_id(from)] = {field_id(to), k}; };
    r("Hostname", "device.hostname");
    r("Channel", "metadata.log_name");
    r("SourceName", "metadata.product.name");
    r("Message", "message");
    r("@timestamp", "time");
    r("SubjectUserName", "actor.user.name");
    r("SubjectDomainName", "actor.user.domain");
    r("TargetUserName", "user.name");
    r("TargetDomainName", "user.domain");
    r("IpAddress", "src_endpoint.ip", Ip);
    r("SourceAddress", "src_endpoint.ip", Ip);
    r("SourceIp", "src_endpoint.ip", Ip);
    r("DestAddress", "dst_endpoint.ip", Ip);
    r("DestinationIp", "dst_endpoint.ip", Ip);
    r("IpPort", "src_endpoint.port", Int);
    r("SourcePort", "src_endpoint.port", Int);
    r("DestPort", "dst_endpoint.port", Int);
    r("DestinationPort", "dst_endpoint.port", Int);
    r("ProcessId", "process.pid", Int);
    r("NewProcessId", "process.pid", Int);
    r("Image", "process.file.path");
    r("NewProcessName", "process.file.path");
    r("CommandLine", "process.cmd_line");
    r("ParentImage", "process.parent_process.file.path");
    r("ParentProcessName", "process.parent_process.file.path");
    r("ParentCommandLine", "process.parent_process.cmd_line");
    r("TargetFilename", "file.path");
    r("QueryName", "query.hostname");
  }
};

const WindowsMap& windows_map() {
  static const WindowsMap m;
  return m;
}

// "1234" or "0x4d2" -> 1234.
bool parse_int_text(sv s, int64_t& v) {
  int base = 10;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) s.remove_prefix(2), base = 16;
  if (s.empty()) return false;
  auto r = std::from_chars(s.data(), s.data() + s.size(), v, base);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

void build_windows(const Corpus& c, const ReplayOptions& o, const BatchSpec& spec, EventBatch& out) {
  const CommonIds& f = common();
  const WindowsMap& wm = windows_map();
  const uint64_t n = c.windows.size();
  // Rewrite the lines of the batch into one body, parse it in one read_ndjson call.
  std::string body;
  body.reserve(size_t(spec.count) * 1600);
  std::vector<uint32_t> files;
  files.reserve(spec.count);
  for (uint64_t i = spec.first; i < spec.first + spec.count; ++i) {
    const WindowsLine& wl = c.windows[i % n];
    TimeNs t = event_time(o, i, spec.total);
    rewrite_text(wl.line, round_key(o.seed, i / n),
                 {.datetimes = true, .fixed_shift = true, .shift = t - wl.primary, .new_time = t}, body);
    body.push_back('\n');
    files.push_back(wl.file);
  }
  TimeNs recv = event_time(o, spec.first + spec.count, spec.total) + kNsPerSec;
  EventBatch scratch;
  read_ndjson(body, {.receive_time = recv, .input = "replay"}, scratch);
  thread_local std::unordered_map<FieldId, FieldId> unmapped;
  std::string name;
  for (size_t k = 0; k < scratch.size(); ++k) {
    const Event& e = scratch[k];
    Provenance p{.receive_time = recv, .raw = e.raw, .source = c.windows_files[files[std::min(k, files.size() - 1)]],
                 .input = "replay"};
    out.begin_event(p);
    out.set_time(e.time);
    if (e.flags) out.set_flag(e.flags & ~kFlagParseError);
    if (e.flags & kFlagParseError) out.set_parse_error(e.parse_error);
    int64_t event_id = -1;
    bool sysmon = false;
    for (const Field& fl : scratch.fields(e)) {
      if (fl.id == wm.event_id && fl.value.type == FieldType::Int64) event_id = fl.value.i64;
      if (fl.id == wm.channel && fl.value.type == FieldType::String)
        sysmon = fl.value.as_string().find("Sysmon") != sv::npos;
      if (fl.id == wm.event_id && fl.value.type == FieldType::Int64) {
        out.add_int(wm.code, fl.value.i64);
        continue;
      }
      auto it = wm.renames.find(fl.id);
      if (it != wm.renames.end()) {
        const WindowsMap::Target& t = it->second;
        if (t.kind == WindowsMap::Keep) {
          if (fl.value.type == FieldType::String) out.add_string(t.id, fl.value.as_string());
          else out.add(t.id, fl.value);
          continue;
        }
        if (fl.value.type == FieldType::String) {
          sv s = fl.value.as_string();
          if (t.kind == WindowsMap::Ip) {
            if (auto ip = IpAddress::parse(s)) {
              out.add_ip(t.id, *ip);
              continue;
            }
          } else {
            int64_t v;
            if (parse_int_text(s, v)) {
              out.add_int(t.id, v);
              continue;
            }
          }
        } else if (t.kind == WindowsMap::Int && fl.value.type == FieldType::Int64) {
          out.add(t.id, fl.value);
          continue;
        }
        // Not of the expected form ("-", "::1%5"...): kept unmapped below.
      }
      auto u = unmapped.find(fl.id);
      if (u == unmapped.end()) {
        name = "unmapped.";
        name += field_name(fl.id);
        u = unmapped.emplace(fl.id, field_id(name)).first;
      }
      if (fl.value.type == FieldType::String) out.add_string(u->second, fl.value.as_string());
      else out.add(u->second, fl.value);
    }
    int64_t cls = windows_class_uid(event_id, sysmon);
    out.add_int(f.class_uid, cls);
    out.add_int(f.category_uid, cls / 1000);
    out.end_event();
  }
}

void build_zeek(const Corpus& c, const ReplayOptions& o, const BatchSpec& spec, EventBatch& out) {
  const CommonIds& f = common();
  const uint64_t n = c.zeek.size();
  std::string line;
  std::vector<std::pair<uint32_t, uint32_t>> cols;  // offset, length in `line`
  thread_local std::unordered_map<std::string, std::string> log_names;
  for (uint64_t i = spec.first; i < spec.first + spec.count; ++i) {
    const ZeekLine& zl = c.zeek[i % n];
    const ZeekFile& zf = c.zeek_files[zl.file];
    RoundKey key = round_key(o.seed, i / n);
    TimeNs t = event_time(o, i, spec.total);
    line.clear();
    cols.clear();
    size_t pos = 0, col = 0;
    sv src = zl.line;
    while (pos <= src.size()) {
      size_t tab = src.find('\t', pos);
      if (tab == sv::npos) tab = src.size();
      sv v = src.substr(pos, tab - pos);
      if (col > 0) line.push_back('\t');
      size_t start = line.size();
      uint8_t kind = col < zf.kind.size() ? zf.kind[col] : 0;
      if (kind == 3 && v != "-") {
        char buf[48];
        int m = std::snprintf(buf, sizeof buf, "%lld.%06lld", (long long)(t / kNsPerSec),
                              (long long)(t % kNsPerSec / 1000));
        line.append(buf, size_t(m));
      } else if (kind == 4 && v != "-" && v != "(empty)") {
        scramble_uid(v, key, line);
      } else {
        rewrite_text(v, key, {}, line);
      }
      cols.emplace_back(uint32_t(start), uint32_t(line.size() - start));
      ++col;
      pos = tab + 1;
    }
    Provenance p{.receive_time = t + kNsPerSec, .raw = line, .source = zf.source, .input = "replay"};
    sv raw = out.begin_event(p).raw;
    out.set_time((t / 1000) * 1000);
    for (size_t k = 0; k < cols.size() && k < zf.ids.size(); ++k) {
      sv v = raw.substr(cols[k].first, cols[k].second);
      if (v == "-" || v == "(empty)" || v.empty()) continue;
      switch (zf.kind[k]) {
        case 3: out.add_time(zf.ids[k], (t / 1000) * 1000); break;
        case 2:
          if (auto ip = IpAddress::parse(v)) out.add_ip(zf.ids[k], *ip);
          else out.add_string_ref(zf.ids[k], v);
          break;
        case 1: {
          int64_t x;
          if (parse_int_text(v, x)) out.add_int(zf.ids[k], x);
          else out.add_string_ref(zf.ids[k], v);
          break;
        }
        default: out.add_string_ref(zf.ids[k], v);
      }
    }
    out.add_int(f.class_uid, zf.class_uid);
    out.add_int(f.category_uid, zf.class_uid / 1000);
    auto ln = log_names.find(zf.path);
    if (ln == log_names.end()) ln = log_names.emplace(zf.path, "zeek." + zf.path).first;
    out.add_string(f.log_name, ln->second);
    out.end_event();
  }
}

}  // namespace

void build_batch(const Corpus& c, const ReplayOptions& o, const BatchSpec& spec, EventBatch& out) {
  switch (spec.source) {
    case Source::Loghub: build_loghub(c, o, spec, out); break;
    case Source::Windows: build_windows(c, o, spec, out); break;
    case Source::Zeek: build_zeek(c, o, spec, out); break;
  }
  if (spec.needle) {
    TimeNs t = event_time(o, spec.first + spec.count / 2, spec.total);
    std::string line = needle_line(o.needle_token, t);
    append_syslog_event(line, {.receive_time = t + kNsPerSec, .source = "needle", .input = "replay"}, out);
  }
}

// ---------------------------------------------------------------------------------
// JSONEachRow export.

namespace {

void json_time(TimeNs t, std::string& out) {
  out.push_back('"');
  format_datetime(t, ' ', 9, out);
  out.push_back('"');
}

// Typed columns of the ClickHouse table; every other field goes to `attrs`.
enum Col : uint8_t {
  kClassUid, kCategoryUid, kActivityId, kTypeUid, kSeverityId, kLogName, kHostname, kSrcIp, kSrcPort, kDstIp,
  kDstPort, kUserName, kActorUserName, kProcessName, kProcessPid, kMessage, kColCount
};
struct ColDef {
  const char* field;
  const char* column;
  FieldType type;
  int64_t min, max;  // for ints; out of range -> attrs
};
constexpr ColDef kCols[kColCount] = {
    {"class_uid", "class_uid", FieldType::Int64, 0, UINT32_MAX},
    {"category_uid", "category_uid", FieldType::Int64, 0, UINT32_MAX},
    {"activity_id", "activity_id", FieldType::Int64, INT32_MIN, INT32_MAX},
    {"type_uid", "type_uid", FieldType::Int64, INT64_MIN, INT64_MAX},
    {"severity_id", "severity_id", FieldType::Int64, 0, 255},
    {"metadata.log_name", "log_name", FieldType::String, 0, 0},
    {"device.hostname", "device_hostname", FieldType::String, 0, 0},
    {"src_endpoint.ip", "src_ip", FieldType::Ip, 0, 0},
    {"src_endpoint.port", "src_port", FieldType::Int64, 0, 65535},
    {"dst_endpoint.ip", "dst_ip", FieldType::Ip, 0, 0},
    {"dst_endpoint.port", "dst_port", FieldType::Int64, 0, 65535},
    {"user.name", "user_name", FieldType::String, 0, 0},
    {"actor.user.name", "actor_user_name", FieldType::String, 0, 0},
    {"process.name", "process_name", FieldType::String, 0, 0},
    {"process.pid", "process_pid", FieldType::Int64, 0, UINT32_MAX},
    {"message", "message", FieldType::String, 0, 0},
};

struct ExportIds {
  std::unordered_map<FieldId, uint8_t> col;
  ExportIds() {
    for (uint8_t i = 0; i < kColCount; ++i) col[field_id(kCols[i].field)] = i;
  }
};

}  // namespace

void append_export_rows(const EventBatch& batch, std::string& out) {
  static const ExportIds ids;
  static const FieldId time_id = field_id("time");
  const Value* typed[kColCount];
  std::string text;
  for (const Event& e : batch.events()) {
    std::fill(std::begin(typed), std::end(typed), nullptr);
    out += "{\"time\":";
    json_time(e.time, out);
    out += ",\"receive_time\":";
    json_time(e.receive_time, out);
    out += ",\"flags\":" + std::to_string(e.flags);
    out += ",\"tenant\":";
    append_json_string(out, e.tenant);
    out += ",\"input\":";
    append_json_string(out, e.input);
    out += ",\"source\":";
    append_json_string(out, e.source);
    if (!e.parse_error.empty()) {
      out += ",\"parse_error\":";
      append_json_string(out, e.parse_error);
    }
    out += ",\"attrs\":{";
    bool first_attr = true;
    for (const Field& f : batch.fields(e)) {
      // The `time` field is the event time, which has its own column.
      if (f.id == time_id && f.value.type == FieldType::Timestamp && f.value.ts == e.time) continue;
      auto it = ids.col.find(f.id);
      if (it != ids.col.end() && typed[it->second] == nullptr) {
        const ColDef& d = kCols[it->second];
        bool fits = f.value.type == d.type &&
                    (d.type != FieldType::Int64 || (f.value.i64 >= d.min && f.value.i64 <= d.max));
        if (fits) {
          typed[it->second] = &f.value;
          continue;
        }
      }
      if (!first_attr) out.push_back(',');
      first_attr = false;
      append_json_string(out, field_name(f.id));
      out.push_back(':');
      if (f.value.type == FieldType::String) append_json_string(out, f.value.as_string());
      else append_json_string(out, f.value.to_string());
    }
    out.push_back('}');
    for (uint8_t i = 0; i < kColCount; ++i) {
      const Value* v = typed[i];
      if (!v) continue;
      out += ",\"";
      out += kCols[i].column;
      out += "\":";
      if (v->type == FieldType::Int64) out += std::to_string(v->i64);
      else if (v->type == FieldType::String) append_json_string(out, v->as_string());
      else append_json_string(out, v->to_string());
    }
    out += ",\"raw\":";
    append_json_string(out, e.raw);
    out += "}\n";
  }
}

}  // namespace vigil::bench

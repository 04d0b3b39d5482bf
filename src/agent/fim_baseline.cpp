// Serializing, parsing and atomically saving the FIM baseline (see fim_baseline.h).
#include "agent/fim_baseline.h"

#include "store/io.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <vector>

#include "core/hash.h"

namespace vigil {
namespace {

constexpr std::string_view kHeader = "vigil-fim-baseline 1\n";
constexpr size_t kMaxBaselineBytes = 1ull << 30;

void append_escaped(std::string& out, std::string_view path) {
  static const char kHex[] = "0123456789ABCDEF";
  for (unsigned char c : path) {
    if (c <= 0x20 || c == 0x7f || c == '%') {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

bool unescape(std::string_view in, std::string& out) {
  out.clear();
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out += in[i];
      continue;
    }
    if (i + 2 >= in.size()) return false;
    int hi = hex_digit(in[i + 1]), lo = hex_digit(in[i + 2]);
    if (hi < 0 || lo < 0) return false;
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return true;
}

template <typename T>
bool number(std::string_view t, T& v, int base = 10) {
  if (t.empty()) return false;
  auto r = std::from_chars(t.data(), t.data() + t.size(), v, base);
  return r.ec == std::errc() && r.ptr == t.data() + t.size();
}

bool is_hex64(std::string_view t) {
  if (t.size() != 64) return false;
  for (char c : t)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

// Splits the next space-separated token off `line`.
std::string_view token(std::string_view& line) {
  size_t sp = line.find(' ');
  std::string_view t = line.substr(0, sp);
  line.remove_prefix(sp == std::string_view::npos ? line.size() : sp + 1);
  return t;
}

char hex_lower(unsigned v) { return "0123456789abcdef"[v & 15]; }

std::string hex16(uint64_t v) {
  std::string s(16, '0');
  for (int i = 15; i >= 0; --i, v >>= 4) s[static_cast<size_t>(i)] = hex_lower(static_cast<unsigned>(v));
  return s;
}

Status os_error(const std::string& what, const std::filesystem::path& p) {
  return Status::error(what + " " + p.string() + ": " + std::strerror(errno));
}

}  // namespace

std::string serialize_baseline(const Baseline& baseline) {
  std::string out(kHeader);
  char num[32];
  auto put = [&](auto v, int base = 10) {
    auto r = std::to_chars(num, num + sizeof(num), v, base);
    out.append(num, r.ptr);
    out += ' ';
  };
  for (const auto& [path, s] : baseline) {
    put(s.mode, 8);
    put(s.uid);
    put(s.gid);
    put(s.size);
    put(s.inode);
    put(s.mtime_ns);
    put(s.ctime_ns);
    out += s.too_large ? "too-large" : s.sha256.empty() ? "-" : s.sha256;
    out += ' ';
    append_escaped(out, path);
    out += '\n';
  }
  uint64_t h = fnv1a(kFnv1aSeed, out);
  out += "end " + std::to_string(baseline.size()) + " " + hex16(h) + "\n";
  return out;
}

Status parse_baseline(std::string_view text, Baseline& out) {
  out.clear();
  if (text.substr(0, kHeader.size()) != kHeader)
    return Status::error("line 1: not a Vigil FIM baseline (expected \"vigil-fim-baseline 1\")");
  size_t pos = kHeader.size();
  size_t line_no = 1;
  std::string path;
  while (pos < text.size()) {
    ++line_no;
    size_t eol = text.find('\n', pos);
    if (eol == std::string_view::npos) {
      out.clear();  // a cut baseline is refused whole, not half-used
      return Status::error("line " + std::to_string(line_no) + ": cut short (no end line)");
    }
    std::string_view line = text.substr(pos, eol - pos);
    auto bad = [&](const char* what) {
      out.clear();
      return Status::error("line " + std::to_string(line_no) + ": " + what);
    };
    if (line.substr(0, 4) == "end ") {
      std::string_view rest = line.substr(4);
      uint64_t count = 0, sum = 0;
      if (!number(token(rest), count) || !number(rest, sum, 16) || rest.size() != 16)
        return bad("malformed end line");
      if (count != out.size()) return bad("entry count differs from the end line (file altered?)");
      if (sum != fnv1a(kFnv1aSeed, text.substr(0, pos))) return bad("checksum mismatch (file altered or damaged)");
      if (eol + 1 != text.size()) {
        ++line_no;
        return bad("data after the end line");
      }
      return Status();
    }
    FileState s;
    std::string_view rest = line;
    std::string_view hash;
    if (!number(token(rest), s.mode, 8) || !number(token(rest), s.uid) || !number(token(rest), s.gid) ||
        !number(token(rest), s.size) || !number(token(rest), s.inode) || !number(token(rest), s.mtime_ns) ||
        !number(token(rest), s.ctime_ns))
      return bad("malformed numbers");
    hash = token(rest);
    if (hash == "too-large") s.too_large = true;
    else if (is_hex64(hash)) s.sha256.assign(hash);
    else if (hash != "-") return bad("malformed sha256");
    if (rest.empty() || rest.find(' ') != std::string_view::npos || !unescape(rest, path) || path.empty())
      return bad("malformed path");
    if (!out.emplace(path, std::move(s)).second) return bad("path listed twice");
    pos = eol + 1;
  }
  out.clear();
  return Status::error("line " + std::to_string(line_no + 1) + ": cut short (no end line)");
}

Status save_baseline(const Baseline& baseline, const std::filesystem::path& file) {
  return io::write_file_atomic(file, serialize_baseline(baseline));
}

Status load_baseline(const std::filesystem::path& file, Baseline& out, bool& found) {
  out.clear();
  found = false;
  int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return Status();
    return os_error("cannot open", file);
  }
  found = true;
  std::string data;
  char buf[1 << 16];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      Status s = os_error("cannot read", file);
      ::close(fd);
      return s;
    }
    if (n == 0) break;
    if (data.size() + static_cast<size_t>(n) > kMaxBaselineBytes) {
      ::close(fd);
      return Status::error(file.string() + ": larger than 1 GiB, refused");
    }
    data.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  Status s = parse_baseline(data, out);
  if (!s.ok()) return Status::error(file.string() + ": " + s.message());
  return Status();
}

}  // namespace vigil

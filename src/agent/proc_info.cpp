// Reading one process out of /proc (see proc_info.h).
#include "agent/proc_info.h"

#include <fcntl.h>
#include <pwd.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <vector>

namespace vigil {
namespace {

// Reads up to `cap` bytes of a /proc file (their size says 0, so stat is no help).
// Returns false with errno's text in `error` when it can't be opened.
bool read_small_file(const std::string& path, size_t cap, std::string& out, bool& truncated, std::string& error) {
  out.clear();
  truncated = false;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    error = path + ": " + std::strerror(errno);
    return false;
  }
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      error = path + ": " + std::strerror(errno);
      ::close(fd);
      return false;
    }
    if (n == 0) break;
    size_t room = cap - out.size();
    if (static_cast<size_t>(n) > room) {
      out.append(buf, room);
      truncated = true;
      break;
    }
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return true;
}

bool read_link(const std::string& path, std::string& out, std::string& error) {
  char buf[4096];
  ssize_t n = ::readlink(path.c_str(), buf, sizeof(buf));
  if (n < 0) {
    error = path + ": " + std::strerror(errno);
    return false;
  }
  out.assign(buf, static_cast<size_t>(n));
  return true;
}

void note(std::string& error, const std::string& what) {
  if (!error.empty()) error += "; ";
  error += what;
}

bool needs_quotes(std::string_view arg) {
  if (arg.empty()) return true;
  for (char c : arg)
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f' || c == '\'' || c == '"' ||
        c == '\\')
      return true;
  return false;
}

bool parse_int(std::string_view t, int64_t& v) {
  while (!t.empty() && (t.front() == ' ' || t.front() == '\t')) t.remove_prefix(1);
  size_t end = 0;
  while (end < t.size() && t[end] >= '0' && t[end] <= '9') ++end;
  if (end == 0) return false;
  auto r = std::from_chars(t.data(), t.data() + end, v);
  return r.ec == std::errc();
}

// "123\t456\t..." -> the first two numbers.
bool parse_two(std::string_view t, int64_t& a, int64_t& b) {
  if (!parse_int(t, a)) return false;
  size_t i = 0;
  while (i < t.size() && (t[i] == ' ' || t[i] == '\t')) ++i;
  while (i < t.size() && t[i] >= '0' && t[i] <= '9') ++i;
  return parse_int(t.substr(i), b);
}

}  // namespace

void join_cmdline(std::string_view raw, std::string& cmd_line, std::string* args_json) {
  cmd_line.clear();
  if (args_json) args_json->assign("[");
  if (!raw.empty() && raw.back() == '\0') raw.remove_suffix(1);
  bool first = true;
  size_t pos = 0;
  while (pos <= raw.size() && !raw.empty()) {
    size_t nul = raw.find('\0', pos);
    if (nul == std::string_view::npos) nul = raw.size();
    std::string_view arg = raw.substr(pos, nul - pos);
    if (!first) cmd_line += ' ';
    if (args_json && !first) *args_json += ',';
    first = false;
    if (needs_quotes(arg)) {
      cmd_line += '\'';
      for (char c : arg) {
        if (c == '\'') cmd_line += "'\\''";
        else cmd_line += c;
      }
      cmd_line += '\'';
    } else {
      cmd_line.append(arg);
    }
    if (args_json) append_json_string(*args_json, arg);
    pos = nul + 1;
    if (nul == raw.size()) break;
  }
  if (args_json) *args_json += ']';
}

bool parse_proc_status(std::string_view status, ProcInfo& info) {
  bool have_ppid = false, have_uid = false;
  while (!status.empty()) {
    size_t eol = status.find('\n');
    std::string_view line = status.substr(0, eol);
    status.remove_prefix(eol == std::string_view::npos ? status.size() : eol + 1);
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view key = line.substr(0, colon), value = line.substr(colon + 1);
    int64_t a = 0, b = 0;
    if (key == "PPid" && parse_int(value, a) && a <= INT32_MAX) {
      info.ppid = static_cast<int>(a);
      have_ppid = true;
    } else if (key == "Uid" && parse_two(value, a, b)) {
      info.ruid = a;
      info.euid = b;
      have_uid = true;
    } else if (key == "Gid" && parse_two(value, a, b)) {
      info.rgid = a;
      info.egid = b;
    } else if (key == "Name") {
      while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
      info.comm.assign(value);
    }
  }
  return have_ppid && have_uid;
}

bool read_proc_info(int pid, ProcInfo& info, const std::string& proc_root) {
  info = ProcInfo{};
  info.pid = pid;
  std::string dir = proc_root + "/" + std::to_string(pid);
  std::string text, error;
  bool truncated = false;
  if (!read_small_file(dir + "/status", 16 * 1024, text, truncated, error)) {
    info.error = "process gone before it could be read (" + error + ")";
    return false;
  }
  if (!parse_proc_status(text, info)) note(info.error, dir + "/status: no PPid/Uid line");
  error.clear();
  if (!read_link(dir + "/exe", info.exe, error)) note(info.error, error);
  error.clear();
  if (!read_link(dir + "/cwd", info.cwd, error)) note(info.error, error);
  error.clear();
  if (read_small_file(dir + "/cmdline", kMaxCmdLineBytes, text, truncated, error)) {
    join_cmdline(text, info.cmd_line, &info.args_json);
    info.cmd_line_truncated = truncated;
  } else {
    note(info.error, error);
  }
  return true;
}

const std::string& UserNames::name(int64_t uid) {
  auto it = cache_.find(uid);
  if (it != cache_.end()) return it->second;
  std::string found;
  if (uid >= 0) {
    struct passwd pw, *result = nullptr;
    std::vector<char> buf(16 * 1024);
    if (::getpwuid_r(static_cast<uid_t>(uid), &pw, buf.data(), buf.size(), &result) == 0 && result)
      found = result->pw_name;
  }
  // Bounded: a uid storm (containers with remapped ids) must not grow this forever.
  if (cache_.size() > 4096) cache_.clear();
  return cache_.emplace(uid, std::move(found)).first->second;
}

}  // namespace vigil

// What the CLI tests share: a temporary folder, files written and read whole, and
// the real `vigil` binary run with arguments, its exit code and output captured.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace vigil::test {

namespace fs = std::filesystem;

struct TempDir {
  fs::path path;
  TempDir() {
    static int n = 0;
    path = fs::temp_directory_path() / ("vigil-cli-" + std::to_string(::getpid()) + "-" + std::to_string(n++));
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

inline void write(const fs::path& p, std::string_view text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << text;
}

inline std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// For the shell: 'it''s' style single quotes.
inline std::string quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

struct VigilRun {
  int exit_code = -1;
  std::string out, err;
};

// Runs the vigil binary (VIGIL_BINARY) with `args`; stdout and stderr captured.
inline VigilRun vigil(const std::vector<std::string>& args) {
  TempDir tmp;
  std::string cmd = quote(VIGIL_BINARY);
  for (const auto& a : args) cmd += " " + quote(a);
  cmd += " >" + quote((tmp.path / "out").string()) + " 2>" + quote((tmp.path / "err").string());
  VigilRun r;
  const int status = std::system(cmd.c_str());
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = slurp(tmp.path / "out");
  r.err = slurp(tmp.path / "err");
  return r;
}

}  // namespace vigil::test

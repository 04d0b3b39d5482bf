// File integrity monitoring: inotify plus rescans against the baseline, OCSF File
// System Activity events (see fim_collector.h).
#include "agent/fim_collector.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <optional>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "agent/collector_thread.h"
#include "agent/fim_baseline.h"
#include "agent/proc_info.h"
#include "agent/sha256_file.h"
#include "core/glob.h"
#include "core/time.h"

namespace vigil {
namespace {

namespace fs = std::filesystem;

struct Ids {
#define F(member, name) FieldId member = field_id(name);
  F(class_uid, "class_uid")
  F(category_uid, "category_uid")
  F(activity_id, "activity_id")
  F(type_uid, "type_uid")
  F(severity_id, "severity_id")
  F(product_name, "metadata.product.name")
  F(vendor_name, "metadata.product.vendor_name")
  F(log_name, "metadata.log_name")
  F(device_hostname, "device.hostname")
  F(device_os_type_id, "device.os.type_id")
  F(path, "file.path")
  F(name, "file.name")
  F(parent_folder, "file.parent_folder")
  F(type_id, "file.type_id")
  F(size, "file.size")
  F(modified_time, "file.modified_time")
  F(owner_uid, "file.owner.uid")
  F(owner_name, "file.owner.name")
  F(hash_algorithm_id, "file.hashes.algorithm_id")
  F(hash_algorithm, "file.hashes.algorithm")
  F(hash_value, "file.hashes.value")
  F(mode, "unmapped.fim.mode")
  F(uid, "unmapped.fim.uid")
  F(gid, "unmapped.fim.gid")
  F(inode, "unmapped.fim.inode")
  F(changed, "unmapped.fim.changed")
  F(detected_by, "unmapped.fim.detected_by")
  F(hash_skipped, "unmapped.fim.hash_skipped")
  F(prev_mode, "unmapped.fim.prev.mode")
  F(prev_uid, "unmapped.fim.prev.uid")
  F(prev_gid, "unmapped.fim.prev.gid")
  F(prev_size, "unmapped.fim.prev.size")
  F(prev_sha256, "unmapped.fim.prev.sha256")
#undef F
};

const Ids& ids() {
  static const Ids i;
  return i;
}

constexpr int kCreate = 1, kUpdate = 3, kDelete = 4, kSetAttributes = 6;

// OCSF file.type_id.
int type_id_of(uint32_t mode) {
  switch (mode & S_IFMT) {
    case S_IFREG: return 1;
    case S_IFDIR: return 2;
    case S_IFCHR: return 3;
    case S_IFBLK: return 4;
    case S_IFSOCK: return 5;
    case S_IFIFO: return 6;
    case S_IFLNK: return 7;
  }
  return 0;
}

std::string octal_mode(uint32_t mode) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "%04o", mode & 07777);
  return buf;
}

struct Change {
  TimeNs time = 0;
  int activity = 0;
  std::string path;
  std::optional<FileState> before, after;
  std::string changed;      // "content,mode,uid,gid"
  std::string hash_note;
  const char* detected_by = "";
  std::string raw;
};

// Strips a trailing '/' and "." parts: roots and event paths must compare as text.
std::string normal(const std::string& p) {
  std::string s = fs::path(p).lexically_normal().string();
  while (s.size() > 1 && s.back() == '/') s.pop_back();
  return s;
}

bool under(const std::string& path, const std::string& dir) {
  if (dir == "/") return path.size() > 1 && path[0] == '/';
  return path.size() > dir.size() && path.compare(0, dir.size(), dir) == 0 && path[dir.size()] == '/';
}

void json_state(std::string& o, const char* key, const FileState& s) {
  o += ",\"";
  o += key;
  o += "\":{\"mode\":\"" + octal_mode(s.mode) + "\",\"type_id\":" + std::to_string(type_id_of(s.mode)) +
       ",\"uid\":" + std::to_string(s.uid) + ",\"gid\":" + std::to_string(s.gid) +
       ",\"size\":" + std::to_string(s.size) + ",\"inode\":" + std::to_string(s.inode) +
       ",\"mtime_ns\":" + std::to_string(s.mtime_ns);
  if (!s.sha256.empty()) o += ",\"sha256\":\"" + s.sha256 + "\"";
  o += "}";
}

class FimCollector final : public Collector {
 public:
  explicit FimCollector(const FimCollectorOptions& o) : options_(o), worker_(o.queue_capacity) {
    for (const std::string& p : options_.paths)
      if (!p.empty()) roots_.push_back(normal(p));
    if (options_.rescan_interval_s < 0.05) options_.rescan_interval_s = 0.05;
  }
  ~FimCollector() override { stop(); }

  std::string_view name() const override { return "fim"; }

  Status start(const CollectorContext& context) override {
    if (worker_.running()) return Status::error("fim collector already started");
    if (roots_.empty()) return Status::error("fim: no paths to monitor (fim.paths is empty)");
    for (const std::string& r : roots_)
      if (r.empty() || r[0] != '/') return Status::error("fim: path \"" + r + "\" is not absolute");
    hostname_ = context.hostname;
    std::error_code ec;
    fs::path dir = context.state_dir / "fim";
    fs::create_directories(dir, ec);
    if (ec) return Status::error("fim: cannot create state folder " + dir.string() + ": " + ec.message());
    baseline_file_ = dir / "baseline";
    bool found = false;
    Status s = load_baseline(baseline_file_, baseline_, found);
    if (!s.ok()) {
      // Rebuilt by the first scan; what changed meanwhile is not known, and that is said.
      note_error("fim: baseline unusable, rebuilding it without reporting: " + s.message());
      found = false;
    }
    silent_first_scan_ = !found;
    if (Status o = worker_.open("fim"); !o.ok()) return o;
    std::string mode = "rescan";
    if (options_.inotify) {
      inotify_fd_ = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
      if (inotify_fd_ >= 0) mode = "inotify+rescan";
      else note_error(std::string("fim: inotify unavailable, rescans only: ") + std::strerror(errno));
    }
    worker_.set_mode(mode.c_str());
    worker_.run([this] { run(); });
    return Status();
  }

  void poll(EventBatch& out) override {
    worker_.drain([&](const Change& c) { append(c, out); });
  }

  void stop() override {
    worker_.stop();
    if (inotify_fd_ >= 0) ::close(inotify_fd_);
    inotify_fd_ = -1;
  }

  CollectorStats stats() const override { return worker_.stats(); }

 private:
  void note_error(const std::string& what) { worker_.note_error(what); }

  bool excluded(const std::string& path) const {
    std::string_view name = std::string_view(path).substr(path.rfind('/') + 1);
    for (const std::string& g : options_.exclude)
      if (glob_match(g, path) || glob_match(g, name)) return true;
    return false;
  }

  bool monitored(const std::string& path) const {
    if (excluded(path)) return false;
    for (const std::string& r : roots_)
      if (path == r || under(path, r)) return true;
    return false;
  }

  // ---- the worker thread --------------------------------------------------------

  void run() {
    const TimeNs interval = static_cast<TimeNs>(options_.rescan_interval_s * kNsPerSec);
    full_scan(!silent_first_scan_, "rescan");
    save();
    TimeNs next_scan = now_ns() + interval;
    std::vector<pollfd> fds{{worker_.stop_fd(), POLLIN, 0}};
    if (inotify_fd_ >= 0) fds.push_back({inotify_fd_, POLLIN, 0});
    for (;;) {
      TimeNs wait = next_scan - now_ns();
      int timeout_ms = wait <= 0 ? 0 : static_cast<int>(std::min<TimeNs>(wait / 1'000'000 + 1, 1000));
      if (dirty_ && now_ns() - last_save_ > 2 * kNsPerSec) save();
      int r = ::poll(fds.data(), fds.size(), timeout_ms);
      if (r < 0 && errno != EINTR) {
        note_error(std::string("fim: poll: ") + std::strerror(errno));
        break;
      }
      if (fds[0].revents) break;
      if (fds.size() > 1 && fds[1].revents && read_inotify()) next_scan = 0;  // overflow: rescan now
      if (now_ns() >= next_scan) {
        full_scan(true, "rescan");
        save();
        next_scan = now_ns() + interval;
      }
    }
    save();
  }

  void save() {
    Status s = save_baseline(baseline_, baseline_file_);
    if (!s.ok()) note_error("fim: " + s.message());
    dirty_ = false;
    last_save_ = now_ns();
  }

  void watch(const std::string& dir) {
    if (inotify_fd_ < 0) return;
    constexpr uint32_t kMask = IN_CREATE | IN_CLOSE_WRITE | IN_DELETE | IN_ATTRIB | IN_MOVED_FROM | IN_MOVED_TO |
                               IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR | IN_DONT_FOLLOW | IN_EXCL_UNLINK;
    int wd = ::inotify_add_watch(inotify_fd_, dir.c_str(), kMask);
    if (wd < 0) {
      if (errno != ENOENT && errno != ENOTDIR && !watch_error_noted_) {
        watch_error_noted_ = true;  // once: a watch limit would repeat it for every folder
        note_error("fim: cannot watch " + dir + " (" + std::strerror(errno) + "); rescans still cover it");
      }
      return;
    }
    watches_[wd] = dir;
  }

  // Reads every queued inotify event and checks the paths they name. True on a
  // queue overflow (events were lost: the caller rescans).
  bool read_inotify() {
    alignas(inotify_event) char buf[64 * 1024];
    bool overflow = false;
    std::set<std::string> paths;  // each path checked once per wake-up
    for (;;) {
      ssize_t n = ::read(inotify_fd_, buf, sizeof(buf));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      for (ssize_t off = 0; off + static_cast<ssize_t>(sizeof(inotify_event)) <= n;) {
        auto* ev = reinterpret_cast<inotify_event*>(buf + off);
        off += static_cast<ssize_t>(sizeof(inotify_event) + ev->len);
        if (off > n) break;
        if (ev->mask & IN_Q_OVERFLOW) {
          overflow = true;
          continue;
        }
        auto it = watches_.find(ev->wd);
        if (it == watches_.end()) continue;
        std::string path = it->second;
        if (ev->mask & IN_IGNORED) {
          watches_.erase(it);
          continue;
        }
        if (ev->len > 0) {
          size_t len = ::strnlen(ev->name, ev->len);
          path = path == "/" ? "/" + std::string(ev->name, len) : path + "/" + std::string(ev->name, len);
        }
        if (ev->mask & IN_MOVE_SELF) {
          // The folder now lives elsewhere: its watch would name the wrong paths.
          ::inotify_rm_watch(inotify_fd_, ev->wd);
          watches_.erase(it);
        }
        paths.insert(std::move(path));
      }
    }
    for (const std::string& p : paths)
      if (monitored(p)) check(p, "inotify");
    return overflow;
  }

  // ---- comparing against the baseline -------------------------------------------

  // lstat plus the hash, reusing the baseline's hash when nothing that a write
  // changes (size, mtime, ctime, inode) has changed.
  std::optional<FileState> observe(const std::string& path, std::string& hash_note) {
    struct stat st;
    if (::lstat(path.c_str(), &st) != 0) return std::nullopt;
    FileState s;
    s.mode = st.st_mode;
    s.uid = st.st_uid;
    s.gid = st.st_gid;
    s.size = static_cast<uint64_t>(st.st_size);
    s.inode = st.st_ino;
    s.mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * kNsPerSec + st.st_mtim.tv_nsec;
    s.ctime_ns = static_cast<int64_t>(st.st_ctim.tv_sec) * kNsPerSec + st.st_ctim.tv_nsec;
    if (!S_ISREG(st.st_mode)) return s;
    auto it = baseline_.find(path);
    if (it != baseline_.end() && it->second.size == s.size && it->second.mtime_ns == s.mtime_ns &&
        it->second.ctime_ns == s.ctime_ns && it->second.inode == s.inode && it->second.mode == s.mode) {
      s.sha256 = it->second.sha256;
      s.too_large = it->second.too_large;
      return s;
    }
    Result<FileDigest> d = sha256_file(path, options_.max_hash_bytes);
    if (!d.ok()) {
      hash_note = d.error();
    } else if (d->too_large) {
      s.too_large = true;
      hash_note = "larger than max_hash_bytes (" + std::to_string(options_.max_hash_bytes) + ")";
    } else {
      s.sha256 = std::move(d->sha256);
    }
    return s;
  }

  // Compares `path` now with the baseline, records a change, updates the baseline.
  void compare(const std::string& path, std::optional<FileState> now, const std::string& hash_note, bool report,
               const char* how) {
    auto it = baseline_.find(path);
    std::optional<FileState> before;
    if (it != baseline_.end()) before = it->second;
    if (!now && !before) return;
    Change c;
    if (!before) {
      c.activity = kCreate;
    } else if (!now) {
      c.activity = kDelete;
    } else {
      const FileState &a = *before, &b = *now;
      bool content = false;
      if ((a.mode & S_IFMT) != (b.mode & S_IFMT)) content = true;
      else if (S_ISREG(b.mode)) {
        if (!a.sha256.empty() && !b.sha256.empty()) content = a.sha256 != b.sha256;
        else content = a.size != b.size || a.mtime_ns != b.mtime_ns;  // not hashed: size and time say
      } else if (S_ISLNK(b.mode)) {
        content = a.size != b.size || a.inode != b.inode;
      }
      auto add = [&](const char* what) {
        if (!c.changed.empty()) c.changed += ',';
        c.changed += what;
      };
      if (content) add("content");
      if ((a.mode & 07777) != (b.mode & 07777)) add("mode");
      if (a.uid != b.uid) add("uid");
      if (a.gid != b.gid) add("gid");
      if (c.changed.empty()) {
        if (!(a == b)) {
          it->second = b;  // times or inode only: nothing to report, but keep the hash cache right
          dirty_ = true;
        }
        return;
      }
      c.activity = content ? kUpdate : kSetAttributes;
    }
    if (now) baseline_[path] = *now;
    else baseline_.erase(path);
    dirty_ = true;
    if (!report) return;
    c.time = now_ns();
    c.path = path;
    c.before = std::move(before);
    c.after = std::move(now);
    c.hash_note = hash_note;
    c.detected_by = how;
    build_raw(c);
    worker_.push(std::move(c));
  }

  // Everything under `dir` in the baseline that `seen` lacks is gone.
  void deleted_under(const std::string& dir, const std::unordered_set<std::string>* seen, bool report,
                     const char* how) {
    std::vector<std::string> gone;
    std::string prefix = dir == "/" ? "/" : dir + "/";
    for (auto it = baseline_.lower_bound(prefix); it != baseline_.end() && it->first.compare(0, prefix.size(), prefix) == 0;
         ++it)
      if (!seen || !seen->count(it->first)) gone.push_back(it->first);
    for (const std::string& p : gone) compare(p, std::nullopt, "", report, how);
  }

  // One path an inotify event named (or a folder found new): a folder that appears
  // is watched and walked, since what was made in it before the watch was added
  // raised no event; a path that vanished takes what was under it along.
  void check(const std::string& path, const char* how) {
    std::string note;
    std::optional<FileState> now = observe(path, note);
    bool was_dir = false;
    if (auto it = baseline_.find(path); it != baseline_.end()) was_dir = S_ISDIR(it->second.mode);
    if (!now || !S_ISDIR(now->mode)) {
      if (was_dir) deleted_under(path, nullptr, true, how);
      compare(path, std::move(now), note, true, how);
      return;
    }
    compare(path, std::move(now), note, true, how);
    if (!was_dir) scan_tree(path, true, how, nullptr);
  }

  // Walks `top` (a root or a new folder): every entry compared, every folder watched.
  void scan_tree(const std::string& top, bool report, const char* how, std::unordered_set<std::string>* seen) {
    std::string note;
    std::optional<FileState> top_state = observe(top, note);
    if (excluded(top)) return;
    if (seen && top_state) seen->insert(top);
    compare(top, top_state, note, report, how);
    if (!top_state || !S_ISDIR(top_state->mode)) {
      // A single file: its folder's watch tells about it.
      if (top_state || !seen) watch_parent_of(top);
      return;
    }
    watch(top);
    std::error_code ec;
    fs::recursive_directory_iterator it(top, fs::directory_options::skip_permission_denied, ec), end;
    if (ec) {
      note_error("fim: cannot read " + top + ": " + ec.message());
      return;
    }
    for (; it != end; it.increment(ec)) {
      if (ec) {
        note_error("fim: walking " + top + ": " + ec.message());
        ec.clear();
        break;
      }
      std::string path = it->path().string();
      if (excluded(path)) {
        if (it->is_directory(ec) && !it->is_symlink(ec)) it.disable_recursion_pending();
        continue;
      }
      std::string hash_note;
      std::optional<FileState> st = observe(path, hash_note);
      if (!st) continue;  // gone between readdir and lstat: the next event or scan says so
      if (seen) seen->insert(path);
      bool dir = S_ISDIR(st->mode);
      compare(path, std::move(st), hash_note, report, how);
      if (dir) watch(path);
    }
  }

  void watch_parent_of(const std::string& file) {
    size_t slash = file.rfind('/');
    watch(slash == 0 ? "/" : file.substr(0, slash));
  }

  void full_scan(bool report, const char* how) {
    std::unordered_set<std::string> seen;
    for (const std::string& root : roots_) {
      scan_tree(root, report, how, &seen);
      if (!seen.count(root)) {
        watch_parent_of(root);  // so its creation is seen
        compare(root, std::nullopt, "", report, how);
      }
      deleted_under(root, &seen, report, how);
    }
    // Entries no root covers any more (the configuration changed): not file changes.
    for (auto it = baseline_.begin(); it != baseline_.end();) {
      if (!monitored(it->first)) {
        it = baseline_.erase(it);
        dirty_ = true;
      } else {
        ++it;
      }
    }
  }

  // ---- events -------------------------------------------------------------------

  static const char* action_name(int activity) {
    switch (activity) {
      case kCreate: return "create";
      case kUpdate: return "update";
      case kDelete: return "delete";
      case kSetAttributes: return "set_attributes";
    }
    return "other";
  }

  static void build_raw(Change& c) {
    std::string& o = c.raw;
    o = "{\"path\":";
    append_json_string(o, c.path);
    o += ",\"action\":\"";
    o += action_name(c.activity);
    o += "\",\"detected_by\":\"";
    o += c.detected_by;
    o += "\"";
    if (!c.changed.empty()) o += ",\"changed\":\"" + c.changed + "\"";
    if (c.before) json_state(o, "before", *c.before);
    if (c.after) json_state(o, "after", *c.after);
    if (!c.hash_note.empty()) {
      o += ",\"hash_skipped\":";
      append_json_string(o, c.hash_note);
    }
    o += "}";
  }

  void append(const Change& c, EventBatch& out) {
    const Ids& f = ids();
    out.begin_event({.receive_time = now_ns(), .raw = c.raw, .source = hostname_, .input = "agent"});
    out.set_time(c.time);
    out.add_int(f.class_uid, 1001);
    out.add_int(f.category_uid, 1);
    out.add_int(f.activity_id, c.activity);
    out.add_int(f.type_uid, 100100 + c.activity);
    out.add_int(f.severity_id, 1);
    out.add_string(f.product_name, "Vigil Agent");
    out.add_string(f.vendor_name, "Vigil");
    out.add_string(f.log_name, "fim");
    if (!hostname_.empty()) out.add_string(f.device_hostname, hostname_);
    out.add_int(f.device_os_type_id, 200);  // Linux
    out.add_string(f.path, c.path);
    size_t slash = c.path.rfind('/');
    out.add_string(f.name, std::string_view(c.path).substr(slash + 1));
    out.add_string(f.parent_folder, slash == 0 ? std::string_view("/") : std::string_view(c.path).substr(0, slash));
    // A Delete describes the file as it was; everything else as it is now.
    const FileState& s = c.after ? *c.after : *c.before;
    out.add_int(f.type_id, type_id_of(s.mode));
    out.add_int(f.size, static_cast<int64_t>(s.size));
    out.add_time(f.modified_time, s.mtime_ns);
    out.add_string(f.owner_uid, std::to_string(s.uid));
    if (const std::string& owner = users_.name(s.uid); !owner.empty()) out.add_string(f.owner_name, owner);
    if (!s.sha256.empty()) {
      out.add_int(f.hash_algorithm_id, 3);
      out.add_string(f.hash_algorithm, "SHA-256");
      out.add_string(f.hash_value, s.sha256);
    }
    out.add_string(f.mode, octal_mode(s.mode));
    out.add_int(f.uid, s.uid);
    out.add_int(f.gid, s.gid);
    out.add_int(f.inode, static_cast<int64_t>(s.inode));
    if (!c.changed.empty()) out.add_string(f.changed, c.changed);
    out.add_string(f.detected_by, c.detected_by);
    if (!c.hash_note.empty()) out.add_string(f.hash_skipped, c.hash_note);
    else if (s.too_large) out.add_string(f.hash_skipped, "larger than max_hash_bytes");
    if (c.before && c.after) {
      out.add_string(f.prev_mode, octal_mode(c.before->mode));
      out.add_int(f.prev_uid, c.before->uid);
      out.add_int(f.prev_gid, c.before->gid);
      out.add_int(f.prev_size, static_cast<int64_t>(c.before->size));
      if (!c.before->sha256.empty()) out.add_string(f.prev_sha256, c.before->sha256);
    }
    out.end_event();
  }

  FimCollectorOptions options_;
  std::vector<std::string> roots_;
  std::string hostname_;
  fs::path baseline_file_;
  int inotify_fd_ = -1;

  // The worker thread's own (and start()/stop()'s, when it is not running).
  Baseline baseline_;
  bool silent_first_scan_ = false;
  bool dirty_ = false;
  bool watch_error_noted_ = false;
  TimeNs last_save_ = 0;
  std::unordered_map<int, std::string> watches_;

  UserNames users_;  // poll()'s
  CollectorThread<Change> worker_;  // last: its destructor joins the thread first
};

}  // namespace

std::unique_ptr<Collector> make_fim_collector(const FimCollectorOptions& options) {
  return std::make_unique<FimCollector>(options);
}

}  // namespace vigil

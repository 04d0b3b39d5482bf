// The manifest chain: entry format, the strict reader the store opens with, the signing
// writer, and crash recovery of segment files (format and guarantees in manifest.h;
// `vigil verify` is in manifest_verify.cpp).
#include "store/manifest.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <openssl/evp.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <set>

#include "store/crc32c.h"
#include "store/ed25519.h"
#include "store/io.h"

namespace vigil::manifest {

namespace fs = std::filesystem;

// ---------------------------------------------------------------- digests

namespace {

// Fetched once: OpenSSL 3 looks an implicitly named algorithm up (under a lock) on every use.
const EVP_MD* sha256_md() {
  static EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return md ? md : EVP_sha256();
}

}  // namespace

Digest sha256(std::string_view bytes) {
  Digest d{};
  unsigned int n = 0;
  EVP_Digest(bytes.data(), bytes.size(), d.data(), &n, sha256_md(), nullptr);
  return d;
}

std::string to_hex(const Digest& d) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(64);
  for (uint8_t b : d) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 15]);
  }
  return out;
}

std::optional<Digest> from_hex(std::string_view hex) {
  if (hex.size() != 64) return std::nullopt;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  Digest d{};
  for (size_t i = 0; i < 32; ++i) {
    int hi = nibble(hex[2 * i]), lo = nibble(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    d[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return d;
}

Result<Digest> sha256_file(const fs::path& path, uint64_t* size, const std::function<void(uint64_t)>& on_bytes) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return io::os_error("cannot open", path, errno);
  std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  if (!ctx || EVP_DigestInit_ex(ctx.get(), sha256_md(), nullptr) != 1) {
    ::close(fd);
    return Status::error("cannot start SHA-256 (OpenSSL)");
  }
  std::string buf(1 << 20, '\0');
  uint64_t total = 0;
  for (;;) {
    ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      return io::os_error("cannot read", path, err);
    }
    if (n == 0) break;
    EVP_DigestUpdate(ctx.get(), buf.data(), static_cast<size_t>(n));
    total += static_cast<uint64_t>(n);
    if (on_bytes) on_bytes(static_cast<uint64_t>(n));
  }
  ::close(fd);
  Digest d{};
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx.get(), d.data(), &len);
  if (size) *size = total;
  return d;
}

// ---------------------------------------------------------------- framing

namespace {

// The record at `off` if it is intact; its payload length in `len`.
bool intact_at(std::string_view data, size_t off, uint32_t& len) {
  if (data.size() - off < kFrameHeader) return false;
  const char* h = data.data() + off;
  if (crc32c::unmask(io::get_fixed32(h + 8)) != crc32c::extend(0, h, 8)) return false;
  len = io::get_fixed32(h);
  if (len == 0 || len > kMaxEntry || len > data.size() - off - kFrameHeader) return false;
  return crc32c::unmask(io::get_fixed32(h + 4)) == crc32c::extend(0, h + kFrameHeader, len);
}

}  // namespace

void append_frame(std::string& out, std::string_view payload) {
  std::string header;
  io::put_fixed32(header, static_cast<uint32_t>(payload.size()));
  io::put_fixed32(header, crc32c::mask(crc32c::value(payload)));
  io::put_fixed32(header, crc32c::mask(crc32c::value(header)));
  out += header;
  out.append(payload);
}

Frames split_frames(std::string_view data) {
  Frames f;
  size_t off = 0;
  while (off < data.size()) {
    uint32_t len = 0;
    if (intact_at(data, off, len)) {
      f.frames.push_back({off, data.substr(off + kFrameHeader, len)});
      off += kFrameHeader + len;
      continue;
    }
    size_t next = off + 1;
    while (next + kFrameHeader <= data.size() && !intact_at(data, next, len)) ++next;
    if (next + kFrameHeader > data.size()) {  // nothing intact after the damage: a torn tail
      f.torn_bytes = data.size() - off;
      break;
    }
    f.damage.push_back({off, next - off});
    off = next;
  }
  f.valid_bytes = data.size() - f.torn_bytes;
  return f;
}

// ---------------------------------------------------------------- entries

namespace {

constexpr uint8_t kVersion = 1;
constexpr size_t kAddedMin = 8 + 8 + 32 + 8 + 8 + 8 + 4;
constexpr size_t kRemovedMin = 8 + 1 + 4;

void put_digest(std::string& out, const Digest& d) { out.append(reinterpret_cast<const char*>(d.data()), d.size()); }
void put_text(std::string& out, std::string_view s) {
  io::put_fixed32(out, static_cast<uint32_t>(s.size()));
  out.append(s);
}

std::string encode_body(uint64_t index, const Digest& prev, TimeNs time, const Change& c) {
  std::string out;
  out.push_back(static_cast<char>(kVersion));
  io::put_fixed64(out, index);
  put_digest(out, prev);
  io::put_fixed64(out, static_cast<uint64_t>(time));
  io::put_fixed32(out, static_cast<uint32_t>(c.added.size()));
  for (const auto& a : c.added) {
    io::put_fixed64(out, a.seq);
    io::put_fixed64(out, a.bytes);
    put_digest(out, a.sha256);
    io::put_fixed64(out, a.events);
    io::put_fixed64(out, static_cast<uint64_t>(a.min_time));
    io::put_fixed64(out, static_cast<uint64_t>(a.max_time));
    put_text(out, a.partition);
  }
  io::put_fixed32(out, static_cast<uint32_t>(c.removed.size()));
  for (const auto& r : c.removed) {
    io::put_fixed64(out, r.seq);
    out.push_back(static_cast<char>(r.reason));
    put_text(out, r.detail);
  }
  return out;
}

// Bounds-checked little-endian reads; the first failure is kept in `error`.
struct Reader {
  std::string_view in;
  size_t pos = 0;
  std::string error;

  bool need(size_t n, const char* what) {
    if (!error.empty()) return false;
    if (in.size() - pos >= n) return true;
    error = fmt::format("the body ends at byte {} inside {}", in.size(), what);
    return false;
  }
  uint8_t u8(const char* what) { return need(1, what) ? static_cast<uint8_t>(in[pos++]) : 0; }
  uint32_t u32(const char* what) {
    if (!need(4, what)) return 0;
    pos += 4;
    return io::get_fixed32(in.data() + pos - 4);
  }
  uint64_t u64(const char* what) {
    if (!need(8, what)) return 0;
    pos += 8;
    return io::get_fixed64(in.data() + pos - 8);
  }
  Digest digest(const char* what) {
    Digest d{};
    if (!need(32, what)) return d;
    std::copy_n(reinterpret_cast<const uint8_t*>(in.data() + pos), 32, d.begin());
    pos += 32;
    return d;
  }
  std::string text(const char* what) {
    uint32_t n = u32(what);
    if (!error.empty()) return {};
    if (n > kMaxText) {
      error = fmt::format("{} is {} bytes long (at most {})", what, n, kMaxText);
      return {};
    }
    if (!need(n, what)) return {};
    pos += n;
    return std::string(in.substr(pos - n, n));
  }
  // A count of items of at least `min` bytes each that must fit in what is left.
  uint32_t count(size_t min, const char* what) {
    uint32_t n = u32(what);
    if (error.empty() && static_cast<uint64_t>(n) * min > in.size() - pos)
      error = fmt::format("{} {} cannot fit in the {} bytes left", what, n, in.size() - pos);
    return error.empty() ? n : 0;
  }
};

}  // namespace

Result<Entry> decode_entry(std::string_view payload, uint64_t offset) {
  constexpr size_t kSig = ed25519::kSignatureSize;
  if (payload.size() < kSig + 1) return Status::error(fmt::format("an entry of {} bytes is too short", payload.size()));
  Entry e;
  e.offset = offset;
  e.body = payload.substr(0, payload.size() - kSig);
  e.signature = payload.substr(payload.size() - kSig);
  e.hash = sha256(payload);
  Reader r{e.body};
  uint8_t version = r.u8("the version");
  if (r.error.empty() && version != kVersion)
    return Status::error(fmt::format("entry format version {} is not supported (written by a newer Vigil?)", version));
  e.index = r.u64("the index");
  e.prev = r.digest("the previous hash");
  e.change.time = static_cast<TimeNs>(r.u64("the time"));
  uint32_t added = r.count(kAddedMin, "added segments");
  e.change.added.reserve(added);
  for (uint32_t i = 0; i < added && r.error.empty(); ++i) {
    SegmentRecord a;
    a.seq = r.u64("a segment seq");
    a.bytes = r.u64("a segment size");
    a.sha256 = r.digest("a segment digest");
    a.events = r.u64("a segment's event count");
    a.min_time = static_cast<TimeNs>(r.u64("a segment's time range"));
    a.max_time = static_cast<TimeNs>(r.u64("a segment's time range"));
    a.partition = r.text("a partition");
    e.change.added.push_back(std::move(a));
  }
  uint32_t removed = r.count(kRemovedMin, "removals");
  e.change.removed.reserve(removed);
  for (uint32_t i = 0; i < removed && r.error.empty(); ++i) {
    Removal rm;
    rm.seq = r.u64("a removed seq");
    uint8_t reason = r.u8("a removal reason");
    if (r.error.empty() && reason != static_cast<uint8_t>(RemovalReason::Retention) &&
        reason != static_cast<uint8_t>(RemovalReason::Merged))
      r.error = fmt::format("removal of segment {} has unknown reason {}", rm.seq, reason);
    rm.reason = static_cast<RemovalReason>(reason);
    rm.detail = r.text("a removal detail");
    e.change.removed.push_back(std::move(rm));
  }
  if (r.error.empty() && r.pos != e.body.size())
    r.error = fmt::format("{} unexpected bytes after the last removal", e.body.size() - r.pos);
  if (!r.error.empty()) return Status::error(r.error);
  return e;
}

// Whether `c` can follow `st`: new segments are new, removed ones are live.
Status check_change(const ChainState& st, const Change& c) {
  std::set<uint64_t> added, removed;
  for (const auto& a : c.added) {
    if (a.partition.size() > kMaxText)
      return Status::error(fmt::format("segment {} has a partition of {} bytes (at most {})", a.seq, a.partition.size(), kMaxText));
    if (st.live.count(a.seq) || st.removed.count(a.seq) || !added.insert(a.seq).second)
      return Status::error(fmt::format("adds segment {}, which the chain already records", a.seq));
  }
  for (const auto& r : c.removed) {
    if (r.detail.size() > kMaxText)
      return Status::error(fmt::format("removal of segment {} has a detail of {} bytes (at most {})", r.seq, r.detail.size(), kMaxText));
    if (r.reason != RemovalReason::Retention && r.reason != RemovalReason::Merged)
      return Status::error(fmt::format("removal of segment {} has no valid reason", r.seq));
    if (added.count(r.seq)) return Status::error(fmt::format("removes segment {}, which it adds itself", r.seq));
    if (!removed.insert(r.seq).second) return Status::error(fmt::format("removes segment {} twice", r.seq));
    if (st.removed.count(r.seq)) return Status::error(fmt::format("removes segment {}, which was already removed", r.seq));
    if (!st.live.count(r.seq)) return Status::error(fmt::format("removes segment {}, which was never added", r.seq));
  }
  return {};
}

void apply_change(ChainState& st, const Change& c) {
  for (const auto& a : c.added) st.live[a.seq] = a;
  for (const auto& r : c.removed) {
    st.live.erase(r.seq);
    st.removed[r.seq] = r;
  }
}

Result<ChainState> read_chain(std::string_view data, const std::string& name) {
  Frames f = split_frames(data);
  if (!f.damage.empty()) {
    const auto& d = f.damage.front();
    return Status::error(fmt::format(
        "manifest {} is damaged at offset {}: {} bytes are not an intact entry, yet an intact entry follows at offset "
        "{}; refusing to open so that signed entries are not dropped — run `vigil verify` to see what is affected",
        name, d.offset, d.bytes, d.offset + d.bytes));
  }
  ChainState st;
  st.valid_bytes = f.valid_bytes;
  st.torn_bytes = f.torn_bytes;
  for (const auto& fr : f.frames) {
    auto e = decode_entry(fr.payload, fr.offset);
    if (!e.ok()) return Status::error(fmt::format("manifest {}: entry at offset {}: {}", name, fr.offset, e.error()));
    if (e->index != st.entries)
      return Status::error(fmt::format(
          "manifest {}: the entry at offset {} is entry {}, expected entry {}: entries were removed or reordered — run "
          "`vigil verify`",
          name, fr.offset, e->index, st.entries));
    if (e->prev != st.head)
      return Status::error(fmt::format(
          "manifest {}: entry {} at offset {} does not chain to the entry before it (its previous hash {} is not {}) — "
          "run `vigil verify`",
          name, e->index, fr.offset, to_hex(e->prev), to_hex(st.head)));
    if (Status s = check_change(st, e->change); !s.ok())
      return Status::error(fmt::format("manifest {}: entry {} at offset {} {}", name, e->index, fr.offset, s.message()));
    apply_change(st, e->change);
    ++st.entries;
    st.head = e->hash;
    st.last_body = e->body;
    st.last_signature = e->signature;
  }
  return st;
}

// ---------------------------------------------------------------- Manifest

struct Manifest::Key {
  ed25519::Key key;
};

namespace {

// write_file_atomic() with a mode, for the private key (0600 whatever umask and leftovers say).
Status write_file_atomic_mode(const fs::path& path, std::string_view data, mode_t mode) {
  fs::path tmp = path;
  tmp += ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return io::os_error("cannot create", tmp, errno);
  Status s;
  if (::fchmod(fd, mode) != 0) s = io::os_error("cannot chmod", tmp, errno);
  if (s.ok()) s = io::write_all(fd, data, tmp);
  if (s.ok() && ::fsync(fd) != 0) s = io::os_error("cannot fsync", tmp, errno);
  ::close(fd);
  if (s.ok() && ::rename(tmp.c_str(), path.c_str()) != 0) s = io::os_error("cannot rename to " + path.string(), tmp, errno);
  if (!s.ok()) {
    ::unlink(tmp.c_str());
    return s;
  }
  return io::sync_dir(path.parent_path());
}

bool present(const fs::path& p) {
  std::error_code ec;
  return fs::exists(p, ec);
}

Result<ed25519::Key> load_or_create_key(const fs::path& dir, const ChainState& st) {
  fs::path key_path = dir / kKeyFile, pub_path = dir / kPubFile, chain = dir / kChainFile;
  if (!present(key_path)) {
    if (st.entries > 0)
      return Status::error(fmt::format(
          "manifest {} has {} entries but the key that signs them, {}, is missing: restore it from a backup (a new key "
          "would not match the chain's signatures)",
          chain.string(), st.entries, key_path.string()));
    auto key = ed25519::Key::generate();
    if (!key.ok()) return key.status();
    auto pem = key->private_pem();
    if (!pem.ok()) return pem.status();
    if (Status s = write_file_atomic_mode(key_path, *pem, 0600); !s.ok()) return s;
    if (Status s = write_file_atomic_mode(pub_path, key->public_pem(), 0644); !s.ok()) return s;
    spdlog::info("manifest: created signing key {} ({}); keep a copy of {} off this machine for `vigil verify --pubkey`",
                 key_path.string(), key->fingerprint(), pub_path.string());
    return key;
  }
  std::string pem;
  if (Status s = io::read_all(key_path, pem); !s.ok()) return s;
  auto key = ed25519::Key::from_private_pem(pem, key_path.string());
  if (!key.ok()) return key.status();
  if (present(pub_path)) {
    std::string pub_pem;
    if (Status s = io::read_all(pub_path, pub_pem); !s.ok()) return s;
    auto pub = ed25519::Key::from_public_pem(pub_pem, pub_path.string());
    if (!pub.ok()) return pub.status();
    if (!pub->same_public(*key))
      return Status::error(fmt::format("{} ({}) is not the public key of {} ({}): one of them was replaced — run `vigil "
                                       "verify --pubkey` with your off-machine copy",
                                       pub_path.string(), pub->fingerprint(), key_path.string(), key->fingerprint()));
  } else {
    if (Status s = write_file_atomic_mode(pub_path, key->public_pem(), 0644); !s.ok()) return s;
  }
  return key;
}

Status make_dir(const fs::path& p, bool& created) {
  std::error_code ec;
  created = fs::create_directories(p, ec);
  if (ec) return Status::error(fmt::format("cannot create directory {}: {}", p.string(), ec.message()));
  return {};
}

}  // namespace

Result<std::unique_ptr<Manifest>> Manifest::open(const fs::path& dir, bool read_only) {
  std::unique_ptr<Manifest> m(new Manifest());
  m->dir_ = dir;
  m->read_only_ = read_only;
  fs::path chain = dir / kChainFile;
  if (!read_only) {
    bool made_manifest = false, made_keys = false;
    if (Status s = make_dir(dir / "manifest", made_manifest); !s.ok()) return s;
    if (Status s = make_dir(dir / "keys", made_keys); !s.ok()) return s;
    if (made_manifest || made_keys) {
      if (Status s = io::sync_dir(dir); !s.ok()) return s;
    }
  }
  bool chain_exists = present(chain);
  std::string data;
  if (chain_exists) {
    if (Status s = io::read_all(chain, data); !s.ok()) return s;
  }
  auto st = read_chain(data, chain.string());
  if (!st.ok()) return st.status();
  m->state_ = std::move(*st);

  if (read_only) {
    std::string pem;
    if (io::read_all(dir / kPubFile, pem).ok()) m->public_pem_ = std::move(pem);
  } else {
    auto key = load_or_create_key(dir, m->state_);
    if (!key.ok()) return key.status();
    if (m->state_.entries > 0) {
      std::string message(kSignContext);
      message += m->state_.last_body;
      if (!key->verify(message, m->state_.last_signature))
        return Status::error(fmt::format(
            "manifest {}: its last entry (entry {}) is not signed by {} ({}): the key was replaced or the chain was "
            "altered; refusing to append to it — run `vigil verify --pubkey` with your off-machine copy of the key",
            chain.string(), m->state_.entries - 1, (dir / kKeyFile).string(), key->fingerprint()));
    }
    m->public_pem_ = key->public_pem();
    m->key_ = std::make_unique<Key>(Key{std::move(*key)});
    if (m->state_.torn_bytes > 0) {
      spdlog::warn("manifest {}: cutting {} bytes of a torn last entry at offset {} (a commit cut by a crash, never "
                   "acknowledged)",
                   chain.string(), m->state_.torn_bytes, m->state_.valid_bytes);
      int fd = ::open(chain.c_str(), O_WRONLY | O_CLOEXEC);
      if (fd < 0) return io::os_error("cannot open", chain, errno);
      Status s;
      if (::ftruncate(fd, static_cast<off_t>(m->state_.valid_bytes)) != 0)
        s = io::os_error("cannot truncate", chain, errno);
      else if (::fsync(fd) != 0)
        s = io::os_error("cannot fsync", chain, errno);
      ::close(fd);
      if (!s.ok()) return s;
      m->state_.torn_bytes = 0;
    }
    m->fd_ = ::open(chain.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (m->fd_ < 0) return io::os_error("cannot open", chain, errno);
    if (!chain_exists) {
      if (Status s = io::sync_dir(chain.parent_path()); !s.ok()) return s;
    }
  }
  m->state_.last_body = {};  // views into `data`, about to go
  m->state_.last_signature = {};
  return m;
}

Manifest::~Manifest() {
  if (fd_ >= 0) ::close(fd_);
}

Status Manifest::commit(const Change& change) {
  fs::path chain = dir_ / kChainFile;
  if (read_only_) return Status::error("manifest " + chain.string() + " is open read-only: cannot commit");
  if (failed_)
    return Status::error("manifest " + chain.string() + ": an earlier write failed; reopen the store to recover");
  if (Status s = check_change(state_, change); !s.ok())
    return Status::error(fmt::format("manifest {}: commit refused: the change {}", chain.string(), s.message()));
  TimeNs time = change.time != 0 ? change.time : now_ns();
  std::string body = encode_body(state_.entries, state_.head, time, change);
  std::string message(kSignContext);
  message += body;
  auto sig = key_->key.sign(message);
  if (!sig.ok()) return sig.status();
  std::string payload = std::move(body);
  payload += *sig;
  if (payload.size() > kMaxEntry)
    return Status::error(fmt::format("manifest {}: commit refused: the change needs {} bytes (at most {})",
                                     chain.string(), payload.size(), kMaxEntry));
  std::string frame;
  append_frame(frame, payload);
  if (Status s = io::write_all(fd_, frame, chain); !s.ok()) {
    // Cut what may have been written, so that the next commit does not follow garbage.
    if (::ftruncate(fd_, static_cast<off_t>(state_.valid_bytes)) != 0) failed_ = true;
    return s;
  }
  if (::fdatasync(fd_) != 0) {
    failed_ = true;  // the page cache can no longer be trusted to match the disk
    return io::os_error("cannot fdatasync", chain, errno);
  }
  apply_change(state_, change);
  ++state_.entries;
  state_.head = sha256(payload);
  state_.valid_bytes += frame.size();
  return {};
}

Result<SegmentFiles> list_segment_files(const fs::path& dir) {
  SegmentFiles out;
  fs::path segdir = dir / kSegmentsDir;
  if (!present(segdir)) return out;
  std::error_code ec;
  for (fs::directory_iterator it(segdir, ec), end; !ec && it != end; it.increment(ec)) {
    std::string name = it->path().filename().string();
    uint64_t seq = 0;
    if (io::parse_seq_name(name, kSegmentSuffix, seq))
      out.by_seq[seq].sealed = true;
    else if (io::parse_seq_name(name, kPendingSuffix, seq))
      out.by_seq[seq].pending = true;
    else
      out.other.push_back(std::move(name));
  }
  if (ec) return Status::error(fmt::format("cannot list {}: {}", segdir.string(), ec.message()));
  return out;
}

Result<Manifest::Finished> Manifest::finish_pending() {
  if (read_only_) return Status::error("manifest is open read-only: cannot finish pending seals and removals");
  Finished f;
  fs::path segdir = dir_ / kSegmentsDir;
  auto listed = list_segment_files(dir_);
  if (!listed.ok()) return listed.status();
  const auto& files = listed->by_seq;
  auto leave = [&](std::string what) {
    spdlog::warn("manifest {}: {}; left alone for `vigil verify`", dir_.string(), what);
    f.left_alone.push_back(std::move(what));
  };
  bool changed = false;
  for (const auto& [seq, rec] : state_.live) {
    if (!files.count(seq)) leave(fmt::format("segment {} is recorded but has no file", seq));
  }
  for (const auto& [seq, have] : files) {
    fs::path sealed = segdir / io::seq_name(seq, kSegmentSuffix), pending = segdir / io::seq_name(seq, kPendingSuffix);
    if (auto it = state_.live.find(seq); it != state_.live.end()) {
      if (have.sealed && have.pending) {
        leave(fmt::format("segment {} has both {} and {}", seq, sealed.filename().string(), pending.filename().string()));
      } else if (have.pending) {
        uint64_t size = 0;
        auto d = sha256_file(pending, &size);
        if (!d.ok()) return d.status();
        if (*d != it->second.sha256 || size != it->second.bytes) {
          leave(fmt::format("{} does not hold the recorded content of segment {}", pending.filename().string(), seq));
          continue;
        }
        if (::rename(pending.c_str(), sealed.c_str()) != 0)
          return io::os_error("cannot rename to " + sealed.string(), pending, errno);
        spdlog::info("manifest {}: finished the seal of segment {} (renamed from {})", dir_.string(), seq,
                     pending.filename().string());
        ++f.seals_completed;
        changed = true;
      }
    } else if (state_.removed.count(seq)) {
      for (const auto& p : {sealed, pending}) {
        if ((p == sealed ? have.sealed : have.pending) && ::unlink(p.c_str()) != 0 && errno != ENOENT)
          return io::os_error("cannot delete", p, errno);
      }
      spdlog::info("manifest {}: finished the removal of segment {} ({})", dir_.string(), seq,
                   state_.removed[seq].detail);
      ++f.removals_completed;
      changed = true;
    } else {
      if (have.pending) {
        if (::unlink(pending.c_str()) != 0 && errno != ENOENT) return io::os_error("cannot delete", pending, errno);
        spdlog::info("manifest {}: deleted {}, a seal never committed (its events are still in the WAL)", dir_.string(),
                     pending.filename().string());
        ++f.uncommitted_deleted;
        changed = true;
      }
      if (have.sealed) leave(fmt::format("{} is not recorded in the manifest", sealed.filename().string()));
    }
  }
  if (changed) {
    if (Status s = io::sync_dir(segdir); !s.ok()) return s;
  }
  return f;
}

}  // namespace vigil::manifest

// Integrity of the store: a SHA-256 digest of every sealed segment, chained into an
// append-only manifest whose entries are signed with an Ed25519 key kept in the data
// directory. `vigil verify` (verify() below) checks every segment file and the chain,
// and tells deletions made by retention or merge (recorded in the chain) from tampering.
//
// Files of a data directory DIR:
//   DIR/manifest/chain.log   the chain, appended to, never rewritten
//   DIR/keys/manifest.key    Ed25519 private key, PEM (PKCS#8), mode 0600, made at first open
//   DIR/keys/manifest.pub    its public key, PEM (SubjectPublicKeyInfo); keep a copy off-machine
//   DIR/segments/<seq>.vseg  segment files (opaque bytes here: only hashed)
//
// chain.log is a sequence of records framed like the WAL's (little-endian):
//   u32 length      payload bytes (1 .. kMaxEntry)
//   u32 crc         masked crc32c(payload)
//   u32 header_crc  masked crc32c(the 8 bytes above)
//   payload         body, then the 64-byte Ed25519 signature of kSignContext + body
// body (version 1):
//   u8  version = 1
//   u64 index                 0, 1, 2, ... : the entry's place in the chain
//   32  prev                  SHA-256 of the previous entry's payload; zeros for entry 0
//   i64 time                  commit time, ns since the epoch
//   u32 added count, then per segment:
//       u64 seq, u64 bytes, 32 sha256, u64 events, i64 min_time, i64 max_time,
//       u32 partition length, partition bytes
//   u32 removed count, then per removal:
//       u64 seq, u8 reason (1 retention, 2 merged), u32 detail length, detail bytes
// The head of the chain is the SHA-256 of the last entry's payload: it commits to every
// entry before it. The checksums only tell a torn tail (a commit cut by a crash, never
// acknowledged) from damage; the signatures and the prev links are what catch tampering.
//
// What each check proves, honestly:
//   - the key in DIR/keys signs; anyone who can read it can sign. Verifying against the
//     public key in DIR only catches damage and edits by someone who cannot read the key;
//   - --pubkey (a copy kept off-machine) catches a chain re-signed with a replaced key;
//   - an expected head (recorded off-machine) catches a chain cut at its tail together with
//     its segments, or rewritten with the stolen key, up to the time the head was recorded.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "core/time.h"

namespace vigil::ed25519 {
class Key;  // store/ed25519.h
}

namespace vigil::manifest {

using Digest = std::array<uint8_t, 32>;

Digest sha256(std::string_view bytes);
std::string to_hex(const Digest&);
// 64 hex digits (either case) to a digest.
std::optional<Digest> from_hex(std::string_view hex);
// Streams a file through SHA-256 (1 MiB reads); its size in `size`; `on_bytes`, if set,
// after each read with the bytes read (for progress).
Result<Digest> sha256_file(const std::filesystem::path& path, uint64_t* size = nullptr,
                           const std::function<void(uint64_t)>& on_bytes = {});

constexpr std::string_view kSegmentsDir = "segments";
constexpr std::string_view kSegmentSuffix = ".vseg";
constexpr std::string_view kPendingSuffix = ".vseg.tmp";  // written and synced, not yet committed/renamed
constexpr std::string_view kChainFile = "manifest/chain.log";
constexpr std::string_view kKeyFile = "keys/manifest.key";
constexpr std::string_view kPubFile = "keys/manifest.pub";
constexpr std::string_view kSignContext = "vigil manifest entry v1\n";  // signed before the body
constexpr size_t kFrameHeader = 12;
constexpr uint32_t kMaxEntry = 16u << 20;
constexpr size_t kMaxText = 4096;  // partition and removal detail

struct SegmentRecord {
  uint64_t seq = 0;       // segment sequence number; file is <dir>/segments/<io::seq_name(seq, ".vseg")>
  uint64_t bytes = 0;     // file size
  Digest sha256{};        // of the whole file
  std::string partition;  // e.g. "default/2026-11-22/3002/syslog-udp" (tenant/day/class/input)
  uint64_t events = 0;
  TimeNs min_time = 0, max_time = 0;
  bool operator==(const SegmentRecord&) const = default;
};

enum class RemovalReason : uint8_t { Retention = 1, Merged = 2 };
// detail: the policy ("authentication: 400 days") or "merged into 42".
struct Removal {
  uint64_t seq = 0;
  RemovalReason reason{};
  std::string detail;
  bool operator==(const Removal&) const = default;
};
// One entry of the chain: a merge (add the new segment, remove the old ones) is one change.
struct Change {
  std::vector<SegmentRecord> added;
  std::vector<Removal> removed;
  TimeNs time = 0;  // 0: now
};

// A decoded entry (verify() and the fuzz target use these; the store needs only Manifest).
struct Entry {
  uint64_t index = 0;
  Digest prev{};
  Change change;
  std::string_view body;       // signed bytes (views into the chain data)
  std::string_view signature;  // 64 bytes
  Digest hash{};               // sha256 of body + signature: what the next entry's prev holds
  uint64_t offset = 0;         // of the record in chain.log
};

// The records of chain.log bytes, split by their checksums.
struct Frames {
  struct Frame {
    uint64_t offset = 0;
    std::string_view payload;
  };
  struct Damage {
    uint64_t offset = 0, bytes = 0;  // not an intact record, yet intact records follow
  };
  std::vector<Frame> frames;
  std::vector<Damage> damage;
  uint64_t valid_bytes = 0;  // end of the last intact record
  uint64_t torn_bytes = 0;   // bytes after it with no intact record in them: a commit cut by a crash
};
Frames split_frames(std::string_view data);
// Appends one framed record holding `payload`.
void append_frame(std::string& out, std::string_view payload);
// Decodes one payload (no signature check). Errors say what is malformed.
Result<Entry> decode_entry(std::string_view payload, uint64_t offset);

// The chain replayed: the live segments, what was removed, and the head. Strict, for the
// store's open(): any damage other than a torn tail, a broken link or an impossible change
// is an error naming the file and offset. Signatures are not checked here (verify does).
struct ChainState {
  std::map<uint64_t, SegmentRecord> live;
  std::map<uint64_t, Removal> removed;  // by seq
  uint64_t entries = 0;
  Digest head{};
  uint64_t valid_bytes = 0, torn_bytes = 0;
  std::string_view last_body, last_signature;  // of the last entry, for the writer's key check
};
Result<ChainState> read_chain(std::string_view data, const std::string& name);
// Whether `change` can follow `state`: added segments are new (never added before, none
// twice), removed ones are live, texts fit kMaxText. apply_change() assumes it can.
Status check_change(const ChainState& state, const Change& change);
void apply_change(ChainState& state, const Change& change);

// The files of DIR/segments by sequence number: a sealed "<seq>.vseg", a pending
// "<seq>.vseg.tmp", or both; other names apart. No folder: none.
struct SegmentFiles {
  struct Kinds {
    bool sealed = false, pending = false;
  };
  std::map<uint64_t, Kinds> by_seq;
  std::vector<std::string> other;
};
Result<SegmentFiles> list_segment_files(const std::filesystem::path& dir);

class Manifest {
 public:
  // Writer mode creates the key pair on first open and cuts a torn tail of the chain (like
  // the WAL: a torn last record is an unacknowledged write); read_only writes nothing.
  // Damage that is not a torn tail is an error naming file and offset. Writer mode also
  // refuses a key that did not sign the chain's last entry. Not thread-safe: one writer
  // (the store serializes commits and reads of live()).
  static Result<std::unique_ptr<Manifest>> open(const std::filesystem::path& dir, bool read_only);
  ~Manifest();
  Manifest(const Manifest&) = delete;
  Manifest& operator=(const Manifest&) = delete;

  // Appends ONE signed, chained entry holding the whole change (a merge = add new + remove
  // olds is atomic), written and fdatasync'ed before returning. Refuses a segment seq
  // already recorded, a removal of a segment that is not live, and text over kMaxText.
  // After a failed write or sync the manifest refuses further commits (reopen to recover).
  Status commit(const Change& change);

  const std::map<uint64_t, SegmentRecord>& live() const { return state_.live; }  // added and not removed, by seq
  bool was_removed(uint64_t seq) const { return state_.removed.count(seq) != 0; }
  std::set<uint64_t> live_seqs() const {
    std::set<uint64_t> out;
    for (const auto& [seq, rec] : state_.live) out.insert(out.end(), seq);
    return out;
  }
  std::string public_key_pem() const { return public_pem_; }
  uint64_t entries() const { return state_.entries; }
  Digest head() const { return state_.head; }
  const std::filesystem::path& dir() const { return dir_; }

  // Recovery, writer mode, after open and before any seal starts: finishes what a crash
  // interrupted in segments/, by the store's commit order (write <seq>.vseg.tmp + fsync,
  // commit, rename; removal: commit, delete):
  //  - a live segment with only <seq>.vseg.tmp whose size and digest match: renamed;
  //  - a file of a segment the chain records as removed: deleted;
  //  - a <seq>.vseg.tmp the chain never recorded (sealed, not committed; its events are
  //    still in the WAL): deleted.
  // Anything else (a digest that does not match, a .vseg the chain never recorded) is left
  // alone with a warning for `vigil verify`. Errors are I/O errors only.
  struct Finished {
    uint64_t seals_completed = 0, removals_completed = 0, uncommitted_deleted = 0;
    std::vector<std::string> left_alone;  // warnings, also logged
  };
  Result<Finished> finish_pending();

 private:
  struct Key;
  Manifest() = default;
  std::filesystem::path dir_;
  bool read_only_ = true;
  bool failed_ = false;
  int fd_ = -1;
  std::unique_ptr<Key> key_;
  std::string public_pem_;
  ChainState state_;
};

struct VerifyOptions {
  std::optional<std::filesystem::path> pubkey_pem_file;  // trusted key; default: DIR/keys/manifest.pub
  std::optional<Digest> expect_head;                      // a head recorded earlier, off-machine
};

struct VerifyReport {
  std::vector<std::string> problems;   // tampering / damage; empty means intact
  std::vector<std::string> retention;  // segments removed by policy or merge, as recorded in the chain (not problems)
  std::vector<std::string> notes;      // neither: crash leftovers, a torn tail, what the check could not prove
  uint64_t segments_checked = 0, entries = 0, bytes_hashed = 0;
  Digest head{};
  std::string key_fingerprint;  // "SHA256:<hex>" of the key the chain was checked against
  bool ok() const { return problems.empty(); }
};

// Errors (not problems) only when the check cannot run: no such directory, an unreadable
// --pubkey file. Reads only; safe beside a running server. Logs progress every few seconds.
Result<VerifyReport> verify(const std::filesystem::path& dir, const VerifyOptions& options);
Result<VerifyReport> verify(const std::filesystem::path& dir, const std::optional<std::filesystem::path>& pubkey_pem_file);

// The chain checks of verify() on chain.log bytes alone (no segments, no files, a parsed
// key): for the fuzz target and tools.
VerifyReport verify_chain(std::string_view chain_bytes, const ed25519::Key& trusted,
                          const std::optional<Digest>& expect_head = std::nullopt);

// "SHA256:<hex of sha256(raw 32-byte key)>" of a PEM public key, or an error.
Result<std::string> key_fingerprint(std::string_view public_pem);

}  // namespace vigil::manifest

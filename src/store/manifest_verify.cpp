// `vigil verify`: checks a data directory's segment files against the signed manifest
// chain, and the chain itself, and says exactly what is wrong (see manifest.h for what
// each check can prove). Read-only, so it runs beside a live server: segment files are
// listed before the chain is read, so a seal or removal in progress shows as a note, not
// as tampering; a file that vanishes while being hashed restarts the check.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <set>

#include "store/ed25519.h"
#include "store/io.h"
#include "store/manifest.h"

namespace vigil::manifest {
namespace {

namespace fs = std::filesystem;

constexpr auto kProgressEvery = std::chrono::seconds(5);

bool present(const fs::path& p) {
  std::error_code ec;
  return fs::exists(p, ec);
}

std::string seg_file(uint64_t seq, std::string_view suffix = kSegmentSuffix) {
  return std::string(kSegmentsDir) + "/" + io::seq_name(seq, suffix);
}

// "segment 12 (segments/0000000000000012.vseg, default/2026-11-22/3002/syslog-udp, 1200 events,
// 2026-11-22T00:00:00Z .. 2026-11-22T00:59:59Z)"
std::string describe(const SegmentRecord& r) {
  return fmt::format("segment {} ({}, {}, {} events, {} .. {})", r.seq, seg_file(r.seq),
                     r.partition.empty() ? "no partition" : r.partition, r.events, format_rfc3339(r.min_time),
                     format_rfc3339(r.max_time));
}

std::string gib(uint64_t bytes) { return fmt::format("{:.1f} GiB", static_cast<double>(bytes) / (1u << 30)); }

class Progress {
 public:
  bool due() {
    auto now = std::chrono::steady_clock::now();
    if (now - last_ < kProgressEvery) return false;
    last_ = now;
    return true;
  }

 private:
  std::chrono::steady_clock::time_point last_ = std::chrono::steady_clock::now();
};

struct NamedKey {
  ed25519::Key key;
  std::string name;  // "the key given with --pubkey (SHA256:...)"
};

struct Keys {
  std::optional<NamedKey> trusted;  // signatures must verify against this one
  std::vector<NamedKey> others;     // keys in DIR that differ from it: to name a re-signed chain
};

struct RemovedInfo {
  Removal removal;
  SegmentRecord record;
  uint64_t entry = 0;
  TimeNs time = 0;
};

// The chain as far as it can be trusted.
struct Chain {
  std::map<uint64_t, SegmentRecord> live;
  std::map<uint64_t, RemovedInfo> removed;
  std::map<Digest, uint64_t> recorded;            // digest -> seq of every segment ever added
  std::map<uint64_t, uint64_t> unverified_add;    // seq -> offset of an entry failing its signature that adds it
  std::map<uint64_t, uint64_t> unverified_remove; // ... that removes it
};

// Entries (file order) as "entry 5 (offset 1234)" or "entries 5..9 (offsets 1234..2345)".
std::string entry_span(const std::vector<const Entry*>& es) {
  if (es.size() == 1) return fmt::format("the entry at offset {} (entry {})", es[0]->offset, es[0]->index);
  return fmt::format("{} entries at offsets {}..{} (entries {}..{})", es.size(), es.front()->offset, es.back()->offset,
                     es.front()->index, es.back()->index);
}

// Groups of entries that are neighbours in the file.
std::vector<std::vector<const Entry*>> runs(const std::vector<std::pair<size_t, const Entry*>>& items) {
  std::vector<std::vector<const Entry*>> out;
  size_t last = 0;
  for (const auto& [pos, e] : items) {
    if (out.empty() || pos != last + 1) out.emplace_back();
    out.back().push_back(e);
    last = pos;
  }
  return out;
}

// Positions (into `idx`) of a longest strictly increasing subsequence: the entries in order.
std::vector<bool> in_order(const std::vector<uint64_t>& idx) {
  std::vector<size_t> tails, prev(idx.size(), SIZE_MAX);
  for (size_t i = 0; i < idx.size(); ++i) {
    auto it = std::lower_bound(tails.begin(), tails.end(), idx[i], [&](size_t t, uint64_t v) { return idx[t] < v; });
    if (it != tails.begin()) prev[i] = *(it - 1);
    if (it == tails.end())
      tails.push_back(i);
    else
      *it = i;
  }
  std::vector<bool> keep(idx.size(), false);
  for (size_t i = tails.empty() ? SIZE_MAX : tails.back(); i != SIZE_MAX; i = prev[i]) keep[i] = true;
  return keep;
}

Chain analyze_chain(std::string_view data, const Keys& keys, const VerifyOptions& opt, VerifyReport& rep) {
  const std::string chain_name(kChainFile);
  Chain chain;
  Frames f = split_frames(data);
  rep.entries = f.frames.size();
  if (!f.frames.empty()) rep.head = sha256(f.frames.back().payload);
  for (const auto& d : f.damage) {
    rep.problems.push_back(fmt::format(
        "{} is damaged at offset {}: {} bytes are not an intact entry (checksum mismatch), yet intact entries follow; "
        "any entries in them are lost",
        chain_name, d.offset, d.bytes));
  }
  if (f.torn_bytes > 0) {
    rep.notes.push_back(fmt::format(
        "{} ends with {} bytes of an unfinished commit at offset {} (a write cut by a crash, never acknowledged; the "
        "store cuts it when it next opens the directory)",
        chain_name, f.torn_bytes, f.valid_bytes));
  }
  if (opt.expect_head && *opt.expect_head == Digest{}) {
    rep.notes.push_back("the expected head is that of an empty chain: every chain starts there");
  } else if (opt.expect_head) {
    bool found = false;
    for (size_t i = 0; i < f.frames.size() && !found; ++i) {
      if (sha256(f.frames[i].payload) != *opt.expect_head) continue;
      found = true;
      size_t after = f.frames.size() - 1 - i;
      rep.notes.push_back(after == 0 ? fmt::format("the chain ends at the expected head {}", to_hex(*opt.expect_head))
                                     : fmt::format("the expected head {} is entry {} of the chain; {} entries follow it",
                                                   to_hex(*opt.expect_head), i, after));
    }
    if (!found) {
      rep.problems.push_back(fmt::format(
          "the expected head {} is not in {} ({} entries, head {}): the chain was cut at its tail or rewritten since "
          "that head was recorded",
          to_hex(*opt.expect_head), chain_name, f.frames.size(), to_hex(rep.head)));
    }
  }

  // Decode and check signatures.
  std::vector<Entry> entries;
  entries.reserve(f.frames.size());
  std::vector<std::pair<size_t, const Entry*>> changed, other_key;
  std::vector<size_t> other_key_which;
  std::set<uint64_t> unverified_claims;  // indices claimed by entries that failed
  bool lost = !f.damage.empty();
  Progress progress;
  for (size_t i = 0; i < f.frames.size(); ++i) {
    auto e = decode_entry(f.frames[i].payload, f.frames[i].offset);
    if (!e.ok()) {
      rep.problems.push_back(fmt::format("{}: the record at offset {} is intact but not a valid entry: {}", chain_name,
                                         f.frames[i].offset, e.error()));
      lost = true;
      entries.emplace_back();  // keeps positions aligned; never used
      entries.back().offset = UINT64_MAX;
      continue;
    }
    entries.push_back(std::move(*e));
  }
  std::vector<std::pair<size_t, const Entry*>> valid;  // position in file, entry
  for (size_t i = 0; i < entries.size(); ++i) {
    const Entry& e = entries[i];
    if (e.offset == UINT64_MAX) continue;
    if (progress.due()) spdlog::info("verify: checked the signatures of {} of {} chain entries", i, entries.size());
    if (keys.trusted) {
      std::string message(kSignContext);
      message += e.body;
      if (!keys.trusted->key.verify(message, e.signature)) {
        size_t which = SIZE_MAX;
        for (size_t k = 0; k < keys.others.size() && which == SIZE_MAX; ++k)
          if (keys.others[k].key.verify(message, e.signature)) which = k;
        if (which == SIZE_MAX) {
          changed.push_back({i, &e});
        } else {
          other_key.push_back({i, &e});
          other_key_which.push_back(which);
        }
        unverified_claims.insert(e.index);
        for (const auto& a : e.change.added) chain.unverified_add.emplace(a.seq, e.offset);
        for (const auto& r : e.change.removed) chain.unverified_remove.emplace(r.seq, e.offset);
        continue;
      }
    }
    valid.push_back({i, &e});
  }
  for (const auto& run : runs(changed)) {
    rep.problems.push_back(fmt::format("{}: {} {} changed: {} not verify against {}", chain_name, entry_span(run),
                                       run.size() == 1 ? "was" : "were",
                                       run.size() == 1 ? "its signature does" : "their signatures do",
                                       keys.trusted->name));
  }
  for (size_t k = 0; k < keys.others.size(); ++k) {
    std::vector<std::pair<size_t, const Entry*>> mine;
    for (size_t i = 0; i < other_key.size(); ++i)
      if (other_key_which[i] == k) mine.push_back(other_key[i]);
    for (const auto& run : runs(mine)) {
      rep.problems.push_back(fmt::format("{}: {} {} signed by {}, not by {}: the chain was re-signed with a replaced key",
                                         chain_name, entry_span(run), run.size() == 1 ? "is" : "are",
                                         keys.others[k].name, keys.trusted->name));
    }
  }

  // Duplicates, then order (entries in the file out of index order).
  std::vector<std::pair<size_t, const Entry*>> unique;
  std::map<uint64_t, const Entry*> first_of;
  for (const auto& [pos, e] : valid) {
    auto [it, fresh] = first_of.emplace(e->index, e);
    if (fresh) {
      unique.push_back({pos, e});
      continue;
    }
    const Entry* first = it->second;
    rep.problems.push_back(
        first->hash == e->hash
            ? fmt::format("{}: entry {} appears twice (offsets {} and {}): an entry was copied", chain_name, e->index,
                          first->offset, e->offset)
            : fmt::format("{}: two different signed entries claim to be entry {} (offsets {} and {}): entries were "
                          "spliced in from another chain",
                          chain_name, e->index, first->offset, e->offset));
  }
  std::vector<uint64_t> idx;
  for (const auto& [pos, e] : unique) idx.push_back(e->index);
  std::vector<bool> keep = in_order(idx);
  for (size_t i = 0; i < unique.size(); ++i) {
    if (keep[i]) continue;
    const Entry* e = unique[i].second;
    std::string where;
    if (i > 0) where += fmt::format(" after entry {}", unique[i - 1].second->index);
    if (i + 1 < unique.size()) where += fmt::format("{} before entry {}", i > 0 ? " and" : "", unique[i + 1].second->index);
    rep.problems.push_back(fmt::format("{}: entry {} (offset {}) is out of order: it comes{} in the file; the chain's "
                                       "entries were reordered",
                                       chain_name, e->index, e->offset, where));
  }

  // Replay in index order: gaps, links, changes.
  std::vector<const Entry*> sorted;
  for (const auto& [pos, e] : unique) sorted.push_back(e);
  std::sort(sorted.begin(), sorted.end(), [](const Entry* a, const Entry* b) { return a->index < b->index; });
  ChainState st;
  uint64_t expected = 0;
  const Entry* last = nullptr;
  for (const Entry* e : sorted) {
    if (e->index > expected) {
      bool covered = e->index - expected <= unverified_claims.size();
      for (uint64_t k = expected; covered && k < e->index; ++k) covered = unverified_claims.count(k) != 0;
      if (!covered) {
        std::string which = e->index - expected == 1 ? fmt::format("entry {} is", expected)
                                                     : fmt::format("entries {}..{} are", expected, e->index - 1);
        rep.problems.push_back(fmt::format("{}: {} missing (before entry {} at offset {}): removed from the chain{}",
                                           chain_name, which, e->index, e->offset,
                                           lost ? ", or lost in the damage reported above" : ""));
      }
    } else if (last && e->prev != last->hash) {
      rep.problems.push_back(fmt::format(
          "{}: entry {} (offset {}) does not chain to entry {} (offset {}): it records the previous hash {}, but entry "
          "{} hashes to {}; an entry was replaced or spliced in from another chain",
          chain_name, e->index, e->offset, last->index, last->offset, to_hex(e->prev), last->index, to_hex(last->hash)));
    } else if (!last && e->prev != Digest{}) {
      rep.problems.push_back(fmt::format("{}: entry 0 (offset {}) does not start a chain (its previous hash is {}, not "
                                         "zeros): the start of the chain was replaced",
                                         chain_name, e->offset, to_hex(e->prev)));
    }
    expected = e->index + 1;
    last = e;
    if (Status s = check_change(st, e->change); !s.ok()) {
      rep.problems.push_back(fmt::format("{}: entry {} (offset {}) {}; its change is ignored", chain_name, e->index,
                                         e->offset, s.message()));
      continue;
    }
    for (const auto& r : e->change.removed)
      chain.removed[r.seq] = RemovedInfo{r, st.live.at(r.seq), e->index, e->change.time};
    for (const auto& a : e->change.added) chain.recorded.emplace(a.sha256, a.seq);
    apply_change(st, e->change);
  }
  chain.live = std::move(st.live);
  return chain;
}

Result<std::string> read_text(const fs::path& p) {
  std::string s;
  if (Status st = io::read_all(p, s); !st.ok()) return st;
  return s;
}

// The trusted key and the keys in DIR that differ from it; problems for keys that disagree.
Result<Keys> load_keys(const fs::path& dir, const VerifyOptions& opt, bool chain_has_entries, VerifyReport& rep) {
  Keys keys;
  fs::path pub_path = dir / kPubFile, key_path = dir / kKeyFile;
  std::optional<ed25519::Key> local_pub, local_priv;
  std::string pub_unreadable;
  std::error_code pub_ec;
  bool pub_exists = fs::exists(pub_path, pub_ec);
  if (pub_ec) {
    pub_unreadable = fmt::format("cannot read {}: {}", pub_path.string(), pub_ec.message());
  } else if (pub_exists) {
    auto pem = read_text(pub_path);
    if (!pem.ok()) {
      pub_unreadable = pem.error();
    } else if (auto k = ed25519::Key::from_public_pem(*pem, std::string(kPubFile)); k.ok()) {
      local_pub = *k;
    } else {
      rep.problems.push_back(k.error());
    }
  }
  if (present(key_path)) {
    // Often unreadable to an auditor (mode 0600): then it is simply not compared.
    auto pem = read_text(key_path);
    if (pem.ok()) {
      auto k = ed25519::Key::from_private_pem(*pem, std::string(kKeyFile));
      if (k.ok())
        local_priv = *k;
      else
        rep.problems.push_back(k.error());
    }
  }
  if (local_pub && local_priv && !local_pub->same_public(*local_priv)) {
    rep.problems.push_back(fmt::format("{} ({}) is not the public key of {} ({}): one of them was replaced", kPubFile,
                                       local_pub->fingerprint(), kKeyFile, local_priv->fingerprint()));
  }
  if (opt.pubkey_pem_file) {
    auto pem = read_text(*opt.pubkey_pem_file);
    if (!pem.ok()) return pem.status();
    auto k = ed25519::Key::from_public_pem(*pem, opt.pubkey_pem_file->string());
    if (!k.ok()) return k.status();
    keys.trusted = NamedKey{*k, fmt::format("the key given with --pubkey ({})", k->fingerprint())};
    if (local_pub && !local_pub->same_public(*k)) {
      rep.problems.push_back(fmt::format("{} ({}) is not the key given with --pubkey ({}): the data directory's key was "
                                         "replaced",
                                         kPubFile, local_pub->fingerprint(), k->fingerprint()));
    }
  } else if (local_pub || local_priv) {
    const ed25519::Key& k = local_pub ? *local_pub : *local_priv;
    keys.trusted = NamedKey{k, fmt::format("the data directory's key {} ({})", local_pub ? kPubFile : kKeyFile,
                                           k.fingerprint())};
    rep.notes.push_back(fmt::format(
        "checked against the public key in the data directory ({}): this proves the chain was not edited by anyone "
        "without the private key; pass --pubkey with a copy kept off this machine to also catch a chain re-signed "
        "with a replaced key",
        k.fingerprint()));
  } else if (!pub_unreadable.empty()) {
    return Status::error(pub_unreadable + " (pass --pubkey FILE with a copy exported by `vigil store pubkey`)");
  } else if (chain_has_entries) {
    rep.problems.push_back(fmt::format("no key to check the chain's signatures: {} and {} are missing and no --pubkey "
                                       "was given",
                                       kPubFile, kKeyFile));
  }
  for (const auto* k : {&local_pub, &local_priv}) {
    if (!*k || (keys.trusted && keys.trusted->key.same_public(**k))) continue;
    bool dup = false;
    for (const auto& o : keys.others) dup = dup || o.key.same_public(**k);
    if (!dup)
      keys.others.push_back(NamedKey{**k, fmt::format("the data directory's key {} ({})", k == &local_pub ? kPubFile : kKeyFile,
                                                      (*k)->fingerprint())});
  }
  if (keys.trusted) rep.key_fingerprint = keys.trusted->key.fingerprint();
  return keys;
}

using OnDisk = SegmentFiles::Kinds;

// One pass; `vanished` when a listed file disappeared (a live server removing or renaming).
Result<VerifyReport> verify_once(const fs::path& dir, const VerifyOptions& opt, bool& vanished) {
  VerifyReport rep;
  vanished = false;
  // Files first, chain second (see the top of this file).
  fs::path segdir = dir / kSegmentsDir;
  auto listed = list_segment_files(dir);
  if (!listed.ok()) return listed.status();
  const std::map<uint64_t, OnDisk>& files = listed->by_seq;
  for (const auto& name : listed->other) {
    rep.notes.push_back(fmt::format("{}/{} is not a segment file name: not checked", kSegmentsDir, name));
  }

  fs::path chain_path = dir / kChainFile;
  std::string data;
  if (present(chain_path)) {
    if (Status s = io::read_all(chain_path, data); !s.ok()) return s;
  } else if (!files.empty()) {
    rep.problems.push_back(fmt::format("{} is missing: no segment can be checked", kChainFile));
  }
  auto keys = load_keys(dir, opt, !data.empty(), rep);
  if (!keys.ok()) return keys.status();
  Chain chain = analyze_chain(data, *keys, opt, rep);
  data.clear();

  // Hash every file that should hold a live segment or that the chain does not know.
  uint64_t total = 0, done = 0, files_done = 0, to_hash = 0;
  struct Hashed {
    bool ok = false;
    Digest digest{};
    uint64_t size = 0;
    std::string error;
  };
  std::map<std::pair<uint64_t, bool>, Hashed> hashed;  // (seq, pending) -> result
  std::vector<std::pair<uint64_t, bool>> work;
  for (const auto& [seq, have] : files) {
    if (chain.removed.count(seq)) continue;  // a removal not finished: nothing to check
    for (bool pending : {false, true}) {
      if (!(pending ? have.pending : have.sealed)) continue;
      std::error_code ec;
      uint64_t size = fs::file_size(segdir / io::seq_name(seq, pending ? kPendingSuffix : kSegmentSuffix), ec);
      if (!ec) total += size;
      work.push_back({seq, pending});
    }
  }
  to_hash = work.size();
  Progress progress;
  std::map<Digest, std::string> disk_digest;  // content -> file holding it
  for (const auto& [seq, pending] : work) {
    fs::path p = segdir / io::seq_name(seq, pending ? kPendingSuffix : kSegmentSuffix);
    Hashed h;
    auto d = sha256_file(p, &h.size, [&](uint64_t n) {
      done += n;
      if (progress.due())
        spdlog::info("verify: hashed {} of {} ({:.0f}%), {} of {} segment files", gib(done), gib(total),
                     total ? 100.0 * static_cast<double>(done) / static_cast<double>(total) : 100.0, files_done,
                     to_hash);
    });
    ++files_done;
    if (!d.ok()) {
      if (!present(p)) {
        vanished = true;
        return rep;
      }
      h.error = d.error();
    } else {
      h.ok = true;
      h.digest = *d;
      disk_digest.emplace(h.digest, seg_file(seq, pending ? kPendingSuffix : kSegmentSuffix));
      rep.bytes_hashed += h.size;
    }
    hashed[{seq, pending}] = std::move(h);
  }

  // What a file holding the wrong content holds instead.
  auto content_problem = [&](const SegmentRecord& rec, const std::string& file, const Hashed& h) -> std::string {
    if (!h.ok) return fmt::format("{} cannot be read: {}", describe(rec), h.error);
    if (auto it = chain.recorded.find(h.digest); it != chain.recorded.end()) {
      uint64_t other = it->second;
      const SegmentRecord* o = nullptr;
      if (auto l = chain.live.find(other); l != chain.live.end()) o = &l->second;
      if (auto r = chain.removed.find(other); r != chain.removed.end()) o = &r->second.record;
      return fmt::format("{}: its file {} holds the content of {}: segment files were reordered (renamed or swapped)",
                         describe(rec), file, o ? describe(*o) : fmt::format("segment {}", other));
    }
    if (h.size < rec.bytes)
      return fmt::format("{} was truncated: {} has {} of the recorded {} bytes", describe(rec), file, h.size, rec.bytes);
    std::string size = h.size == rec.bytes ? "" : fmt::format(" ({} bytes, recorded {})", h.size, rec.bytes);
    return fmt::format("{} was changed: sha256 {} != recorded {}{}", describe(rec), to_hex(h.digest),
                       to_hex(rec.sha256), size);
  };

  for (const auto& [seq, rec] : chain.live) {
    auto it = files.find(seq);
    OnDisk have = it == files.end() ? OnDisk{} : it->second;
    if (have.sealed) {
      const Hashed& h = hashed[{seq, false}];
      if (h.ok && h.digest == rec.sha256 && h.size == rec.bytes)
        ++rep.segments_checked;
      else
        rep.problems.push_back(content_problem(rec, seg_file(seq), h));
      if (have.pending)
        rep.notes.push_back(fmt::format("{} is a stray file beside sealed segment {}", seg_file(seq, kPendingSuffix), seq));
    } else if (have.pending) {
      const Hashed& h = hashed[{seq, true}];
      if (h.ok && h.digest == rec.sha256 && h.size == rec.bytes) {
        ++rep.segments_checked;
        rep.notes.push_back(fmt::format(
            "{} is committed but still named {}: a seal interrupted by a crash or in progress (the store finishes it "
            "when it next opens the directory)",
            describe(rec), seg_file(seq, kPendingSuffix)));
      } else {
        rep.problems.push_back(content_problem(rec, seg_file(seq, kPendingSuffix), h));
      }
    } else if (auto d = disk_digest.find(rec.sha256); d != disk_digest.end()) {
      rep.problems.push_back(fmt::format("{} is missing: its content is in {}; segment files were reordered (renamed)",
                                         describe(rec), d->second));
    } else if (auto u = chain.unverified_remove.find(seq); u != chain.unverified_remove.end()) {
      rep.problems.push_back(fmt::format("{} is missing: only the entry at offset {}, which fails its signature check, "
                                         "records its removal",
                                         describe(rec), u->second));
    } else {
      rep.problems.push_back(fmt::format("{} is missing: removed outside retention (the chain records no removal)",
                                         describe(rec)));
    }
  }
  for (const auto& [seq, have] : files) {
    if (chain.live.count(seq)) continue;
    if (auto r = chain.removed.find(seq); r != chain.removed.end()) {
      rep.notes.push_back(fmt::format(
          "{} was removed in entry {} ({}) but its file is still there: a removal interrupted by a crash or in "
          "progress (the store finishes it when it next opens the directory)",
          describe(r->second.record), r->second.entry, r->second.removal.detail));
      continue;
    }
    if (have.pending && !have.sealed) {
      rep.notes.push_back(fmt::format(
          "{} is a seal that was never committed (a crash or a seal in progress; its events are still in the WAL and "
          "the store deletes it when it next opens the directory)",
          seg_file(seq, kPendingSuffix)));
      continue;
    }
    std::string what = fmt::format("{} is not recorded in the chain: a segment file added outside Vigil", seg_file(seq));
    const Hashed& h = hashed[{seq, false}];
    if (auto u = chain.unverified_add.find(seq); u != chain.unverified_add.end())
      what += fmt::format(" (only the entry at offset {}, which fails its signature check, records it)", u->second);
    if (h.ok) {
      if (auto c = chain.recorded.find(h.digest); c != chain.recorded.end()) {
        what += fmt::format("; it holds the content of segment {} (renamed)", c->second);
      }
    }
    rep.problems.push_back(std::move(what));
  }
  for (const auto& [seq, r] : chain.removed) {
    if (files.count(seq)) continue;  // listed as a note above
    rep.retention.push_back(fmt::format(
        "{} removed {} '{}' (entry {}, {})", describe(r.record),
        r.removal.reason == RemovalReason::Retention ? "by retention policy" : "by merge,", r.removal.detail, r.entry,
        format_rfc3339(r.time)));
  }
  return rep;
}

}  // namespace

Result<std::string> key_fingerprint(std::string_view public_pem) {
  auto k = ed25519::Key::from_public_pem(public_pem, "the public key");
  if (!k.ok()) return k.status();
  return k->fingerprint();
}

VerifyReport verify_chain(std::string_view chain_bytes, const ed25519::Key& trusted,
                          const std::optional<Digest>& expect_head) {
  Keys keys;
  keys.trusted = NamedKey{trusted, fmt::format("the trusted key ({})", trusted.fingerprint())};
  VerifyReport rep;
  rep.key_fingerprint = trusted.fingerprint();
  VerifyOptions opt;
  opt.expect_head = expect_head;
  analyze_chain(chain_bytes, keys, opt, rep);
  return rep;
}

Result<VerifyReport> verify(const fs::path& dir, const VerifyOptions& options) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return Status::error("no data directory " + dir.string());
  for (int attempt = 1;; ++attempt) {
    bool vanished = false;
    auto rep = verify_once(dir, options, vanished);
    if (!rep.ok() || !vanished) return rep;
    if (attempt == 3) {
      rep->problems.push_back(
          "segment files kept vanishing while being verified (3 attempts): stop the server or run again");
      return rep;
    }
    spdlog::info("verify: a segment file vanished while being hashed (a running server sealing or removing): "
                 "starting again");
  }
}

Result<VerifyReport> verify(const fs::path& dir, const std::optional<fs::path>& pubkey_pem_file) {
  VerifyOptions o;
  o.pubkey_pem_file = pubkey_pem_file;
  return verify(dir, o);
}

}  // namespace vigil::manifest

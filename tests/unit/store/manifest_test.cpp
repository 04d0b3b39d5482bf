// The integrity layer: the signed manifest chain, its crash recovery, and `verify`'s
// exact verdict for each kind of tampering (src/store/manifest.h).
#include "store/manifest.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <string>
#include <vector>

#include "store/io.h"

namespace vigil::manifest {
namespace {

namespace fs = std::filesystem;
using ::testing::AllOf;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr TimeNs kDay0 = 1'795'305'600'000'000'000;  // 2026-11-22T00:00:00Z

std::string read_file(const fs::path& p) {
  std::string s;
  EXPECT_TRUE(io::read_all(p, s).ok()) << p;
  return s;
}

void write_file(const fs::path& p, std::string_view data) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
  ASSERT_TRUE(out.good()) << p;
}

std::string joined(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += x + "\n";
  return s;
}

class ManifestTest : public ::testing::Test {
 protected:
  fs::path dir;

  void SetUp() override {
    static std::atomic<int> counter{0};
    dir = fs::temp_directory_path() /
          ("vigil-manifest-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + "-" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir);
    fs::create_directories(dir / kSegmentsDir);
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }

  fs::path seg(uint64_t seq, std::string_view suffix = kSegmentSuffix) const {
    return dir / kSegmentsDir / io::seq_name(seq, suffix);
  }
  fs::path chain() const { return dir / kChainFile; }

  std::unique_ptr<Manifest> open(bool read_only = false) {
    auto m = Manifest::open(dir, read_only);
    EXPECT_TRUE(m.ok()) << m.error();
    return m.ok() ? std::move(*m) : nullptr;
  }

  static std::string content(uint64_t seq) {
    return "segment bytes of " + std::to_string(seq) + std::string(100 + seq * 7, static_cast<char>('a' + seq % 26));
  }

  static SegmentRecord record(uint64_t seq, std::string_view bytes) {
    SegmentRecord r;
    r.seq = seq;
    r.bytes = bytes.size();
    r.sha256 = sha256(bytes);
    r.partition = "default/2026-11-22/3002/syslog-udp";
    r.events = 100 * seq;
    r.min_time = kDay0 + static_cast<TimeNs>(seq) * 3600 * kNsPerSec;
    r.max_time = r.min_time + 3599 * kNsPerSec;
    return r;
  }

  // The store's seal order: <seq>.vseg.tmp + fsync, commit, rename. `rename` false stops
  // after the commit, as a crash would.
  SegmentRecord seal(Manifest& m, uint64_t seq, bool rename = true) {
    std::string bytes = content(seq);
    write_file(seg(seq, kPendingSuffix), bytes);
    SegmentRecord r = record(seq, bytes);
    Change c;
    c.added.push_back(r);
    c.time = r.max_time;
    Status s = m.commit(c);
    EXPECT_TRUE(s.ok()) << s.message();
    if (rename) fs::rename(seg(seq, kPendingSuffix), seg(seq));
    return r;
  }

  // The store's removal order: commit, delete.
  void retire(Manifest& m, uint64_t seq, RemovalReason reason, std::string detail, bool remove_file = true) {
    Change c;
    c.removed.push_back({seq, reason, std::move(detail)});
    Status s = m.commit(c);
    EXPECT_TRUE(s.ok()) << s.message();
    if (remove_file) fs::remove(seg(seq));
  }

  // Segments 1..n sealed, the manifest closed.
  void seal_n(int n) {
    auto m = open();
    for (int i = 1; i <= n; ++i) seal(*m, static_cast<uint64_t>(i));
  }

  VerifyReport verify_dir(VerifyOptions o = {}) {
    auto r = verify(dir, o);
    EXPECT_TRUE(r.ok()) << r.error();
    return r.ok() ? *r : VerifyReport{};
  }

  // Rewrites chain.log through `edit` of its payloads, with valid checksums: tampering by
  // someone who knows the format but not the key.
  void edit_chain(const std::function<void(std::vector<std::string>&)>& edit) {
    std::string data = read_file(chain());
    Frames f = split_frames(data);
    std::vector<std::string> payloads;
    for (const auto& fr : f.frames) payloads.emplace_back(fr.payload);
    edit(payloads);
    std::string out;
    for (const auto& p : payloads) append_frame(out, p);
    write_file(chain(), out);
  }

  std::string export_pubkey(const fs::path& to) {
    std::string pem = read_file(dir / kPubFile);
    write_file(to, pem);
    return pem;
  }
};

TEST(ManifestDigest, KnownVectorsAndHex) {
  EXPECT_EQ(to_hex(sha256("abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(to_hex(sha256("")), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  Digest d = sha256("abc");
  EXPECT_EQ(from_hex(to_hex(d)), d);
  std::string upper = to_hex(d);
  for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_EQ(from_hex(upper), d);
  EXPECT_FALSE(from_hex("abc"));
  EXPECT_FALSE(from_hex(std::string(63, '0') + "g"));
}

TEST_F(ManifestTest, RoundTripAndReopen) {
  Digest head;
  {
    auto m = open();
    for (uint64_t s = 1; s <= 3; ++s) seal(*m, s);
    // A merge of 1 and 2 into 4: one entry.
    std::string merged = content(4);
    write_file(seg(4, kPendingSuffix), merged);
    Change c;
    c.added.push_back(record(4, merged));
    c.removed.push_back({1, RemovalReason::Merged, "merged into 4"});
    c.removed.push_back({2, RemovalReason::Merged, "merged into 4"});
    ASSERT_TRUE(m->commit(c).ok());
    fs::rename(seg(4, kPendingSuffix), seg(4));
    fs::remove(seg(1));
    fs::remove(seg(2));
    EXPECT_EQ(m->entries(), 4u);
    EXPECT_EQ(m->live().size(), 2u);
    EXPECT_TRUE(m->was_removed(1));
    head = m->head();
  }
  for (bool ro : {false, true}) {
    auto m = open(ro);
    ASSERT_TRUE(m);
    EXPECT_EQ(m->entries(), 4u);
    EXPECT_EQ(m->head(), head);
    ASSERT_EQ(m->live().size(), 2u);
    EXPECT_EQ(m->live().at(3), record(3, content(3)));
    EXPECT_EQ(m->live().at(4), record(4, content(4)));
    EXPECT_THAT(m->public_key_pem(), HasSubstr("BEGIN PUBLIC KEY"));
  }
  auto r = verify_dir();
  EXPECT_TRUE(r.ok()) << joined(r.problems);
  EXPECT_EQ(r.segments_checked, 2u);
  EXPECT_EQ(r.entries, 4u);
  EXPECT_EQ(r.head, head);
  EXPECT_EQ(r.retention.size(), 2u);
}

TEST_F(ManifestTest, KeysAreMadeAtFirstOpenPrivateOneOwnerOnly) {
  auto m = open();
  struct stat st {};
  ASSERT_EQ(::stat((dir / kKeyFile).c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_THAT(read_file(dir / kKeyFile), HasSubstr("BEGIN PRIVATE KEY"));
  EXPECT_EQ(read_file(dir / kPubFile), m->public_key_pem());
  auto fp = key_fingerprint(m->public_key_pem());
  ASSERT_TRUE(fp.ok()) << fp.error();
  EXPECT_THAT(*fp, HasSubstr("SHA256:"));
  // The same key on reopen.
  m.reset();
  EXPECT_EQ(open()->public_key_pem(), read_file(dir / kPubFile));
}

TEST_F(ManifestTest, ReadOnlyOpenWritesNothing) {
  fs::remove_all(dir);
  fs::create_directories(dir);
  auto m = open(true);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->entries(), 0u);
  EXPECT_TRUE(fs::is_empty(dir));
  EXPECT_FALSE(m->commit({}).ok());
}

TEST_F(ManifestTest, EveryCutOfTheLastEntryIsATornTail) {
  seal_n(2);
  std::string data = read_file(chain());
  Frames f = split_frames(data);
  ASSERT_EQ(f.frames.size(), 2u);
  uint64_t last = f.frames[1].offset;
  for (uint64_t n = last; n < data.size(); ++n) {
    auto st = read_chain(std::string_view(data).substr(0, n), "chain.log");
    ASSERT_TRUE(st.ok()) << n << ": " << st.error();
    EXPECT_EQ(st->entries, 1u);
    EXPECT_EQ(st->valid_bytes, last);
    EXPECT_EQ(st->torn_bytes, n - last);
  }
}

TEST_F(ManifestTest, WriterCutsATornTailAndCarriesOn) {
  seal_n(2);
  std::string data = read_file(chain());
  write_file(chain(), data + std::string("\x40\x00\x00\x00 half a commit", 19));
  {
    auto ro = open(true);  // read-only: sees two entries, writes nothing
    EXPECT_EQ(ro->entries(), 2u);
    EXPECT_EQ(read_file(chain()).size(), data.size() + 19);
  }
  auto r = verify_dir();
  EXPECT_TRUE(r.ok()) << joined(r.problems);
  EXPECT_THAT(r.notes, Contains(HasSubstr("ends with 19 bytes of an unfinished commit")));
  {
    auto m = open();
    EXPECT_EQ(read_file(chain()), data);
    seal(*m, 3);
  }
  r = verify_dir();
  EXPECT_TRUE(r.ok()) << joined(r.problems);
  EXPECT_EQ(r.segments_checked, 3u);
}

TEST_F(ManifestTest, DamageBeforeAnIntactEntryIsAnErrorNamingFileAndOffset) {
  seal_n(3);
  std::string data = read_file(chain());
  Frames f = split_frames(data);
  data[f.frames[1].offset + kFrameHeader + 20] ^= 0x01;  // checksum no longer matches
  write_file(chain(), data);
  for (bool ro : {false, true}) {
    auto m = Manifest::open(dir, ro);
    ASSERT_FALSE(m.ok());
    EXPECT_THAT(m.error(), AllOf(HasSubstr(chain().string()), HasSubstr("damaged at offset " + std::to_string(f.frames[1].offset))));
  }
  auto r = verify_dir();
  EXPECT_THAT(r.problems, Contains(HasSubstr("manifest/chain.log is damaged at offset " + std::to_string(f.frames[1].offset))));
}

// ---------------------------------------------------------------- segment tampering

TEST_F(ManifestTest, ChangedByteInASegment) {
  seal_n(3);
  std::string bytes = read_file(seg(2));
  bytes[10] ^= 0x20;
  write_file(seg(2), bytes);
  auto r = verify_dir();
  ASSERT_EQ(r.problems.size(), 1u) << joined(r.problems);
  EXPECT_THAT(r.problems[0],
              AllOf(HasSubstr("segment 2 (segments/0000000000000002.vseg, default/2026-11-22/3002/syslog-udp, 200 events, "
                              "2026-11-22T02:00:00.000Z .. 2026-11-22T02:59:59.000Z) was changed: sha256 " +
                              to_hex(sha256(bytes)) + " != recorded " + to_hex(sha256(content(2))))));
  EXPECT_EQ(r.segments_checked, 2u);
}

TEST_F(ManifestTest, SegmentRemovedOutsideRetention) {
  seal_n(3);
  fs::remove(seg(2));
  auto r = verify_dir();
  ASSERT_EQ(r.problems.size(), 1u) << joined(r.problems);
  EXPECT_THAT(r.problems[0], AllOf(HasSubstr("segment 2 (segments/0000000000000002.vseg"),
                                   HasSubstr("is missing: removed outside retention")));
}

TEST_F(ManifestTest, SegmentFileAddedOutsideVigil) {
  seal_n(2);
  write_file(seg(7), "planted");
  auto r = verify_dir();
  ASSERT_EQ(r.problems.size(), 1u) << joined(r.problems);
  EXPECT_EQ(r.problems[0], "segments/0000000000000007.vseg is not recorded in the chain: a segment file added outside Vigil");
}

TEST_F(ManifestTest, SegmentsSwapped) {
  seal_n(3);
  fs::rename(seg(1), seg(9));
  fs::rename(seg(2), seg(1));
  fs::rename(seg(9), seg(2));
  auto r = verify_dir();
  ASSERT_EQ(r.problems.size(), 2u) << joined(r.problems);
  EXPECT_THAT(r.problems[0], AllOf(HasSubstr("segment 1 ("), HasSubstr("its file segments/0000000000000001.vseg holds the "
                                                                        "content of segment 2 ("),
                                   HasSubstr("segment files were reordered")));
  EXPECT_THAT(r.problems[1], HasSubstr("holds the content of segment 1 ("));
}

TEST_F(ManifestTest, SegmentRenamedToANewNumber) {
  seal_n(2);
  fs::rename(seg(1), seg(5));
  auto r = verify_dir();
  ASSERT_EQ(r.problems.size(), 2u) << joined(r.problems);
  EXPECT_THAT(r.problems[0], AllOf(HasSubstr("segment 1 ("), HasSubstr("is missing: its content is in "
                                                                        "segments/0000000000000005.vseg")));
  EXPECT_THAT(r.problems[1], AllOf(HasSubstr("segments/0000000000000005.vseg is not recorded in the chain"),
                                   HasSubstr("holds the content of segment 1 (renamed)")));
}

TEST_F(ManifestTest, TruncatedSegment) {
  seal_n(2);
  std::string bytes = read_file(seg(2));
  write_file(seg(2), bytes.substr(0, 50));
  auto r = verify_dir();
  ASSERT_EQ(r.problems.size(), 1u) << joined(r.problems);
  EXPECT_THAT(r.problems[0], AllOf(HasSubstr("segment 2 ("),
                                   HasSubstr("was truncated: segments/0000000000000002.vseg has 50 of the recorded " +
                                             std::to_string(bytes.size()) + " bytes")));
}

TEST_F(ManifestTest, RetentionAndMergeAreListedApartFromTampering) {
  {
    auto m = open();
    for (uint64_t s = 1; s <= 4; ++s) seal(*m, s);
    retire(*m, 1, RemovalReason::Retention, "authentication: 400 days");
    retire(*m, 2, RemovalReason::Merged, "merged into 42");
  }
  auto r = verify_dir();
  EXPECT_TRUE(r.ok()) << joined(r.problems);
  ASSERT_EQ(r.retention.size(), 2u);
  EXPECT_THAT(r.retention[0], AllOf(HasSubstr("segment 1 (segments/0000000000000001.vseg"),
                                    HasSubstr("removed by retention policy 'authentication: 400 days' (entry 4, ")));
  EXPECT_THAT(r.retention[1], HasSubstr("segment 2 ("));
  EXPECT_THAT(r.retention[1], HasSubstr("removed by merge, 'merged into 42' (entry 5, "));
  // The same kind of deletion without a record in the chain is tampering.
  fs::remove(seg(3));
  r = verify_dir();
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_THAT(r.problems[0], AllOf(HasSubstr("segment 3 ("), HasSubstr("removed outside retention")));
  EXPECT_EQ(r.retention.size(), 2u);
}

// ---------------------------------------------------------------- chain tampering

TEST_F(ManifestTest, ChangedChainEntry) {
  seal_n(3);
  // Entry 2 is the last: change its recorded size (checksums recomputed; the signature cannot be).
  edit_chain([](std::vector<std::string>& p) { p[2][1 + 8 + 32 + 8 + 4 + 8] ^= 0x01; });
  auto r = verify_dir();
  EXPECT_THAT(r.problems, Contains(AllOf(HasSubstr("manifest/chain.log: the entry at offset"),
                                         HasSubstr("(entry 2) was changed: its signature does not verify against "
                                                   "the data directory's key keys/manifest.pub (SHA256:"))));
  // Its change is not trusted, so its segment is not recorded by any valid entry.
  EXPECT_THAT(r.problems, Contains(HasSubstr("segments/0000000000000003.vseg is not recorded in the chain: a segment "
                                             "file added outside Vigil (only the entry at offset")));
  auto m = Manifest::open(dir, false);
  ASSERT_FALSE(m.ok());
  EXPECT_THAT(m.error(), HasSubstr("its last entry (entry 2) is not signed by"));
}

TEST_F(ManifestTest, ChangedEntryInTheMiddleBreaksTheLinkForTheWriter) {
  seal_n(3);
  edit_chain([](std::vector<std::string>& p) { p[1][1 + 8 + 32 + 8 + 4 + 8] ^= 0x01; });
  auto r = verify_dir();
  EXPECT_THAT(r.problems, Contains(HasSubstr("(entry 1) was changed: its signature does not verify")));
  auto m = Manifest::open(dir, true);
  ASSERT_FALSE(m.ok());
  EXPECT_THAT(m.error(), HasSubstr("entry 2 at offset"));
  EXPECT_THAT(m.error(), HasSubstr("does not chain to the entry before it"));
}

TEST_F(ManifestTest, RemovedChainEntry) {
  seal_n(3);
  fs::remove(seg(2));  // an attacker removes a segment and the entry that added it
  edit_chain([](std::vector<std::string>& p) { p.erase(p.begin() + 1); });
  auto r = verify_dir();
  ASSERT_EQ(r.problems.size(), 1u) << joined(r.problems);
  EXPECT_THAT(r.problems[0], HasSubstr("manifest/chain.log: entry 1 is missing (before entry 2 at offset"));
  EXPECT_THAT(r.problems[0], HasSubstr("removed from the chain"));
  auto m = Manifest::open(dir, true);
  ASSERT_FALSE(m.ok());
  EXPECT_THAT(m.error(), HasSubstr("is entry 2, expected entry 1"));
}

TEST_F(ManifestTest, ReorderedChainEntries) {
  seal_n(4);
  edit_chain([](std::vector<std::string>& p) { std::swap(p[1], p[2]); });
  auto r = verify_dir();
  ASSERT_EQ(r.problems.size(), 1u) << joined(r.problems);
  EXPECT_THAT(r.problems[0], AllOf(HasSubstr("is out of order: it comes after entry"),
                                   HasSubstr("the chain's entries were reordered")));
  EXPECT_EQ(r.segments_checked, 4u);
}

TEST_F(ManifestTest, SignedEntriesFromAnotherHistoryAreSpotted) {
  // Two histories after entry 1, both signed by the same key: entry 2 retires segment 2 in
  // one and segment 1 in the other. Splicing them is caught by the prev links.
  seal_n(2);
  std::string common = read_file(chain());
  {
    auto m = open();
    retire(*m, 2, RemovalReason::Retention, "p", false);
  }
  std::string e2a(split_frames(read_file(chain())).frames[2].payload);
  write_file(chain(), common);
  {
    auto m = open();
    retire(*m, 1, RemovalReason::Retention, "p", false);
    seal(*m, 3);
  }
  std::string history_b = read_file(chain());
  edit_chain([&](std::vector<std::string>& p) { p[2] = e2a; });  // entry 3 of b after entry 2 of a
  auto r = verify_dir();
  EXPECT_THAT(r.problems, Contains(AllOf(HasSubstr("entry 3 (offset"), HasSubstr("does not chain to entry 2 (offset"),
                                         HasSubstr("spliced in from another chain"))));
  write_file(chain(), history_b);
  edit_chain([&](std::vector<std::string>& p) { p.insert(p.begin() + 2, e2a); });  // both entries 2
  r = verify_dir();
  EXPECT_THAT(r.problems, Contains(HasSubstr("two different signed entries claim to be entry 2")));
  write_file(chain(), history_b);
  edit_chain([&](std::vector<std::string>& p) { p.push_back(p[1]); });  // a copy of entry 1 at the end
  r = verify_dir();
  EXPECT_THAT(r.problems, Contains(HasSubstr("entry 1 appears twice")));
}

TEST_F(ManifestTest, ChainCutAtTheTailWithItsSegmentsNeedsAnExpectedHead) {
  seal_n(3);
  auto before = verify_dir();
  ASSERT_TRUE(before.ok());
  Digest recorded = before.head;
  // The attacker cuts the last entry and deletes its segment: consistent on its own.
  fs::remove(seg(3));
  edit_chain([](std::vector<std::string>& p) { p.pop_back(); });
  auto r = verify_dir();
  EXPECT_TRUE(r.ok()) << joined(r.problems);  // honest: undetectable without an outside record
  VerifyOptions o;
  o.expect_head = recorded;
  r = verify_dir(o);
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_THAT(r.problems[0], AllOf(HasSubstr("the expected head " + to_hex(recorded) + " is not in manifest/chain.log (2 "
                                                                                      "entries"),
                                   HasSubstr("cut at its tail or rewritten")));
}

TEST_F(ManifestTest, ChainCutAtTheTailLeavesItsSegmentUnrecorded) {
  seal_n(3);
  edit_chain([](std::vector<std::string>& p) { p.pop_back(); });
  auto r = verify_dir();
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_THAT(r.problems[0], HasSubstr("segments/0000000000000003.vseg is not recorded in the chain"));
}

TEST_F(ManifestTest, ExpectedHeadStillInAGrownChain) {
  seal_n(2);
  Digest recorded = verify_dir().head;
  {
    auto m = open();
    seal(*m, 3);
  }
  VerifyOptions o;
  o.expect_head = recorded;
  auto r = verify_dir(o);
  EXPECT_TRUE(r.ok()) << joined(r.problems);
  EXPECT_THAT(r.notes, Contains(HasSubstr("is entry 1 of the chain; 1 entries follow it")));
  o.expect_head = r.head;
  r = verify_dir(o);
  EXPECT_THAT(r.notes, Contains(HasSubstr("the chain ends at the expected head")));
  o.expect_head = Digest{};  // recorded before the first seal
  r = verify_dir(o);
  EXPECT_TRUE(r.ok());
  EXPECT_THAT(r.notes, Contains(HasSubstr("the expected head is that of an empty chain")));
}

TEST_F(ManifestTest, ChainReSignedWithAReplacedKeyIsCaughtByPubkey) {
  seal_n(3);
  fs::path trusted = dir.parent_path() / (dir.filename().string() + ".pub");
  export_pubkey(trusted);
  // The attacker deletes segment 2, then rebuilds the chain and keys without it.
  fs::remove(seg(2));
  fs::remove_all(dir / "keys");
  fs::remove(chain());
  {
    auto m = open();
    for (uint64_t s : {1, 3}) {
      Change c;
      c.added.push_back(record(s, content(s)));
      ASSERT_TRUE(m->commit(c).ok());
    }
  }
  auto r = verify_dir();
  EXPECT_TRUE(r.ok()) << joined(r.problems);  // honest: the data directory's own key agrees
  VerifyOptions o;
  o.pubkey_pem_file = trusted;
  r = verify_dir(o);
  fs::remove(trusted);
  // The key, the re-signed entries, and then what they claim (untrusted): segments 1 and 3.
  ASSERT_EQ(r.problems.size(), 4u) << joined(r.problems);
  EXPECT_THAT(r.problems[0], AllOf(HasSubstr("keys/manifest.pub (SHA256:"),
                                   HasSubstr("is not the key given with --pubkey (SHA256:"),
                                   HasSubstr("the data directory's key was replaced")));
  EXPECT_THAT(r.problems[1], AllOf(HasSubstr("2 entries at offsets"), HasSubstr("are signed by the data directory's key"),
                                   HasSubstr("not by the key given with --pubkey"),
                                   HasSubstr("the chain was re-signed with a replaced key")));
  EXPECT_THAT(r.problems[2], HasSubstr("segments/0000000000000001.vseg is not recorded in the chain"));
}

TEST_F(ManifestTest, PubkeyGivenMatches) {
  seal_n(2);
  fs::path trusted = dir / "trusted.pub";
  std::string pem = export_pubkey(trusted);
  VerifyOptions o;
  o.pubkey_pem_file = trusted;
  auto r = verify_dir(o);
  EXPECT_TRUE(r.ok()) << joined(r.problems);
  EXPECT_EQ(r.key_fingerprint, *key_fingerprint(pem));
  EXPECT_THAT(r.notes, ::testing::Not(Contains(HasSubstr("checked against the public key in the data directory"))));
}

TEST_F(ManifestTest, UnrelatedPubkeyFailsEveryEntry) {
  seal_n(2);
  fs::path other_dir = dir / "other";
  fs::create_directories(other_dir);
  ASSERT_TRUE(Manifest::open(other_dir, false).ok());
  VerifyOptions o;
  o.pubkey_pem_file = other_dir / kPubFile;
  auto r = verify_dir(o);
  EXPECT_THAT(r.problems, Contains(HasSubstr("is not the key given with --pubkey")));
  EXPECT_THAT(r.problems, Contains(HasSubstr("are signed by the data directory's key")));
}

TEST_F(ManifestTest, BadPubkeyFileIsAnErrorNotAVerdict) {
  seal_n(1);
  write_file(dir / "bad.pub", "not a key");
  VerifyOptions o;
  o.pubkey_pem_file = dir / "bad.pub";
  auto r = verify(dir, o);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error(), HasSubstr("is not a PEM public key"));
  o.pubkey_pem_file = dir / "absent.pub";
  EXPECT_FALSE(verify(dir, o).ok());
  EXPECT_FALSE(verify(dir / "nope", VerifyOptions{}).ok());
}

// ---------------------------------------------------------------- keys the writer refuses

TEST_F(ManifestTest, WriterRefusesAChainWhoseKeyIsGone) {
  seal_n(1);
  fs::remove(dir / kKeyFile);
  auto m = Manifest::open(dir, false);
  ASSERT_FALSE(m.ok());
  EXPECT_THAT(m.error(), HasSubstr("has 1 entries but the key that signs them"));
}

TEST_F(ManifestTest, WriterRefusesAReplacedKey) {
  seal_n(1);
  fs::path other = dir / "other";
  fs::create_directories(other);
  ASSERT_TRUE(Manifest::open(other, false).ok());
  fs::copy_file(other / kKeyFile, dir / kKeyFile, fs::copy_options::overwrite_existing);
  auto m = Manifest::open(dir, false);
  ASSERT_FALSE(m.ok());
  EXPECT_THAT(m.error(), HasSubstr("is not the public key of"));
  fs::copy_file(other / kPubFile, dir / kPubFile, fs::copy_options::overwrite_existing);
  m = Manifest::open(dir, false);
  ASSERT_FALSE(m.ok());
  EXPECT_THAT(m.error(), HasSubstr("its last entry (entry 0) is not signed by"));
  auto r = verify_dir();
  EXPECT_THAT(r.problems, Contains(HasSubstr("was changed: its signature does not verify")));
}

TEST_F(ManifestTest, CommitRefusesImpossibleChanges) {
  auto m = open();
  seal(*m, 1);
  Change dup;
  dup.added.push_back(record(1, "x"));
  EXPECT_THAT(m->commit(dup).message(), HasSubstr("adds segment 1, which the chain already records"));
  Change ghost;
  ghost.removed.push_back({8, RemovalReason::Retention, "p"});
  EXPECT_THAT(m->commit(ghost).message(), HasSubstr("removes segment 8, which was never added"));
  retire(*m, 1, RemovalReason::Retention, "p");
  Change again;
  again.removed.push_back({1, RemovalReason::Retention, "p"});
  EXPECT_THAT(m->commit(again).message(), HasSubstr("removes segment 1, which was already removed"));
  Change readd;
  readd.added.push_back(record(1, "x"));
  EXPECT_FALSE(m->commit(readd).ok());
  Change big;
  big.added.push_back(record(2, "x"));
  big.added[0].partition.assign(kMaxText + 1, 'p');
  EXPECT_THAT(m->commit(big).message(), HasSubstr("partition of"));
  EXPECT_EQ(m->entries(), 2u);  // refused commits leave no trace
  m.reset();
  EXPECT_TRUE(verify_dir().ok());
}

// ---------------------------------------------------------------- crash leftovers

TEST_F(ManifestTest, CommittedSealNotYetRenamed) {
  {
    auto m = open();
    seal(*m, 1);
    seal(*m, 2, /*rename=*/false);
  }
  auto r = verify_dir();
  EXPECT_TRUE(r.ok()) << joined(r.problems);
  EXPECT_EQ(r.segments_checked, 2u);
  EXPECT_THAT(r.notes, Contains(AllOf(HasSubstr("segment 2 ("), HasSubstr("is committed but still named "
                                                                           "segments/0000000000000002.vseg.tmp"))));
  auto m = open();
  auto done = m->finish_pending();
  ASSERT_TRUE(done.ok()) << done.error();
  EXPECT_EQ(done->seals_completed, 1u);
  EXPECT_TRUE(fs::exists(seg(2)));
  EXPECT_FALSE(fs::exists(seg(2, kPendingSuffix)));
  r = verify_dir();
  EXPECT_TRUE(r.ok());
  EXPECT_THAT(r.notes, ::testing::Not(Contains(HasSubstr("still named"))));
}

TEST_F(ManifestTest, PendingSealWithWrongContentIsTamperingAndLeftAlone) {
  {
    auto m = open();
    seal(*m, 1, /*rename=*/false);
  }
  write_file(seg(1, kPendingSuffix), "something else");
  auto r = verify_dir();
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_THAT(r.problems[0], AllOf(HasSubstr("segment 1 ("), HasSubstr("was truncated: segments/0000000000000001.vseg.tmp")));
  auto m = open();
  auto done = m->finish_pending();
  ASSERT_TRUE(done.ok());
  EXPECT_EQ(done->seals_completed, 0u);
  EXPECT_THAT(done->left_alone, ElementsAre(HasSubstr("does not hold the recorded content of segment 1")));
  EXPECT_TRUE(fs::exists(seg(1, kPendingSuffix)));
}

TEST_F(ManifestTest, UncommittedSealIsANoteAndIsDeleted) {
  seal_n(1);
  write_file(seg(2, kPendingSuffix), content(2));  // crash before the commit
  auto r = verify_dir();
  EXPECT_TRUE(r.ok()) << joined(r.problems);
  EXPECT_THAT(r.notes, Contains(HasSubstr("segments/0000000000000002.vseg.tmp is a seal that was never committed")));
  auto m = open();
  auto done = m->finish_pending();
  ASSERT_TRUE(done.ok());
  EXPECT_EQ(done->uncommitted_deleted, 1u);
  EXPECT_FALSE(fs::exists(seg(2, kPendingSuffix)));
}

TEST_F(ManifestTest, RemovalNotFinished) {
  {
    auto m = open();
    seal(*m, 1);
    seal(*m, 2);
    retire(*m, 1, RemovalReason::Retention, "authentication: 400 days", /*remove_file=*/false);
  }
  auto r = verify_dir();
  EXPECT_TRUE(r.ok()) << joined(r.problems);
  EXPECT_THAT(r.notes, Contains(AllOf(HasSubstr("segment 1 ("), HasSubstr("was removed in entry 2 (authentication: 400 "
                                                                           "days) but its file is still there"))));
  EXPECT_THAT(r.retention, IsEmpty());
  auto m = open();
  auto done = m->finish_pending();
  ASSERT_TRUE(done.ok());
  EXPECT_EQ(done->removals_completed, 1u);
  EXPECT_FALSE(fs::exists(seg(1)));
  r = verify_dir();
  EXPECT_TRUE(r.ok());
  EXPECT_THAT(r.retention, ElementsAre(HasSubstr("removed by retention policy 'authentication: 400 days'")));
}

TEST_F(ManifestTest, FinishPendingLeavesUnrecordedAndMissingFilesForVerify) {
  seal_n(2);
  write_file(seg(9), "planted");
  fs::remove(seg(1));
  auto m = open();
  auto done = m->finish_pending();
  ASSERT_TRUE(done.ok());
  EXPECT_THAT(done->left_alone, ElementsAre(HasSubstr("segment 1 is recorded but has no file"),
                                            HasSubstr("0000000000000009.vseg is not recorded in the manifest")));
  EXPECT_TRUE(fs::exists(seg(9)));
}

TEST_F(ManifestTest, NoChainButSegmentsIsAProblem) {
  write_file(seg(1), "x");
  auto r = verify_dir();
  EXPECT_THAT(r.problems, Contains("manifest/chain.log is missing: no segment can be checked"));
  EXPECT_THAT(r.problems, Contains(HasSubstr("segments/0000000000000001.vseg is not recorded in the chain")));
}

TEST_F(ManifestTest, EmptyDirectoryIsIntact) {
  auto r = verify_dir();
  EXPECT_TRUE(r.ok()) << joined(r.problems);
  EXPECT_EQ(r.entries, 0u);
}

TEST(ManifestFormat, DecodeRefusesMalformedEntries) {
  EXPECT_THAT(decode_entry("short", 0).error(), HasSubstr("too short"));
  std::string body(1, '\x02');
  body += std::string(200, '\0');
  EXPECT_THAT(decode_entry(body, 0).error(), HasSubstr("version 2 is not supported"));
  std::string v1(1, '\x01');
  v1 += std::string(8 + 32 + 8, '\0');
  io::put_fixed32(v1, 1000000);  // added count that cannot fit
  v1 += std::string(64, '\0');
  EXPECT_THAT(decode_entry(v1, 0).error(), HasSubstr("cannot fit"));
}

}  // namespace
}  // namespace vigil::manifest

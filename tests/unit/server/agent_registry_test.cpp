// AgentRegistry: batch numbering (duplicate, in flight, gaps), persistence through
// agents.json and the ledger, and the crash window between a durable batch and its
// ledger line (closed by finding the batch in the store again).
#include "server/agent_registry.h"

#include <gtest/gtest.h>

#include <fstream>
#include <random>

#include "server/agent_api.h"
#include "store/store.h"

namespace vigil {
namespace {

struct TempDir {
  std::filesystem::path path;
  TempDir() {
    std::random_device rd;
    path = std::filesystem::temp_directory_path() / ("vigil-agents-" + std::to_string(rd()) + std::to_string(rd()));
    std::filesystem::create_directories(path);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
};

AgentRecord agent(const std::string& id) {
  AgentRecord r;
  r.agent_id = id;
  r.hostname = "host-" + id;
  r.tenant = "acme";
  r.cert_fingerprint = "SHA256:00";
  r.enrolled_at = 1'000'000'000;
  return r;
}

std::unique_ptr<AgentRegistry> open_registry(const std::filesystem::path& dir) {
  auto r = AgentRegistry::open(dir);
  EXPECT_TRUE(r.ok()) << r.error();
  return r.ok() ? std::move(r.value()) : nullptr;
}

std::string read_text(const std::filesystem::path& p) {
  std::ifstream in(p);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST(AgentRegistry, ClaimsNewDuplicateInFlightAndUnknown) {
  TempDir d;
  auto reg = open_registry(d.path);
  ASSERT_TRUE(reg->enroll(agent("agt-a")).ok());
  EXPECT_EQ(reg->claim_batch("agt-x", 1, 5), BatchClaim::Unknown);
  EXPECT_EQ(reg->claim_batch("agt-a", 1, 5), BatchClaim::Store);
  EXPECT_EQ(reg->claim_batch("agt-a", 1, 5), BatchClaim::InFlight);
  ASSERT_TRUE(reg->finish_batch("agt-a", 1, true).ok());
  EXPECT_EQ(reg->claim_batch("agt-a", 1, 6), BatchClaim::Duplicate);
  // A failed store releases the claim without moving last_seq: the resend is stored.
  EXPECT_EQ(reg->claim_batch("agt-a", 2, 6), BatchClaim::Store);
  ASSERT_TRUE(reg->finish_batch("agt-a", 2, false).ok());
  EXPECT_EQ(reg->find("agt-a")->last_seq, 1u);
  EXPECT_EQ(reg->claim_batch("agt-a", 2, 7), BatchClaim::Store);
  // A gap (the agent's spool dropped batches 3..9) is fine; last_seq moves to 10.
  EXPECT_EQ(reg->claim_batch("agt-a", 10, 7), BatchClaim::Store);
  ASSERT_TRUE(reg->finish_batch("agt-a", 10, true).ok());
  ASSERT_TRUE(reg->finish_batch("agt-a", 2, true).ok());  // finishing late never moves last_seq back
  EXPECT_EQ(reg->find("agt-a")->last_seq, 10u);
  EXPECT_EQ(reg->claim_batch("agt-a", 5, 8), BatchClaim::Duplicate);
  EXPECT_EQ(reg->find("agt-a")->last_seen, 8);
}

TEST(AgentRegistry, EnrollRefusesAnExistingId) {
  TempDir d;
  auto reg = open_registry(d.path);
  ASSERT_TRUE(reg->enroll(agent("agt-a")).ok());
  EXPECT_FALSE(reg->enroll(agent("agt-a")).ok());
  EXPECT_EQ(reg->list().size(), 1u);
}

TEST(AgentRegistry, LedgerIsReplayedOverAgentsJsonAfterACrash) {
  TempDir d;
  {
    auto reg = open_registry(d.path);
    ASSERT_TRUE(reg->enroll(agent("agt-a")).ok());  // agents.json written, last_seq 0
    ASSERT_TRUE(reg->enroll(agent("agt-b")).ok());
    for (uint64_t seq : {1, 2, 3}) {
      ASSERT_EQ(reg->claim_batch("agt-a", seq, 1), BatchClaim::Store);
      ASSERT_TRUE(reg->finish_batch("agt-a", seq, true).ok());
    }
    ASSERT_EQ(reg->claim_batch("agt-b", 7, 1), BatchClaim::Store);
    ASSERT_TRUE(reg->finish_batch("agt-b", 7, true).ok());
    // No save(): the process "dies" here; only the ledger knows about the batches.
  }
  EXPECT_EQ(read_text(d.path / "ledger"), "agt-a 1\nagt-a 2\nagt-a 3\nagt-b 7\n");
  // A crash in the middle of an append leaves a line without its newline.
  std::ofstream(d.path / "ledger", std::ios::app) << "agt-a 4";
  auto reg = open_registry(d.path);
  EXPECT_EQ(reg->find("agt-a")->last_seq, 3u);
  EXPECT_EQ(reg->find("agt-b")->last_seq, 7u);
  EXPECT_EQ(reg->find("agt-a")->tenant, "acme");
  EXPECT_EQ(reg->claim_batch("agt-a", 3, 2), BatchClaim::Duplicate);
  EXPECT_EQ(reg->claim_batch("agt-a", 4, 2), BatchClaim::Store);
}

TEST(AgentRegistry, SaveKeepsEverythingAndEmptiesTheLedger) {
  TempDir d;
  {
    auto reg = open_registry(d.path);
    ASSERT_TRUE(reg->enroll(agent("agt-a")).ok());
    ASSERT_EQ(reg->claim_batch("agt-a", 5, 1), BatchClaim::Store);
    ASSERT_TRUE(reg->finish_batch("agt-a", 5, true).ok());
    AgentHealth h;
    h.version = "0.1.0";
    h.spool_batches = 3;
    h.dropped_events = 12;
    h.cpu_percent = 1.5;
    reg->heartbeat("agt-a", h, 2'000'000'000);
    ASSERT_TRUE(reg->save().ok());
    EXPECT_EQ(read_text(d.path / "ledger"), "");
    // Appends after a save land in the emptied ledger, not after a hole.
    ASSERT_EQ(reg->claim_batch("agt-a", 6, 3), BatchClaim::Store);
    ASSERT_TRUE(reg->finish_batch("agt-a", 6, true).ok());
    EXPECT_EQ(read_text(d.path / "ledger"), "agt-a 6\n");
  }
  auto reg = open_registry(d.path);
  auto a = reg->find("agt-a");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->last_seq, 6u);
  EXPECT_EQ(a->hostname, "host-agt-a");
  EXPECT_EQ(a->enrolled_at, 1'000'000'000);
  EXPECT_EQ(a->last_seen, 2'000'000'000);
  ASSERT_TRUE(a->health);
  EXPECT_EQ(a->health->version, "0.1.0");
  EXPECT_EQ(a->health->spool_batches, 3u);
  EXPECT_EQ(a->health->dropped_events, 12u);
  EXPECT_DOUBLE_EQ(a->health->cpu_percent, 1.5);
}

TEST(AgentRegistry, DamagedFilesAreErrorsNotSilence) {
  TempDir d;
  std::ofstream(d.path / "agents.json") << "{\"agents\": [";
  EXPECT_FALSE(AgentRegistry::open(d.path).ok());
  std::ofstream(d.path / "agents.json") << "{\"agents\": []}";
  std::ofstream(d.path / "ledger") << "agt-a one\nagt-a 2\n";
  auto r = AgentRegistry::open(d.path);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().find("line 1"), std::string::npos) << r.error();
}

TEST(AgentRegistry, AgentsJsonForTheApi) {
  AgentRecord a = agent("agt-a");
  a.last_seen = 100 * kNsPerSec;
  a.last_seq = 4;
  AgentRecord b = agent("agt-b");  // never seen: offline, last_seen null
  std::string out = agents_to_json({a, b}, 150 * kNsPerSec, 90);
  EXPECT_NE(out.find("\"agent_id\":\"agt-a\",\"hostname\":\"host-agt-a\",\"tenant\":\"acme\",\"status\":\"online\""),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("\"last_seen\":\"1970-01-01T00:01:40.000Z\",\"last_seq\":4"), std::string::npos) << out;
  EXPECT_NE(out.find("\"agent_id\":\"agt-b\",\"hostname\":\"host-agt-b\",\"tenant\":\"acme\",\"status\":\"offline\","
                     "\"last_seen\":null"),
            std::string::npos)
      << out;
  // 91 s after the last news: offline.
  EXPECT_NE(agents_to_json({a}, 191 * kNsPerSec, 90).find("\"status\":\"offline\""), std::string::npos);
}

// The agent's batch is rebuilt with the server's provenance and the exactly-once key.
TEST(AgentBatch, RebuiltWithServerProvenanceAndUids) {
  EventBatch in;
  in.begin_event({.receive_time = 10, .raw = "line one", .source = "claimed", .input = "file", .tenant = "evil"});
  in.set_time(7);
  in.add_string(field_id("metadata.uid"), "agent-claimed-uid");
  in.add_string(field_id("actor.user.name"), "alice");
  in.add_int(field_id("class_uid"), 1007);
  in.end_event();
  in.begin_event({.receive_time = 11, .raw = "line two"});
  in.set_parse_error("bad");
  in.end_event();
  EventBatch out;
  rebuild_agent_batch(in, "agt-0123456789abcdef", "acme", 42, out);
  ASSERT_EQ(out.size(), 2u);
  const Event& e = out[0];
  EXPECT_EQ(e.raw, "line one");
  EXPECT_EQ(e.time, 7);
  EXPECT_EQ(e.receive_time, 10);
  EXPECT_EQ(e.source, "agt-0123456789abcdef");
  EXPECT_EQ(e.input, "agent");
  EXPECT_EQ(e.tenant, "acme");
  int uids = 0;
  for (const Field& f : out.fields(e))
    if (f.id == field_id("metadata.uid")) {
      ++uids;
      EXPECT_EQ(f.value.as_string(), "agt-0123456789abcdef:42:0");
    }
  EXPECT_EQ(uids, 1);
  EXPECT_EQ(out.find(e, field_id("actor.user.name"))->as_string(), "alice");
  EXPECT_EQ(out.find(e, field_id("class_uid"))->i64, 1007);
  EXPECT_EQ(out.find(out[1], field_id("metadata.uid"))->as_string(), "agt-0123456789abcdef:42:1");
  EXPECT_TRUE(out[1].flags & kFlagParseError);
  EXPECT_EQ(out[1].parse_error, "bad");
}

// The crash window: the store has batch 2 durable, the ledger line was never written.
// At the next start, recover_last_seqs() finds it through metadata.uid, so the agent's
// resend of batch 2 is a duplicate (and batch 3 is new).
TEST(AgentRecovery, BatchDurableButNotInLedgerIsFoundInTheStore) {
  TempDir d;
  const std::filesystem::path agents_dir = d.path / "agents";
  for (bool sealed : {false, true}) {
    SCOPED_TRACE(sealed ? "sealed in a segment" : "in the WAL only");
    std::filesystem::remove_all(d.path);
    std::filesystem::create_directories(d.path);
    StoreOptions so;
    so.dir = d.path / "store";
    {
      auto reg = open_registry(agents_dir);
      ASSERT_TRUE(reg->enroll(agent("agt-a")).ok());
      ASSERT_TRUE(reg->enroll(agent("agt-b")).ok());
      auto store = Store::open(so);
      ASSERT_TRUE(store.ok()) << store.error();
      for (uint64_t seq : {1, 2}) {
        EventBatch in, out;
        for (int i = 0; i < 3; ++i) {
          in.begin_event({.receive_time = 1000 + i, .raw = "event"});
          in.end_event();
        }
        rebuild_agent_batch(in, "agt-a", "acme", seq, out);
        ASSERT_EQ(reg->claim_batch("agt-a", seq, 1), BatchClaim::Store);
        ASSERT_TRUE((*store)->append_sync(std::move(out)).ok());
        if (seq == 1) {
          ASSERT_TRUE(reg->finish_batch("agt-a", seq, true).ok());
        }
        // seq 2: "crash" after the store's ack, before the ledger line.
      }
      if (sealed) {
        ASSERT_TRUE((*store)->flush().ok());
      }
    }
    auto store = Store::open(so);
    ASSERT_TRUE(store.ok()) << store.error();
    auto reg = open_registry(agents_dir);
    EXPECT_EQ(reg->find("agt-a")->last_seq, 1u);
    auto found = reg->recover_last_seqs(
        [&](const std::string& id, uint64_t seq) { return agent_batch_stored(**store, id, seq); });
    ASSERT_TRUE(found.ok()) << found.error();
    EXPECT_EQ(*found, 1u);
    EXPECT_EQ(reg->find("agt-a")->last_seq, 2u);
    EXPECT_EQ(reg->find("agt-b")->last_seq, 0u);  // another agent's uids are not its own
    EXPECT_EQ(reg->claim_batch("agt-a", 2, 2), BatchClaim::Duplicate);
    EXPECT_EQ(reg->claim_batch("agt-a", 3, 2), BatchClaim::Store);
    // The recovery wrote its ledger line: the next start knows without the store.
    reg.reset();
    reg = open_registry(agents_dir);
    EXPECT_EQ(reg->find("agt-a")->last_seq, 2u);
  }
}

}  // namespace
}  // namespace vigil

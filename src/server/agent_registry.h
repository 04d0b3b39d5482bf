// AgentRegistry: the server's record of its enrolled endpoint agents, in <data>/agents:
//   agents.json  every agent (id, hostname, tenant, certificate fingerprint, enrolled_at,
//                last_seen, last_seq, last health); rewritten whole (temp + fsync + rename)
//                on enrollment, periodically and at stop
//   ledger       "agent_id seq\n" appended and fdatasynced once a batch is durable in the
//                store; replayed over agents.json at open, emptied after each rewrite
// last_seq is what makes agent delivery exactly-once: a batch numbered <= last_seq was
// stored already and is acknowledged again without being stored. The store may hold a
// batch whose ledger line a crash prevented: recover_last_seqs() closes that window.
// Thread-safe.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/time.h"
#include "ingest/agent_protocol.h"

namespace vigil {

struct AgentRecord {
  std::string agent_id;
  std::string hostname;
  std::string tenant = "default";
  std::string cert_fingerprint;  // "SHA256:..." of the certificate issued at enrollment
  TimeNs enrolled_at = 0;
  TimeNs last_seen = 0;          // last request of any kind (0: none since enrollment)
  uint64_t last_seq = 0;         // highest batch number stored (0: none)
  std::optional<AgentHealth> health;  // from the last heartbeat
};

// What to do with batch `seq` of an agent (claim_batch).
enum class BatchClaim {
  Store,      // new: store it, then finish_batch()
  Duplicate,  // seq <= last_seq: stored before, acknowledge without storing
  InFlight,   // the same seq is being stored right now: the sender should retry
  Unknown,    // no such agent
};

class AgentRegistry {
 public:
  // Reads dir/agents.json (absent: no agents) and replays dir/ledger over it. A torn
  // last ledger line (a crash mid-append) is ignored; other damage is an error.
  static Result<std::unique_ptr<AgentRegistry>> open(const std::filesystem::path& dir);

  // Adds an agent and rewrites agents.json before returning (enrollment answers after).
  Status enroll(const AgentRecord& agent);
  std::optional<AgentRecord> find(const std::string& agent_id) const;
  std::vector<AgentRecord> list() const;  // by agent id

  BatchClaim claim_batch(const std::string& agent_id, uint64_t seq, TimeNs now);
  // Ends a claim. stored: the batch is durable: the ledger line is written (and synced)
  // and last_seq moves on (never back). A ledger that cannot be written is returned as
  // an error, but last_seq still moves on: the events are durable, and a restart finds
  // them again through recover_last_seqs().
  Status finish_batch(const std::string& agent_id, uint64_t seq, bool stored);

  void heartbeat(const std::string& agent_id, const AgentHealth& health, TimeNs now);

  // For each agent: while stored(agent_id, last_seq + 1) says the store has that batch,
  // move last_seq to it (and write the ledger line). For start, before serving agents.
  // Returns how many batches were found.
  Result<uint64_t> recover_last_seqs(const std::function<Result<bool>(const std::string&, uint64_t)>& stored);

  // Rewrites agents.json with the current state and empties the ledger.
  Status save();

  const std::filesystem::path& dir() const { return dir_; }

 private:
  explicit AgentRegistry(std::filesystem::path dir) : dir_(std::move(dir)) {}
  Status load();
  Status append_ledger(const std::string& agent_id, uint64_t seq);  // ledger_mu_ held

  std::filesystem::path dir_;
  std::mutex ledger_mu_;  // taken before mu_ when both are needed
  int ledger_fd_ = -1;
  mutable std::mutex mu_;
  std::map<std::string, AgentRecord> agents_;
  std::set<std::pair<std::string, uint64_t>> in_flight_;

 public:
  ~AgentRegistry();
  AgentRegistry(const AgentRegistry&) = delete;
  AgentRegistry& operator=(const AgentRegistry&) = delete;
};

// GET /api/v1/agents: [{agent_id, hostname, tenant, status online|offline, last_seen,
// last_seq, enrolled_at, cert_fingerprint, health{...}}]; online when last_seen is within
// offline_after_s of now. Times RFC 3339 (null when never seen).
std::string agents_to_json(const std::vector<AgentRecord>& agents, TimeNs now, int64_t offline_after_s);

}  // namespace vigil

// Retention and legal hold: which partitions (see partition.h) the store may drop.
//
// Retention drops whole partitions, never single events. A partition is named by
// tenant, UTC day, OCSF class and input, so a policy picks partitions by any of those:
//
//   retention:
//     default_days: 365                 # partitions no policy matches; 0 = keep forever (the default)
//     policies:
//       - name: authentication          # shown in logs and in `vigil store retention plan`
//         classes: [authentication, account_change]   # OCSF class names or class_uid numbers
//         days: 400
//       - name: network flows
//         categories: [network]         # OCSF category names or category_uid numbers
//         days: 30
//       - name: tenant acme syslog
//         tenants: [acme]               # globs: * any run, ? any one character
//         inputs: ["syslog-*"]          # globs on the input name (syslog-udp, http, ...)
//         days: 90
//
// A policy matches a partition when every selector it gives matches (a selector is a
// list; one of its entries must match). `days: 0` in a policy means keep forever, so a
// narrow policy can exempt partitions from a shorter, broader one. A policy gives
// classes or categories, not both (a class already names its category).
//
// Precedence when several policies match one partition:
//   1. the most specific policy wins. Specificity: 1 for tenants, 1 for inputs, and
//      2 for classes or 1 for categories (a class is narrower than its category), so
//      "classes: [dns_activity]" beats "categories: [network]";
//   2. among equally specific ones, the longest retention wins (0 = forever counts as
//      longest): when policies disagree, retention errs on the side of keeping data;
//   3. among those, the first in the file.
// A partition no policy matches gets default_days.
//
// Expiry: a partition expires when its whole day is older than `days`, that is when
// day_end() < now - days. With days = 30 the store therefore holds today and the
// 30 previous whole days.
//
// Legal hold: a hold names a tenant glob and an event-time range; every partition of
// a matching tenant whose day overlaps the range is kept whatever retention says.
// Holds live in <data dir>/legal-holds.json, written atomically and durably.
//
// Using it (the store's retention pass):
//   auto lock = HoldsLock::acquire(dir);           // so a hold added meanwhile is not missed
//   auto holds = load_holds(dir);                  // on error: drop nothing, log the error
//   auto plan = plan_retention(partitions, config, *holds, now_ns());
//   drop plan.drop; log plan.held ("past retention but held by ...").
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/glob.h"
#include "core/status.h"
#include "core/time.h"
#include "store/partition.h"

namespace YAML {
class Node;
}

namespace vigil {

// ---- Policies ----

struct RetentionPolicy {
  std::string name;
  std::vector<std::string> tenants;    // globs; empty = every tenant
  std::vector<int64_t> class_uids;     // empty = every class
  std::vector<int64_t> category_uids;  // empty = every category
  std::vector<std::string> inputs;     // globs; empty = every input
  int64_t days = 0;                    // 0 = keep forever

  bool matches(const PartitionKey& p) const;
  // The precedence rank described above: tenants 1, inputs 1, classes 2 or categories 1.
  int specificity() const;
};

struct RetentionConfig {
  std::vector<RetentionPolicy> policies;
  int64_t default_days = 0;  // 0 = keep forever
};

constexpr int64_t kMaxRetentionDays = 36'500;  // 100 years; more is a typo

// Reads the value of the `retention:` key (a null node gives the default: keep
// everything forever). Errors name the key path and line and say what is wrong:
// "retention.policies[1].days (line 9): must be a whole number of days from 0 (keep
// forever) to 36500, got '-5'". Unknown keys, unknown class or category names (the
// message lists the valid ones), empty selector lists, a policy without selectors and
// duplicate policy names are refused.
Result<RetentionConfig> parse_retention(const YAML::Node& retention);
// Reads the `retention:` section of a YAML file (such as the server's config file;
// its other keys are ignored). A file without the section gives the default.
Result<RetentionConfig> load_retention_file(const std::filesystem::path& file);

// The OCSF names understood in `classes:` and `categories:`, with their uids.
struct OcsfName {
  std::string_view name;
  int64_t uid;
};
std::span<const OcsfName> ocsf_class_names();
std::span<const OcsfName> ocsf_category_names();

// Tenant and input selectors and holds match names with glob_match (core/glob.h).

// ---- Legal holds ----

struct LegalHold {
  std::string id;           // [A-Za-z0-9._:-], 1..128 characters, unique in the data directory
  std::string reason;       // required
  std::string tenant;       // glob; "*" holds every tenant
  TimeNs from = 0, to = 0;  // event-time range, inclusive
  TimeNs created = 0;
  std::string created_by;

  // True when the tenant glob matches and the partition's day overlaps [from, to].
  bool covers(const PartitionKey& p) const;
};

constexpr std::string_view kHoldsFileName = "legal-holds.json";

// Checks the fields: id syntax, non-empty reason and tenant, from <= to, no control
// characters. "hold 'x': ..." on error.
Status validate_hold(const LegalHold& hold);

// The holds of a data directory; none when legal-holds.json does not exist. A file that
// cannot be read or parsed is an error naming the file: retention must then drop nothing.
Result<std::vector<LegalHold>> load_holds(const std::filesystem::path& dir);
// Parses the content of a holds file; `file` names it in errors. Exposed for tests.
Result<std::vector<LegalHold>> parse_holds(std::string_view json, const std::filesystem::path& file);
// The content of a holds file: {"version":1,"holds":[...]}, times as RFC 3339 UTC.
std::string format_holds(std::span<const LegalHold> holds);

// Adds a hold (refused if invalid or if its id exists) and removes one by id (error if
// absent; returns the removed hold). Both take HoldsLock and rewrite the file atomically
// with fsync. The data directory must exist.
Status add_hold(const std::filesystem::path& dir, const LegalHold& hold);
Result<LegalHold> remove_hold(const std::filesystem::path& dir, std::string_view id);

// Exclusive flock(2) on <dir>/legal-holds.lock, blocking until it is free. add_hold and
// remove_hold take it; a retention pass should hold it from load_holds() until its drops
// are done, so that a hold added concurrently either is seen or waits for the pass.
// Not re-entrant: a thread holding it must not call add_hold or remove_hold (flock
// locks of two descriptors conflict even within one process).
class HoldsLock {
 public:
  static Result<std::unique_ptr<HoldsLock>> acquire(const std::filesystem::path& dir);
  ~HoldsLock();
  HoldsLock(const HoldsLock&) = delete;
  HoldsLock& operator=(const HoldsLock&) = delete;

 private:
  explicit HoldsLock(int fd) : fd_(fd) {}
  int fd_;
};

// ---- The decision ----

struct RetentionDrop {
  PartitionKey partition;
  std::string policy;  // the rule that expired it: "network flows: 30 days", "default: 365 days"
};

struct RetentionHeld {
  PartitionKey partition;
  std::string policy;                 // as in RetentionDrop
  std::vector<std::string> hold_ids;  // every hold that covers it
};

struct RetentionPlan {
  std::vector<RetentionDrop> drop;  // expired and not held: drop these
  std::vector<RetentionHeld> held;  // expired but kept by a legal hold
};

// The policy that decides `p` (precedence above); nullptr when none matches (default_days).
const RetentionPolicy* winning_policy(const PartitionKey& p, const RetentionConfig& config);

// Pure: which of `partitions` expire at `now`, split into those to drop and those held.
// Partitions that have not expired appear in neither list. Days <= 0 never expire.
RetentionPlan plan_retention(std::span<const PartitionKey> partitions, const RetentionConfig& config,
                             std::span<const LegalHold> holds, TimeNs now);

}  // namespace vigil

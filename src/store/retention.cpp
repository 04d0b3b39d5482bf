// Retention policies, legal holds and the plan of what to drop (see retention.h).
#include "store/retention.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <sys/file.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cerrno>
#include <limits>
#include <set>

#include "store/io.h"

namespace vigil {

namespace {

// OCSF classes of ARCHITECTURE.md ("Classes used first"), by their schema names.
constexpr OcsfName kClasses[] = {
    {"base_event", 0},
    {"file_activity", 1001},
    {"process_activity", 1007},
    {"vulnerability_finding", 2002},
    {"compliance_finding", 2003},
    {"detection_finding", 2004},
    {"account_change", 3001},
    {"authentication", 3002},
    {"user_access", 3005},
    {"network_activity", 4001},
    {"http_activity", 4002},
    {"dns_activity", 4003},
    {"inventory_info", 5001},
    {"api_activity", 6003},
};

constexpr OcsfName kCategories[] = {
    {"system", 1}, {"findings", 2}, {"iam", 3}, {"network", 4}, {"discovery", 5}, {"application", 6},
};

constexpr size_t kMaxHoldsFileBytes = 16u << 20;

// ---- YAML helpers ----

// "retention.policies[1].days (line 9)": where a node is, for error messages.
std::string where(const std::string& path, const YAML::Node& node) {
  int line = node.Mark().line;
  return line >= 0 ? fmt::format("{} (line {})", path, line + 1) : path;
}

std::string shown(const YAML::Node& node) {
  if (node.IsScalar()) return "'" + node.Scalar() + "'";
  if (node.IsSequence()) return "a list";
  if (node.IsMap()) return "a mapping";
  return "nothing";
}

Status check_keys(const YAML::Node& node, const std::string& path, const std::vector<std::string_view>& allowed) {
  if (!node.IsMap())
    return Status::error(fmt::format("{}: expected a mapping, got {}", where(path, node), shown(node)));
  for (const auto& kv : node) {
    std::string key = kv.first.Scalar();
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      return Status::error(
          fmt::format("unknown key '{}.{}'{} (expected one of: {})", path, key,
                      kv.first.Mark().line >= 0 ? fmt::format(" at line {}", kv.first.Mark().line + 1) : std::string(),
                      fmt::join(allowed, ", ")));
    }
  }
  return {};
}

Status read_days(const YAML::Node& node, const std::string& path, int64_t& out) {
  auto bad = [&] {
    return Status::error(fmt::format("{}: must be a whole number of days from 0 (keep forever) to {}, got {}",
                                     where(path, node), kMaxRetentionDays, shown(node)));
  };
  if (!node.IsScalar()) return bad();
  int64_t v;
  try {
    v = node.as<int64_t>();
  } catch (const YAML::Exception&) {
    return bad();
  }
  if (v < 0 || v > kMaxRetentionDays) return bad();
  out = v;
  return {};
}

// A selector: one scalar or a non-empty list of scalars.
Status read_list(const YAML::Node& node, const std::string& path, std::vector<std::string>& out) {
  if (node.IsScalar()) {
    out.push_back(node.Scalar());
  } else if (node.IsSequence()) {
    if (node.size() == 0)
      return Status::error(fmt::format("{}: empty list; leave the key out to match everything", where(path, node)));
    for (const auto& item : node) {
      if (!item.IsScalar())
        return Status::error(fmt::format("{}: expected a name, got {}", where(path, item), shown(item)));
      out.push_back(item.Scalar());
    }
  } else {
    return Status::error(fmt::format("{}: expected a name or a list of names, got {}", where(path, node), shown(node)));
  }
  for (const auto& s : out) {
    if (s.empty()) return Status::error(fmt::format("{}: empty name", where(path, node)));
  }
  return {};
}

std::string normalized(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == ' ' || c == '-') c = '_';
    out.push_back(static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c));
  }
  return out;
}

bool parse_uid(std::string_view s, int64_t& out) {
  if (s.empty() || s.size() > 12) return false;
  int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  out = v;
  return true;
}

// Class or category names (or uid numbers) to uids.
Status read_uids(const YAML::Node& node, const std::string& path, std::span<const OcsfName> table,
                 std::string_view what, std::vector<int64_t>& out) {
  std::vector<std::string> names;
  if (Status s = read_list(node, path, names); !s.ok()) return s;
  for (const auto& name : names) {
    int64_t uid;
    if (parse_uid(name, uid)) {
      out.push_back(uid);
      continue;
    }
    std::string key = normalized(name);
    auto it = std::find_if(table.begin(), table.end(), [&](const OcsfName& n) { return n.name == key; });
    if (it == table.end()) {
      std::vector<std::string> valid;
      for (const auto& n : table) valid.push_back(fmt::format("{} ({})", n.name, n.uid));
      return Status::error(fmt::format("{}: unknown {} '{}'; use a {}_uid number or one of: {}", where(path, node),
                                       what, name, what, fmt::join(valid, ", ")));
    }
    out.push_back(it->uid);
  }
  return {};
}

Result<RetentionPolicy> read_policy(const YAML::Node& node, const std::string& path) {
  if (Status s = check_keys(node, path, {"name", "tenants", "classes", "categories", "inputs", "days"}); !s.ok())
    return s;
  RetentionPolicy p;
  const YAML::Node name = node["name"];
  if (!name || !name.IsScalar() || name.Scalar().empty())
    return Status::error(fmt::format("{}: needs a 'name' (shown in logs when it drops data)", where(path, node)));
  p.name = name.Scalar();
  if (const YAML::Node n = node["tenants"]) {
    if (Status s = read_list(n, path + ".tenants", p.tenants); !s.ok()) return s;
  }
  if (const YAML::Node n = node["inputs"]) {
    if (Status s = read_list(n, path + ".inputs", p.inputs); !s.ok()) return s;
  }
  if (const YAML::Node n = node["classes"]) {
    if (Status s = read_uids(n, path + ".classes", kClasses, "class", p.class_uids); !s.ok()) return s;
  }
  if (const YAML::Node n = node["categories"]) {
    if (Status s = read_uids(n, path + ".categories", kCategories, "category", p.category_uids); !s.ok()) return s;
  }
  if (!p.class_uids.empty() && !p.category_uids.empty())
    return Status::error(fmt::format(
        "{}: give classes or categories, not both (a class already names its category); split it into two policies",
        where(path, node)));
  if (p.tenants.empty() && p.inputs.empty() && p.class_uids.empty() && p.category_uids.empty())
    return Status::error(fmt::format(
        "{}: policy '{}' selects nothing (give tenants, classes, categories or inputs); use default_days for a rule "
        "that applies to everything",
        where(path, node), p.name));
  const YAML::Node days = node["days"];
  if (!days)
    return Status::error(fmt::format("{}: policy '{}' needs 'days' (0 = keep forever)", where(path, node), p.name));
  if (Status s = read_days(days, path + ".days", p.days); !s.ok()) return s;
  return p;
}

std::string days_text(int64_t days) {
  if (days <= 0) return "forever";
  return fmt::format("{} day{}", days, days == 1 ? "" : "s");
}

// Days <= 0 keep forever and so rank above any number of days.
int64_t rank_days(int64_t days) { return days <= 0 ? std::numeric_limits<int64_t>::max() : days; }

bool has_control(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

// ---- Holds file ----

namespace json = boost::json;

Result<LegalHold> hold_from_json(const json::value& v, size_t index) {
  auto bad = [&](const std::string& what) { return Status::error(fmt::format("hold {}: {}", index + 1, what)); };
  if (!v.is_object()) return bad("expected an object");
  const json::object& o = v.as_object();
  static constexpr std::string_view kKeys[] = {"id", "reason", "tenant", "from", "to", "created", "created_by"};
  for (const auto& kv : o) {
    if (std::find(std::begin(kKeys), std::end(kKeys), std::string_view(kv.key())) == std::end(kKeys))
      return bad(fmt::format("unknown key '{}'", std::string_view(kv.key())));
  }
  LegalHold h;
  auto str = [&](std::string_view key, std::string& out) -> Status {
    const json::value* f = o.if_contains(key);
    if (!f) return bad(fmt::format("missing '{}'", key));
    if (!f->is_string()) return bad(fmt::format("'{}' must be a string", key));
    out = std::string(f->as_string());
    return {};
  };
  auto time = [&](std::string_view key, TimeNs& out) -> Status {
    std::string text;
    if (Status s = str(key, text); !s.ok()) return s;
    auto t = parse_rfc3339(text);
    if (!t) return bad(fmt::format("'{}' is not an RFC 3339 time: '{}'", key, text));
    out = *t;
    return {};
  };
  Status s;
  if (!(s = str("id", h.id)).ok() || !(s = str("reason", h.reason)).ok() || !(s = str("tenant", h.tenant)).ok() ||
      !(s = time("from", h.from)).ok() || !(s = time("to", h.to)).ok() || !(s = time("created", h.created)).ok() ||
      !(s = str("created_by", h.created_by)).ok())
    return s;
  if (Status v2 = validate_hold(h); !v2.ok()) return bad(v2.message());
  return h;
}

Status write_holds(const std::filesystem::path& dir, std::span<const LegalHold> holds) {
  return io::write_file_atomic(dir / kHoldsFileName, format_holds(holds));
}

Status check_data_dir(const std::filesystem::path& dir) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec))
    return Status::error(fmt::format("no data directory {} (pass --data DIR of a Vigil store)", dir.string()));
  return {};
}

}  // namespace

// ---- Policies ----

std::span<const OcsfName> ocsf_class_names() { return kClasses; }
std::span<const OcsfName> ocsf_category_names() { return kCategories; }

bool RetentionPolicy::matches(const PartitionKey& k) const {
  auto any_glob = [](const std::vector<std::string>& globs, std::string_view s) {
    return globs.empty() || std::any_of(globs.begin(), globs.end(), [&](const auto& g) { return glob_match(g, s); });
  };
  auto any_uid = [](const std::vector<int64_t>& uids, int64_t uid) {
    return uids.empty() || std::find(uids.begin(), uids.end(), uid) != uids.end();
  };
  return any_glob(tenants, k.tenant) && any_glob(inputs, k.input) && any_uid(class_uids, k.class_uid) &&
         any_uid(category_uids, k.category_uid());
}

int RetentionPolicy::specificity() const {
  return (tenants.empty() ? 0 : 1) + (inputs.empty() ? 0 : 1) +
         (!class_uids.empty()      ? 2
          : !category_uids.empty() ? 1
                                   : 0);
}

Result<RetentionConfig> parse_retention(const YAML::Node& node) {
  RetentionConfig c;
  if (!node.IsDefined() || node.IsNull()) return c;
  try {
    if (Status s = check_keys(node, "retention", {"default_days", "policies"}); !s.ok()) return s;
    if (const YAML::Node d = node["default_days"]) {
      if (Status s = read_days(d, "retention.default_days", c.default_days); !s.ok()) return s;
    }
    const YAML::Node policies = node["policies"];
    if (policies && !policies.IsNull()) {
      if (!policies.IsSequence())
        return Status::error(fmt::format("{}: expected a list of policies, got {}",
                                         where("retention.policies", policies), shown(policies)));
      std::set<std::string> names;
      for (size_t i = 0; i < policies.size(); ++i) {
        std::string path = fmt::format("retention.policies[{}]", i);
        auto p = read_policy(policies[i], path);
        if (!p.ok()) return p.status();
        if (!names.insert(p->name).second)
          return Status::error(fmt::format("{}: a policy named '{}' comes earlier; names must be unique",
                                           where(path, policies[i]), p->name));
        c.policies.push_back(std::move(*p));
      }
    }
  } catch (const YAML::Exception& e) {
    return Status::error(std::string("retention: ") + e.what());
  }
  return c;
}

Result<RetentionConfig> load_retention_file(const std::filesystem::path& file) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(file.string());
  } catch (const YAML::BadFile&) {
    return Status::error("cannot read config file " + file.string());
  } catch (const YAML::Exception& e) {
    return Status::error("config file " + file.string() + ": " + e.what());
  }
  if (root.IsNull()) return RetentionConfig{};
  if (!root.IsMap()) return Status::error("config file " + file.string() + ": expected a mapping at the top");
  auto c = parse_retention(root["retention"]);
  if (!c.ok()) return Status::error("config file " + file.string() + ": " + c.error());
  return c;
}

const RetentionPolicy* winning_policy(const PartitionKey& p, const RetentionConfig& config) {
  const RetentionPolicy* best = nullptr;
  for (const auto& policy : config.policies) {
    if (!policy.matches(p)) continue;
    if (!best || policy.specificity() > best->specificity() ||
        (policy.specificity() == best->specificity() && rank_days(policy.days) > rank_days(best->days)))
      best = &policy;
  }
  return best;
}

RetentionPlan plan_retention(std::span<const PartitionKey> partitions, const RetentionConfig& config,
                             std::span<const LegalHold> holds, TimeNs now) {
  RetentionPlan plan;
  const int64_t today = day_of(now);
  for (const auto& p : partitions) {
    const RetentionPolicy* policy = winning_policy(p, config);
    const int64_t days = policy ? policy->days : config.default_days;
    if (days <= 0) continue;
    // day_end() < now - days*24h, in whole days: the partition's day is before today - days.
    int64_t first_kept;
    if (__builtin_sub_overflow(today, days, &first_kept) || p.day >= first_kept) continue;
    std::string why = fmt::format("{}: {}", policy ? policy->name : "default", days_text(days));
    std::vector<std::string> by;
    for (const auto& h : holds) {
      if (h.covers(p)) by.push_back(h.id);
    }
    if (by.empty()) {
      plan.drop.push_back({p, std::move(why)});
    } else {
      plan.held.push_back({p, std::move(why), std::move(by)});
    }
  }
  return plan;
}

// ---- Legal holds ----

bool LegalHold::covers(const PartitionKey& p) const {
  // Whole days, so that no day arithmetic on p can overflow: the day overlaps [from, to].
  return glob_match(tenant, p.tenant) && day_of(from) <= p.day && p.day <= day_of(to);
}

Status validate_hold(const LegalHold& h) {
  auto bad = [&](const std::string& what) {
    return Status::error(fmt::format("hold '{}': {}", has_control(h.id) ? "?" : h.id, what));
  };
  if (h.id.empty() || h.id.size() > 128 || !std::all_of(h.id.begin(), h.id.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
               c == ':' || c == '-';
      }))
    return bad("the id must be 1 to 128 characters of A-Z a-z 0-9 . _ : -");
  if (h.tenant.empty()) return bad("needs a tenant ('*' for every tenant)");
  if (h.reason.empty()) return bad("needs a reason");
  if (h.tenant.size() > 256 || h.reason.size() > 4096 || h.created_by.size() > 256)
    return bad("tenant, created_by (256) or reason (4096 bytes) too long");
  if (has_control(h.tenant) || has_control(h.reason) || has_control(h.created_by))
    return bad("control characters are not allowed");
  if (h.from > h.to)
    return bad(fmt::format("'from' ({}) is after 'to' ({})", format_rfc3339(h.from), format_rfc3339(h.to)));
  return {};
}

std::string format_holds(std::span<const LegalHold> holds) {
  std::string out = "{\"version\":1,\"holds\":[";
  for (size_t i = 0; i < holds.size(); ++i) {
    const LegalHold& h = holds[i];
    json::object o;
    o["id"] = h.id;
    o["tenant"] = h.tenant;
    o["from"] = format_rfc3339(h.from);
    o["to"] = format_rfc3339(h.to);
    o["reason"] = h.reason;
    o["created"] = format_rfc3339(h.created);
    o["created_by"] = h.created_by;
    out += i == 0 ? "\n" : ",\n";
    out += json::serialize(o);
  }
  out += "\n]}\n";
  return out;
}

Result<std::vector<LegalHold>> parse_holds(std::string_view text, const std::filesystem::path& file) {
  auto bad = [&](const std::string& what) {
    return Status::error(fmt::format("legal holds file {}: {}", file.string(), what));
  };
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos)
    return bad("empty (expected {\"version\":1,\"holds\":[...]})");
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec) return bad("not valid JSON (" + ec.message() + ")");
  if (!v.is_object()) return bad("expected a JSON object with \"version\" and \"holds\"");
  const json::object& o = v.as_object();
  const json::value* version = o.if_contains("version");
  if (!version || !version->is_int64() || version->as_int64() != 1)
    return bad("missing or unknown \"version\" (expected 1)");
  const json::value* list = o.if_contains("holds");
  if (!list || !list->is_array()) return bad("missing \"holds\" array");
  std::vector<LegalHold> holds;
  std::set<std::string> ids;
  for (size_t i = 0; i < list->as_array().size(); ++i) {
    auto h = hold_from_json(list->as_array()[i], i);
    if (!h.ok()) return bad(h.error());
    if (!ids.insert(h->id).second) return bad(fmt::format("hold {}: duplicate id '{}'", i + 1, h->id));
    holds.push_back(std::move(*h));
  }
  return holds;
}

Result<std::vector<LegalHold>> load_holds(const std::filesystem::path& dir) {
  std::filesystem::path file = dir / kHoldsFileName;
  std::error_code ec;
  auto size = std::filesystem::file_size(file, ec);
  if (ec) {
    if (ec == std::errc::no_such_file_or_directory && std::filesystem::is_directory(dir))
      return std::vector<LegalHold>{};
    if (ec == std::errc::no_such_file_or_directory) return check_data_dir(dir);
    return io::os_error("cannot read legal holds file", file, ec.value());
  }
  if (size > kMaxHoldsFileBytes)
    return Status::error(fmt::format("legal holds file {}: {} bytes, more than the {} a holds file can have",
                                     file.string(), size, kMaxHoldsFileBytes));
  std::string text;
  if (Status s = io::read_all(file, text); !s.ok()) return s;
  return parse_holds(text, file);
}

Status add_hold(const std::filesystem::path& dir, const LegalHold& hold) {
  if (Status s = validate_hold(hold); !s.ok()) return s;
  if (Status s = check_data_dir(dir); !s.ok()) return s;
  auto lock = HoldsLock::acquire(dir);
  if (!lock.ok()) return lock.status();
  auto holds = load_holds(dir);
  if (!holds.ok()) return holds.status();
  for (const auto& h : *holds) {
    if (h.id == hold.id)
      return Status::error(
          fmt::format("a hold with id '{}' exists already (tenant {}, reason: {})", h.id, h.tenant, h.reason));
  }
  holds->push_back(hold);
  return write_holds(dir, *holds);
}

Result<LegalHold> remove_hold(const std::filesystem::path& dir, std::string_view id) {
  if (Status s = check_data_dir(dir); !s.ok()) return s;
  auto lock = HoldsLock::acquire(dir);
  if (!lock.ok()) return lock.status();
  auto holds = load_holds(dir);
  if (!holds.ok()) return holds.status();
  auto it = std::find_if(holds->begin(), holds->end(), [&](const LegalHold& h) { return h.id == id; });
  if (it == holds->end())
    return Status::error(fmt::format("no hold with id '{}' in {}", has_control(id) ? "?" : std::string(id),
                                     (dir / kHoldsFileName).string()));
  LegalHold removed = std::move(*it);
  holds->erase(it);
  if (Status s = write_holds(dir, *holds); !s.ok()) return s;
  return removed;
}

Result<std::unique_ptr<HoldsLock>> HoldsLock::acquire(const std::filesystem::path& dir) {
  std::filesystem::path path = dir / "legal-holds.lock";
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return io::os_error("cannot open", path, errno);
  while (::flock(fd, LOCK_EX) != 0) {
    if (errno == EINTR) continue;
    int err = errno;
    ::close(fd);
    return io::os_error("cannot lock", path, err);
  }
  return std::unique_ptr<HoldsLock>(new HoldsLock(fd));
}

HoldsLock::~HoldsLock() { ::close(fd_); }

}  // namespace vigil

// The ClickHouse SQL translation against a real clickhouse-server (Debian's 18.16),
// started here as a plain process on free loopback ports with a generated config:
// translated queries must return what the embedded engine returns over the same
// events, stages must compute what the test computes, and hostile values must
// neither break the statement nor the table.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "../unit/query/memory_store.h"
#include "cluster/clickhouse_http.h"
#include "core/event_batch.h"
#include "core/field_dictionary.h"
#include "core/ip_address.h"
#include "query/clickhouse_sql.h"
#include "query/query_parser.h"
#include "query/search.h"

namespace vigil {
namespace {

namespace fs = std::filesystem;
using namespace vigil::query;

uint16_t free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

// clickhouse-server as a child process with everything under a temp dir.
class ClickHouseServer {
 public:
  bool start(std::string& why) {
    dir_ = fs::temp_directory_path() / ("vigil-ch-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    for (const char* d : {"data", "tmp", "user_files", "format_schemas"}) fs::create_directories(dir_ / d);
    endpoint_.port = free_port();
    const uint16_t tcp = free_port();
    const std::string d = dir_.string();
    std::ofstream(dir_ / "config.xml") << "<?xml version=\"1.0\"?>\n<yandex>\n"
        << "<logger><level>information</level><log>" << d << "/server.log</log><errorlog>" << d
        << "/server.err.log</errorlog></logger>\n"
        << "<http_port>" << endpoint_.port << "</http_port><tcp_port>" << tcp << "</tcp_port>\n"
        << "<listen_host>127.0.0.1</listen_host>\n"
        << "<path>" << d << "/data/</path><tmp_path>" << d << "/tmp/</tmp_path>\n"
        << "<user_files_path>" << d << "/user_files/</user_files_path><format_schema_path>" << d
        << "/format_schemas/</format_schema_path>\n"
        << "<mark_cache_size>67108864</mark_cache_size><users_config>" << d << "/users.xml</users_config>\n"
        << "<default_profile>default</default_profile><default_database>default</default_database>\n"
        << "<timezone>UTC</timezone>\n</yandex>\n";
    std::ofstream(dir_ / "users.xml")
        << "<?xml version=\"1.0\"?>\n<yandex><profiles><default></default></profiles>"
        << "<users><default><password></password><networks><ip>127.0.0.1</ip></networks>"
        << "<profile>default</profile><quota>default</quota></default></users>"
        << "<quotas><default></default></quotas></yandex>\n";
    const std::string config = "--config-file=" + d + "/config.xml";
    pid_ = ::fork();
    if (pid_ == 0) {
      ::chdir(d.c_str());
      FILE* out = std::freopen((d + "/stdout.log").c_str(), "w", stdout);
      FILE* err = std::freopen((d + "/stderr.log").c_str(), "w", stderr);
      (void)out;
      (void)err;
      ::execlp("clickhouse-server", "clickhouse-server", config.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        why = "clickhouse-server exited (status " + std::to_string(status) + ")\n" + log();
        return false;
      }
      cluster::ClickHouseEndpoint ping = endpoint_;
      ping.timeout_ms = 1000;
      auto r = cluster::http_get(ping, "/ping");
      if (r.ok() && r->status == 200) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    why = "clickhouse-server did not answer /ping within 60 s\n" + log();
    return false;
  }

  void stop() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      for (int i = 0; i < 100 && ::waitpid(pid_, nullptr, WNOHANG) == 0; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      if (::kill(pid_, 0) == 0) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, nullptr, 0);
      }
      pid_ = -1;
    }
    if (!dir_.empty()) fs::remove_all(dir_);
  }

  std::string log() const {
    std::string out;
    for (const char* f : {"stderr.log", "server.err.log", "server.log"}) {
      std::ifstream in(dir_ / f);
      std::stringstream ss;
      ss << in.rdbuf();
      std::string s = ss.str();
      if (s.size() > 4000) s = s.substr(s.size() - 4000);
      out += std::string("---- ") + f + "\n" + s;
    }
    return out;
  }

  const cluster::ClickHouseEndpoint& endpoint() const { return endpoint_; }

 private:
  fs::path dir_;
  pid_t pid_ = -1;
  cluster::ClickHouseEndpoint endpoint_;
};

// One generated event, kept in plain form so that the test computes expectations.
struct Gen {
  TimeNs time;
  std::string raw, user, ip, action;
  int64_t cls, severity, bytes;
  bool has_bytes, has_action;
};

constexpr TimeNs kBase = 1'700'000'000'000'000'000;
constexpr int kEvents = 300;

std::vector<Gen> generate() {
  std::mt19937 rng(42);
  const char* users[] = {"root", "Alice", "bob", "admin", "svc_backup"};
  const char* actions[] = {"login", "logout", "Failed", "sudo"};
  const char* words[] = {"sshd", "failed", "Failed password", "accepted", "session opened", "cron", "kernel: oops"};
  std::vector<Gen> out;
  for (int i = 0; i < kEvents; ++i) {
    Gen g;
    g.time = kBase + static_cast<TimeNs>(i) * 1'000'000'007;  // distinct times: a total order
    g.user = users[rng() % 5];
    g.ip = "10." + std::to_string(rng() % 3) + "." + std::to_string(rng() % 4) + "." + std::to_string(rng() % 250 + 1);
    if (rng() % 7 == 0) g.ip = "192.168.1." + std::to_string(rng() % 20);
    g.cls = rng() % 2 ? 3002 : 1007;
    g.severity = rng() % 5;
    g.bytes = static_cast<int64_t>(rng() % 5000);
    g.has_bytes = rng() % 4 != 0;
    g.has_action = rng() % 5 != 0;
    g.action = actions[rng() % 4];
    g.raw = std::string(words[rng() % 7]) + " for " + g.user + " from " + g.ip + " port " + std::to_string(rng() % 65535) +
            (i % 11 == 0 ? " failed_x" : "") + (i % 13 == 0 ? " FAILED!" : "");
    out.push_back(std::move(g));
  }
  return out;
}

std::string insert_sql(const std::vector<Gen>& events) {
  std::string sql =
      "INSERT INTO events (tenant, time, receive_time, input, source, flags, parse_error, raw, class_uid, severity_id, "
      "src_endpoint_ip, user_name, attr_names, attr_values, attr_types) VALUES ";
  for (size_t i = 0; i < events.size(); ++i) {
    const Gen& g = events[i];
    std::string names, values, types;
    auto attr = [&](const std::string& n, const std::string& v, int t) {
      names += (names.empty() ? "" : ",") + sql_string(n);
      values += (values.empty() ? "" : ",") + sql_string(v);
      types += (types.empty() ? "" : ",") + std::to_string(t);
    };
    if (g.has_action) attr("action", g.action, 0);
    if (g.has_bytes) attr("bytes", std::to_string(g.bytes), 1);
    sql += (i ? "," : "") + std::string("('default',") + std::to_string(g.time) + "," + std::to_string(g.time + 5) +
           ",'syslog-udp','10.9.9.9:514',0,''," + sql_string(g.raw) + "," + std::to_string(g.cls) + "," +
           std::to_string(g.severity) + "," + sql_string(g.ip) + "," + sql_string(g.user) + ",[" + names + "],[" +
           values + "],[" + types + "])";
  }
  return sql;
}

void fill_store(testing::MemoryStore& store, const std::vector<Gen>& events) {
  const FieldId cls = field_dictionary().intern("class_uid"), sev = field_dictionary().intern("severity_id"),
                ip = field_dictionary().intern("src_endpoint.ip"), user = field_dictionary().intern("user.name"),
                action = field_dictionary().intern("action"), bytes = field_dictionary().intern("bytes");
  EventBatch b;
  for (const Gen& g : events) {
    b.begin_event({.receive_time = g.time + 5, .raw = g.raw, .source = "10.9.9.9:514", .input = "syslog-udp"});
    b.set_time(g.time);
    b.add_int(cls, g.cls);
    b.add_int(sev, g.severity);
    b.add_ip(ip, *IpAddress::parse(g.ip));
    b.add_string(user, g.user);
    if (g.has_action) b.add_string(action, g.action);
    if (g.has_bytes) b.add_int(bytes, g.bytes);
    b.end_event();
  }
  store.add(std::move(b));
}

std::vector<std::vector<std::string>> tsv(const std::string& body) {
  std::vector<std::vector<std::string>> rows;
  std::stringstream in(body);
  std::string line;
  while (std::getline(in, line)) {
    std::vector<std::string> cells;
    size_t start = 0;
    for (size_t i = 0; i <= line.size(); ++i)
      if (i == line.size() || line[i] == '\t') {
        cells.push_back(line.substr(start, i - start));
        start = i + 1;
      }
    rows.push_back(std::move(cells));
  }
  return rows;
}

// TabSeparated escapes of a raw string, to compare with the embedded results.
std::string tsv_escape(const std::string& s) {
  std::string o;
  for (char c : s) {
    if (c == '\\') o += "\\\\";
    else if (c == '\t') o += "\\t";
    else if (c == '\n') o += "\\n";
    else if (c == '\'') o += "\\'";
    else if (c == '\0') o += "\\0";
    else o += c;
  }
  return o;
}

class ClickHouseSql : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = new ClickHouseServer();
    std::string why;
    if (!server_->start(why)) {
      start_error_ = why;
      return;
    }
    table_ = default_clickhouse_table();
    auto create = create_table_sql(table_);
    auto r = cluster::clickhouse_query(server_->endpoint(), *create);
    if (!r.ok()) start_error_ = r.status().message();
    events_ = generate();
    r = cluster::clickhouse_query(server_->endpoint(), insert_sql(events_));
    if (!r.ok()) start_error_ = r.status().message();
    fill_store(store_, events_);
  }
  static void TearDownTestSuite() {
    server_->stop();
    delete server_;
  }
  void SetUp() override { ASSERT_TRUE(start_error_.empty()) << start_error_; }
  void TearDown() override {
    if (HasFailure()) std::cerr << server_->log();
  }

  static std::vector<std::vector<std::string>> run(const Query& q, size_t limit = 1000) {
    SqlOptions o;
    o.limit = limit;
    auto plan = to_clickhouse_plan(q, table_, o);
    EXPECT_TRUE(plan.ok()) << plan.status().message();
    if (!plan.ok()) return {};
    auto r = cluster::clickhouse_query(server_->endpoint(), plan->sql + " FORMAT TabSeparated");
    EXPECT_TRUE(r.ok()) << r.status().message() << "\nSQL: " << plan->sql;
    return r.ok() ? tsv(*r) : std::vector<std::vector<std::string>>{};
  }
  static std::vector<std::vector<std::string>> run(const std::string& text, size_t limit = 1000) {
    auto q = parse_query(text);
    EXPECT_TRUE(q.ok()) << q.status().message();
    return q.ok() ? run(*q, limit) : std::vector<std::vector<std::string>>{};
  }
  static int64_t table_count() {
    auto r = cluster::clickhouse_query(server_->endpoint(), "SELECT count() FROM events");
    return r.ok() ? std::stoll(*r) : -1;
  }

  static inline ClickHouseServer* server_ = nullptr;
  static inline std::string start_error_;
  static inline ClickHouseTable table_;
  static inline std::vector<Gen> events_;
  static inline testing::MemoryStore store_;
};

// Raw texts (TSV-escaped) of the events a plain search returns, newest first.
std::vector<std::string> embedded_raws(const Store& store, const std::string& q, size_t limit) {
  SearchRequest req;
  req.query = q;
  req.limit = limit;
  auto r = run_search(store, req);
  EXPECT_TRUE(r.ok()) << r.status().message();
  std::vector<std::string> out;
  if (r.ok())
    for (const ResultEvent& e : r->events) out.push_back(tsv_escape(e.raw));
  return out;
}

TEST_F(ClickHouseSql, SearchesMatchTheEmbeddedEngine) {
  const size_t raw_col = 7;  // tenant, time, receive_time, input, source, flags, parse_error, raw
  const char* queries[] = {
      "",
      "*",
      "failed",
      "FAILED",
      "fail*",
      "\"failed password\"",
      "failed_x",
      "kernel",
      "oops",
      "user.name:root",
      "user.name:ALICE",
      "user.name:svc*",
      "user.name:*a*",
      "src_endpoint.ip:10.0.0.0/8",
      "src_endpoint.ip:192.168.1.0/24",
      "src_endpoint.ip:10.1.*",
      "class_uid:3002",
      "class_uid:3002.0",
      "severity_id:4 OR severity_id:0",
      "action:login",
      "action:*",
      "NOT action:*",
      "bytes:42",
      "bytes:1*",
      "NOT bytes:*",
      "user.name:root AND NOT class_uid:1007",
      "(failed OR accepted) AND NOT user.name:bob",
      "-user.name:admin sshd",
      "nosuchfield:x",
      "raw:*port*",
      "input:syslog-udp",
      "tenant:default",
      "10.1",
  };
  for (const char* q : queries) {
    SCOPED_TRACE(q);
    for (size_t limit : {size_t(1000), size_t(7)}) {
      std::vector<std::string> got;
      for (const auto& row : run(q, limit)) got.push_back(row.at(raw_col));
      EXPECT_EQ(got, embedded_raws(store_, q, limit));
    }
  }
}

TEST_F(ClickHouseSql, StatsCountByMatchesTheEmbeddedEngine) {
  const char* queries[] = {
      "* | stats count()",
      "* | stats count() by user.name",
      "failed | stats count() as n by user.name, class_uid",
      "* | stats count() by action",
      "* | stats count(), count(bytes) by src_endpoint.ip",
      "user.name:root | stats count() by nosuch",
  };
  for (const char* q : queries) {
    SCOPED_TRACE(q);
    SearchRequest req;
    req.query = q;
    auto want = run_search(store_, req);
    ASSERT_TRUE(want.ok()) << want.status().message();
    std::vector<std::vector<std::string>> expected;
    for (const auto& row : want->rows) {
      std::vector<std::string> cells;
      for (const ResultValue& v : row)
        cells.push_back(v.is_null ? "\\N" : v.type == FieldType::Int64 ? std::to_string(v.i64) : tsv_escape(v.text));
      expected.push_back(cells);
    }
    EXPECT_EQ(run(q), expected);
  }
}

Query with_stages(const std::string& search, std::vector<Stage> stages) {
  auto q = parse_query(search);
  EXPECT_TRUE(q.ok());
  q->stages = std::move(stages);
  return *q;
}

ValueExpr field(const std::string& n) { return {.kind = ValueExpr::Kind::Field, .text = n}; }
ValueExpr integer(int64_t i) { return {.kind = ValueExpr::Kind::Int, .i = i}; }
ValueExpr str(const std::string& s) { return {.kind = ValueExpr::Kind::String, .text = s}; }
ValueExpr binary(ValueExpr::Op op, ValueExpr a, ValueExpr b) {
  return {.kind = ValueExpr::Kind::Binary, .op = op, .children = {std::move(a), std::move(b)}};
}
ValueExpr fn(const std::string& name, std::vector<ValueExpr> args) {
  return {.kind = ValueExpr::Kind::Call, .text = name, .children = std::move(args)};
}
Aggregate agg(AggKind k, const std::string& f, const std::string& name, double p = 0) {
  return {.kind = k, .field = f, .percentile = p, .name = name};
}

TEST_F(ClickHouseSql, AggregatesComputeWhatTheTestComputes) {
  auto rows = run(with_stages("*", {StatsStage{.aggregates = {agg(AggKind::Dc, "src_endpoint.ip", "dc"),
                                                               agg(AggKind::Sum, "bytes", "sum"),
                                                               agg(AggKind::Min, "bytes", "min"),
                                                               agg(AggKind::Max, "bytes", "max"),
                                                               agg(AggKind::Count, "bytes", "n"),
                                                               agg(AggKind::Values, "user.name", "users"),
                                                               agg(AggKind::First, "user.name", "first"),
                                                               agg(AggKind::Last, "user.name", "last")},
                                               .by = {"class_uid"}}}));
  std::map<int64_t, std::vector<const Gen*>> by;
  for (const Gen& g : events_) by[g.cls].push_back(&g);
  ASSERT_EQ(rows.size(), by.size());
  for (const auto& row : rows) {
    const auto& evs = by.at(std::stoll(row[0]));
    std::set<std::string> ips, users;
    int64_t sum = 0, mn = INT64_MAX, mx = INT64_MIN, n = 0;
    for (const Gen* g : evs) {
      ips.insert(g->ip);
      users.insert(g->user);
      if (!g->has_bytes) continue;
      sum += g->bytes, mn = std::min(mn, g->bytes), mx = std::max(mx, g->bytes), ++n;
    }
    EXPECT_EQ(row[1], std::to_string(ips.size()));
    EXPECT_EQ(std::stod(row[2]), static_cast<double>(sum));
    EXPECT_EQ(std::stod(row[3]), static_cast<double>(mn));
    EXPECT_EQ(std::stod(row[4]), static_cast<double>(mx));
    EXPECT_EQ(row[5], std::to_string(n));
    std::string list = "[";
    for (const std::string& u : users) list += (list.size() > 1 ? "," : "") + ("'" + u + "'");
    EXPECT_EQ(row[6], list + "]");
    EXPECT_EQ(row[7], evs.front()->user);  // events_ are in time order
    EXPECT_EQ(row[8], evs.back()->user);
  }
}

TEST_F(ClickHouseSql, WhereEvalSortHeadTailFieldsRenameDedupTop) {
  // eval + where + sort + head: the 5 largest bytes of root's events, with bytes*2.
  using Op = ValueExpr::Op;
  auto rows = run(with_stages("user.name:root",
                              {EvalStage{.assignments = {{"double", binary(Op::Mul, field("bytes"), integer(2))},
                                                         {"who", fn("upper", {field("user.name")})}}},
                               WhereStage{.condition = binary(Op::Gt, field("bytes"), integer(100))},
                               SortStage{.keys = {{"double", true}}},
                               HeadStage{.count = 5},
                               TableStage{.fields = {"who", "double", "bytes"}}}));
  std::vector<int64_t> want;
  for (const Gen& g : events_)
    if (g.user == "root" && g.has_bytes && g.bytes > 100) want.push_back(g.bytes);
  std::sort(want.rbegin(), want.rend());
  want.resize(std::min<size_t>(5, want.size()));
  ASSERT_EQ(rows.size(), want.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ(rows[i][0], "ROOT");
    EXPECT_EQ(std::stod(rows[i][1]), 2.0 * static_cast<double>(want[i]));
    EXPECT_EQ(rows[i][2], std::to_string(want[i]));
  }
  // tail: the 3 oldest events, still newest first; rename a stored field.
  rows = run(with_stages("*", {TailStage{.count = 3}, RenameStage{.renames = {{"user.name", "who"}}},
                               FieldsStage{.fields = {"who", "time"}}}));
  ASSERT_EQ(rows.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(rows[i][0], events_[2 - i].user);
    EXPECT_EQ(rows[i][1], std::to_string(events_[2 - i].time));
  }
  // dedup: the newest event of each user.
  rows = run(with_stages("*", {DedupStage{.fields = {"user.name"}}, TableStage{.fields = {"user.name", "time"}}}));
  std::map<std::string, TimeNs> newest;
  for (const Gen& g : events_) newest[g.user] = std::max(newest[g.user], g.time);
  ASSERT_EQ(rows.size(), newest.size());
  for (const auto& r : rows) EXPECT_EQ(r[1], std::to_string(newest.at(r[0])));
  // top 2 users, with percent.
  rows = run(with_stages("*", {TopStage{.fields = {"user.name"}, .limit = 2}}));
  std::map<std::string, int> counts;
  for (const Gen& g : events_) ++counts[g.user];
  std::vector<std::pair<int, std::string>> ranked;
  for (auto& [u, c] : counts) ranked.push_back({-c, u});
  std::sort(ranked.begin(), ranked.end());
  ASSERT_EQ(rows.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(rows[i][0], ranked[i].second);
    EXPECT_EQ(rows[i][1], std::to_string(-ranked[i].first));
    EXPECT_NEAR(std::stod(rows[i][2]), -ranked[i].first * 100.0 / kEvents, 1e-9);
  }
  // timechart span=60s count.
  rows = run(with_stages("*", {TimechartStage{.span_ns = 60 * kNsPerSec, .aggregates = {agg(AggKind::Count, "", "count()")}}}));
  std::map<TimeNs, int> buckets;
  for (const Gen& g : events_) ++buckets[g.time / (60 * kNsPerSec) * (60 * kNsPerSec)];
  ASSERT_EQ(rows.size(), buckets.size());
  size_t i = 0;
  for (auto& [t, c] : buckets) {
    EXPECT_EQ(rows[i][0], std::to_string(t));
    EXPECT_EQ(rows[i][1], std::to_string(c));
    ++i;
  }
}

TEST_F(ClickHouseSql, HostileValuesAndNamesAreData) {
  const std::string hostile[] = {"x'; DROP TABLE events; --", "a\\'b", "`events`", "\"q\"", "semi;colon", "-- c",
                                 "/* c */", "line\nbreak", std::string("nul\0byte", 8), "ünï©ødé", "\\", "'"};
  for (const std::string& v : hostile) {
    SCOPED_TRACE(v);
    for (bool quoted : {true, false}) {
      Expr e{.kind = Expr::Kind::Field, .field = "user.name", .value = v, .quoted = quoted};
      EXPECT_TRUE(run(Query{.filter = e}).empty());
      e.field = v;  // an unknown field name: looked up in the attribute arrays as a literal
      EXPECT_TRUE(run(Query{.filter = e}).empty());
      Expr t{.kind = Expr::Kind::Text, .value = v, .quoted = quoted};
      EXPECT_TRUE(run(Query{.filter = t}).empty());
    }
    auto rows = run(with_stages("user.name:root", {EvalStage{.assignments = {{v, str(v)}}}, TableStage{.fields = {v}}}));
    ASSERT_FALSE(rows.empty());
    EXPECT_EQ(rows[0][0], tsv_escape(v));
  }
  // A hostile value that does match: a quoted term equal to a stored user name.
  Expr e{.kind = Expr::Kind::Field, .field = "user.name", .value = "svc_backup", .quoted = true};
  size_t want = 0;
  for (const Gen& g : events_) want += g.user == "svc_backup";
  EXPECT_EQ(run(Query{.filter = e}).size(), want);
  EXPECT_EQ(table_count(), kEvents);
}

}  // namespace
}  // namespace vigil

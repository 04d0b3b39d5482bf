// `vigil agents`: the server side of enrollment (one-time tokens) and the agent list.
//   vigil agents token [--data DIR] [--ttl 24h] [--server-address HOST:PORT]
//   vigil agents list --server http://127.0.0.1:8080 [--format table|json]
#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <cstdio>

#include "cli/http_client.h"
#include "cli/subcommands.h"
#include "core/time.h"
#include "ingest/agent_pki.h"
#include "server/api.h"

namespace vigil {

namespace {

namespace json = boost::json;

int make_token(const std::string& data, const std::string& ttl_text, const std::string& address) {
  auto ttl = parse_duration(ttl_text);
  if (!ttl || *ttl <= 0) {
    std::fprintf(stderr, "vigil agents token: --ttl '%s' is not a duration such as 30m, 24h or 7d\n", ttl_text.c_str());
    return 2;
  }
  const std::filesystem::path dir = std::filesystem::path(data) / "agents";
  // The same CA the server loads at start (created now when the server has not run yet).
  auto ca = load_or_create_agent_ca(dir);
  if (!ca.ok()) {
    std::fprintf(stderr, "vigil agents token: %s\n", ca.error().c_str());
    return 1;
  }
  auto token = create_enrollment_token(dir, *ttl / kNsPerSec, now_ns());
  if (!token.ok()) {
    std::fprintf(stderr, "vigil agents token: %s\n", token.error().c_str());
    return 1;
  }
  std::error_code ec;
  std::filesystem::path ca_file = std::filesystem::absolute(dir / "ca.crt", ec);
  std::printf("token:       %s\n", token->c_str());
  std::printf("expires:     %s (one use)\n", format_rfc3339(now_ns() + *ttl).c_str());
  std::printf("CA file:     %s\n", ca_file.c_str());
  std::printf("fingerprint: %s\n", certificate_fingerprint(ca->cert_pem).c_str());
  std::printf("\nCopy the CA file to the endpoint and put in the agent's config:\n\n");
  std::printf("server:\n  address: %s\n  ca: /etc/vigil/agent-ca.crt\n  enroll_token: %s\n", address.c_str(),
              token->c_str());
  return 0;
}

int list_agents(const std::string& server, const std::string& format) {
  auto res = http_call("GET", server + "/api/v1/agents");
  if (!res.ok()) {
    std::fprintf(stderr, "vigil agents list: %s\n", res.error().c_str());
    return 1;
  }
  if (res->status != 200) {
    std::fprintf(stderr, "vigil agents list: server answered %d: %s\n", res->status,
                 api_error_message(res->body).c_str());
    return 1;
  }
  if (format == "json") {
    std::printf("%s\n", res->body.c_str());
    return 0;
  }
  boost::system::error_code ec;
  json::value v = json::parse(res->body, ec);
  if (ec || !v.is_array()) {
    std::fprintf(stderr, "vigil agents list: the server's answer is not an agent list\n");
    return 1;
  }
  auto text = [](const json::object& o, std::string_view key) -> std::string {
    const json::value* f = o.if_contains(key);
    if (!f || f->is_null()) return "-";
    return f->is_string() ? std::string(f->as_string()) : json::serialize(*f);
  };
  std::printf("%-20s %-24s %-8s %-24s %10s\n", "AGENT", "HOSTNAME", "STATUS", "LAST SEEN", "LAST SEQ");
  for (const json::value& a : v.as_array()) {
    if (!a.is_object()) continue;
    const json::object& o = a.as_object();
    std::printf("%-20s %-24s %-8s %-24s %10s\n", text(o, "agent_id").c_str(), text(o, "hostname").c_str(),
                text(o, "status").c_str(), text(o, "last_seen").c_str(), text(o, "last_seq").c_str());
  }
  return 0;
}

}  // namespace

void add_agents_command(CLI::App& app, int& exit_code) {
  auto* agents = app.add_subcommand("agents", "Enroll endpoint agents and list them (server side)");
  agents->require_subcommand(1);

  struct TokenFlags {
    std::string data = "vigil-data", ttl = "24h", address = "127.0.0.1:8443";
  };
  auto tf = std::make_shared<TokenFlags>();
  auto* token = agents->add_subcommand(
      "token",
      "Create a one-time enrollment token for an agent, in <data>/agents (beside a running server is fine).\n"
      "Prints the token, the CA file the agent must trust and its fingerprint, and the agent config lines.");
  token->add_option("--data", tf->data, "the server's data directory")->capture_default_str();
  token->add_option("--ttl", tf->ttl, "how long the token stays valid (30m, 24h, 7d)")->capture_default_str();
  token->add_option("--server-address", tf->address, "the server's agent address, for the printed config")
      ->capture_default_str();
  token->callback([tf, &exit_code] { exit_code = make_token(tf->data, tf->ttl, tf->address); });

  struct ListFlags {
    std::string server = "http://127.0.0.1:8080", format = "table";
  };
  auto lf = std::make_shared<ListFlags>();
  auto* list = agents->add_subcommand("list", "The enrolled agents, online or offline (GET /api/v1/agents)");
  list->add_option("--server", lf->server, "the server's HTTP API")->capture_default_str();
  list->add_option("--format", lf->format, "table or json")
      ->check(CLI::IsMember({"table", "json"}))
      ->capture_default_str();
  list->callback([lf, &exit_code] { exit_code = list_agents(lf->server, lf->format); });
}

}  // namespace vigil

// The agents' public-key infrastructure, kept in the server's <data>/agents/ folder:
// a CA created on first start, the server's TLS certificate signed by it, one-time
// enrollment tokens, and the signing of an agent's certificate request. PEM text in
// and out; OpenSSL stays inside agent_pki.cpp. Private keys are written mode 0600.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "core/time.h"

namespace vigil {

struct PemIdentity {
  std::string cert_pem;
  std::string key_pem;
};

// dir/ca.crt and dir/ca.key: read them, or create an EC P-256 CA valid 10 years.
Result<PemIdentity> load_or_create_agent_ca(const std::filesystem::path& dir);

// dir/server.crt and dir/server.key, signed by `ca`, with subjectAltNames for every
// name (IP addresses as IP SANs, others as DNS SANs) plus localhost, 127.0.0.1 and ::1.
// Reissued when a name is missing from the stored certificate or it expires within 30 days.
Result<PemIdentity> load_or_issue_server_identity(const std::filesystem::path& dir, const PemIdentity& ca,
                                                  const std::vector<std::string>& names);

// Agent side: a new EC P-256 key and a certificate request for it.
struct KeyAndCsr {
  std::string key_pem;
  std::string csr_pem;
};
Result<KeyAndCsr> make_agent_key_and_csr(std::string_view hostname);

// Server side: a client certificate for the CSR's key with CN = agent_id (the CSR's own
// subject is not trusted), extendedKeyUsage clientAuth, valid `days`. Refuses a CSR whose
// signature does not verify.
Result<std::string> sign_agent_certificate(const PemIdentity& ca, std::string_view csr_pem, std::string_view agent_id,
                                           int days);

// The subject CN of a PEM certificate, "" when it has none or does not parse.
std::string certificate_common_name(std::string_view cert_pem);
// "SHA256:" + hex of the DER certificate's SHA-256, for operators to compare.
std::string certificate_fingerprint(std::string_view cert_pem);

// One-time enrollment tokens in dir/enroll-tokens: only their SHA-256 and expiry are
// stored. create returns the token text (32 random bytes, base64url).
Result<std::string> create_enrollment_token(const std::filesystem::path& dir, int64_t ttl_s, TimeNs now);
// True exactly once per valid, unexpired token; the file is rewritten and fsynced
// before it returns true, so a token survives no crash to be used twice.
Result<bool> consume_enrollment_token(const std::filesystem::path& dir, std::string_view token, TimeNs now);

// A new agent id: "agt-" + 16 random hex digits.
std::string new_agent_id();

}  // namespace vigil

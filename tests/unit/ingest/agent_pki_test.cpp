// Tests of the agents' PKI: the CA, the server identity and its SANs, agent certificates
// from CSRs (checked with OpenSSL's own chain verification), one-time tokens, key file
// modes, and a real mutual-TLS handshake over loopback with the certificates issued.
#include "ingest/agent_pki.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <future>
#include <sstream>
#include <thread>

namespace vigil {
namespace {

namespace fs = std::filesystem;

struct TempDir {
  fs::path path;
  TempDir() {
    unsigned char r[8];
    RAND_bytes(r, sizeof r);
    char name[64];
    std::snprintf(name, sizeof name, "vigil-pki-test-%02x%02x%02x%02x%02x%02x%02x%02x", r[0], r[1], r[2], r[3], r[4],
                  r[5], r[6], r[7]);
    path = fs::temp_directory_path() / name;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

mode_t file_mode(const fs::path& p) {
  struct stat st {};
  EXPECT_EQ(::stat(p.c_str(), &st), 0) << p;
  return st.st_mode & 0777;
}

X509* pem_cert(const std::string& pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  X509* x = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  return x;
}

EVP_PKEY* pem_key(const std::string& pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  EVP_PKEY* k = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  return k;
}

// OpenSSL's chain verification of `leaf` against `ca` alone, for `purpose`; returns the
// verify error (X509_V_OK on success).
int verify_chain(const std::string& leaf_pem, const std::string& ca_pem, int purpose) {
  X509* leaf = pem_cert(leaf_pem);
  X509* ca = pem_cert(ca_pem);
  EXPECT_NE(leaf, nullptr);
  EXPECT_NE(ca, nullptr);
  if (!leaf || !ca) return -1;
  X509_STORE* store = X509_STORE_new();
  X509_STORE_add_cert(store, ca);
  X509_STORE_CTX* ctx = X509_STORE_CTX_new();
  X509_STORE_CTX_init(ctx, store, leaf, nullptr);
  X509_STORE_CTX_set_purpose(ctx, purpose);
  int rc = X509_verify_cert(ctx);
  int err = rc == 1 ? X509_V_OK : X509_STORE_CTX_get_error(ctx);
  X509_STORE_CTX_free(ctx);
  X509_STORE_free(store);
  X509_free(leaf);
  X509_free(ca);
  return err;
}

struct Pki {
  TempDir dir;
  PemIdentity ca;
  PemIdentity server;
};

void make_pki(Pki& p, const std::vector<std::string>& names = {}) {
  Result<PemIdentity> ca = load_or_create_agent_ca(p.dir.path);
  ASSERT_TRUE(ca.ok()) << ca.error();
  p.ca = *ca;
  Result<PemIdentity> server = load_or_issue_server_identity(p.dir.path, p.ca, names);
  ASSERT_TRUE(server.ok()) << server.error();
  p.server = *server;
}

TEST(AgentPki, CaIsCreatedOnceAndReloadedIdentical) {
  TempDir dir;
  Result<PemIdentity> first = load_or_create_agent_ca(dir.path);
  ASSERT_TRUE(first.ok()) << first.error();
  Result<PemIdentity> again = load_or_create_agent_ca(dir.path);
  ASSERT_TRUE(again.ok()) << again.error();
  EXPECT_EQ(first->cert_pem, again->cert_pem);
  EXPECT_EQ(first->key_pem, again->key_pem);
  EXPECT_EQ(read_text(dir.path / "ca.crt"), first->cert_pem);
  EXPECT_EQ(certificate_common_name(first->cert_pem), "Vigil Agent CA");

  X509* ca = pem_cert(first->cert_pem);
  ASSERT_NE(ca, nullptr);
  EXPECT_EQ(X509_check_ca(ca), 1);
  EXPECT_TRUE(X509_get_key_usage(ca) & KU_KEY_CERT_SIGN);
  EXPECT_TRUE(X509_get_key_usage(ca) & KU_CRL_SIGN);
  EXPECT_EQ(X509_get_signature_nid(ca), NID_ecdsa_with_SHA256);
  const ASN1_INTEGER* serial = X509_get0_serialNumber(ca);
  EXPECT_GE(serial->length, 15);  // 128 random bits, not a counter
  EXPECT_EQ(X509_NAME_cmp(X509_get_subject_name(ca), X509_get_issuer_name(ca)), 0);
  // 10 years: between 3640 and 3660 days from now.
  int days = 0, secs = 0;
  ASSERT_EQ(ASN1_TIME_diff(&days, &secs, nullptr, X509_get0_notAfter(ca)), 1);
  EXPECT_GT(days, 3640);
  EXPECT_LT(days, 3660);
  X509_free(ca);

  EXPECT_EQ(file_mode(dir.path / "ca.key"), 0600u);
}

TEST(AgentPki, BrokenCaFilesAreClearErrors) {
  TempDir dir;
  ASSERT_TRUE(load_or_create_agent_ca(dir.path).ok());
  std::ofstream(dir.path / "ca.key") << "not a key\n";
  Result<PemIdentity> r = load_or_create_agent_ca(dir.path);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), "ca.key in " + dir.path.string() + " is not a PEM private key");

  fs::remove(dir.path / "ca.key");
  r = load_or_create_agent_ca(dir.path);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().find("has no ca.key"), std::string::npos) << r.error();
}

TEST(AgentPki, CaKeyWithoutCertificateKeepsTheKey) {
  TempDir dir;
  Result<PemIdentity> first = load_or_create_agent_ca(dir.path);
  ASSERT_TRUE(first.ok());
  fs::remove(dir.path / "ca.crt");  // as after a crash between the two writes
  Result<PemIdentity> again = load_or_create_agent_ca(dir.path);
  ASSERT_TRUE(again.ok()) << again.error();
  EXPECT_EQ(again->key_pem, first->key_pem);
  EXPECT_TRUE(fs::exists(dir.path / "ca.crt"));
}

TEST(AgentPki, ServerIdentityHasTheSansAndVerifies) {
  Pki p;
  make_pki(p, {"siem.example.org", "10.1.2.3", "fd00::5"});
  X509* cert = pem_cert(p.server.cert_pem);
  ASSERT_NE(cert, nullptr);
  // X509_check_host / _ip look at the SANs (the subject CN is never consulted here).
  unsigned flags = X509_CHECK_FLAG_NEVER_CHECK_SUBJECT;
  EXPECT_EQ(X509_check_host(cert, "siem.example.org", 0, flags, nullptr), 1);
  EXPECT_EQ(X509_check_host(cert, "localhost", 0, flags, nullptr), 1);
  EXPECT_EQ(X509_check_ip_asc(cert, "10.1.2.3", 0), 1);
  EXPECT_EQ(X509_check_ip_asc(cert, "127.0.0.1", 0), 1);
  EXPECT_EQ(X509_check_ip_asc(cert, "::1", 0), 1);
  EXPECT_EQ(X509_check_ip_asc(cert, "fd00::5", 0), 1);
  EXPECT_EQ(X509_check_host(cert, "other.example.org", 0, flags, nullptr), 0);
  EXPECT_EQ(X509_check_ip_asc(cert, "10.1.2.4", 0), 0);
  // IP addresses are IP SANs, not DNS names.
  EXPECT_EQ(X509_check_host(cert, "10.1.2.3", 0, flags, nullptr), 0);
  EXPECT_EQ(X509_check_ca(cert), 0);
  X509_free(cert);

  EXPECT_EQ(verify_chain(p.server.cert_pem, p.ca.cert_pem, X509_PURPOSE_SSL_SERVER), X509_V_OK);
  // serverAuth only: it is no client certificate.
  EXPECT_NE(verify_chain(p.server.cert_pem, p.ca.cert_pem, X509_PURPOSE_SSL_CLIENT), X509_V_OK);
  EXPECT_EQ(file_mode(p.dir.path / "server.key"), 0600u);
}

TEST(AgentPki, ServerIdentityIsKeptOrReissued) {
  Pki p;
  make_pki(p, {"siem.example.org"});
  Result<PemIdentity> same = load_or_issue_server_identity(p.dir.path, p.ca, {"siem.example.org"});
  ASSERT_TRUE(same.ok());
  EXPECT_EQ(same->cert_pem, p.server.cert_pem);
  // A subset of the names and an IP written differently still match.
  same = load_or_issue_server_identity(p.dir.path, p.ca, {"SIEM.example.org", "0:0::1"});
  ASSERT_TRUE(same.ok());
  EXPECT_EQ(same->cert_pem, p.server.cert_pem);

  Result<PemIdentity> more = load_or_issue_server_identity(p.dir.path, p.ca, {"siem.example.org", "10.9.9.9"});
  ASSERT_TRUE(more.ok());
  EXPECT_NE(more->cert_pem, p.server.cert_pem);
  X509* cert = pem_cert(more->cert_pem);
  EXPECT_EQ(X509_check_ip_asc(cert, "10.9.9.9", 0), 1);
  X509_free(cert);
  EXPECT_EQ(read_text(p.dir.path / "server.crt"), more->cert_pem);

  Result<PemIdentity> bad = load_or_issue_server_identity(p.dir.path, p.ca, {"a host; rm"});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().find("neither an IP address nor a DNS name"), std::string::npos) << bad.error();

  // A new CA (the old one lost): the server identity is reissued under it.
  TempDir other;
  Result<PemIdentity> ca2 = load_or_create_agent_ca(other.path);
  ASSERT_TRUE(ca2.ok());
  Result<PemIdentity> under2 = load_or_issue_server_identity(p.dir.path, *ca2, {"siem.example.org"});
  ASSERT_TRUE(under2.ok());
  EXPECT_EQ(verify_chain(under2->cert_pem, ca2->cert_pem, X509_PURPOSE_SSL_SERVER), X509_V_OK);
}

TEST(AgentPki, AgentCertificateFromCsr) {
  Pki p;
  make_pki(p);
  Result<KeyAndCsr> kc = make_agent_key_and_csr("web-01.example.org");
  ASSERT_TRUE(kc.ok()) << kc.error();
  EXPECT_NE(kc->csr_pem.find("BEGIN CERTIFICATE REQUEST"), std::string::npos);
  std::string id = new_agent_id();
  Result<std::string> cert = sign_agent_certificate(p.ca, kc->csr_pem, id, 365);
  ASSERT_TRUE(cert.ok()) << cert.error();
  EXPECT_EQ(certificate_common_name(*cert), id);  // not the CSR's hostname
  EXPECT_EQ(verify_chain(*cert, p.ca.cert_pem, X509_PURPOSE_SSL_CLIENT), X509_V_OK);
  EXPECT_NE(verify_chain(*cert, p.ca.cert_pem, X509_PURPOSE_SSL_SERVER), X509_V_OK);

  X509* x = pem_cert(*cert);
  EVP_PKEY* key = pem_key(kc->key_pem);
  ASSERT_NE(x, nullptr);
  ASSERT_NE(key, nullptr);
  EXPECT_EQ(X509_check_private_key(x, key), 1);  // the CSR's key, not a new one
  EXPECT_TRUE(X509_get_key_usage(x) & KU_DIGITAL_SIGNATURE);
  EXPECT_FALSE(X509_get_key_usage(x) & KU_KEY_CERT_SIGN);
  EXPECT_TRUE(X509_get_extended_key_usage(x) & XKU_SSL_CLIENT);
  EXPECT_EQ(X509_check_ca(x), 0);
  int days = 0, secs = 0;
  ASSERT_EQ(ASN1_TIME_diff(&days, &secs, nullptr, X509_get0_notAfter(x)), 1);
  EXPECT_TRUE(days == 364 || days == 365) << days;
  X509_free(x);
  EVP_PKEY_free(key);

  // Another CA's chain does not accept it.
  TempDir other;
  Result<PemIdentity> ca2 = load_or_create_agent_ca(other.path);
  ASSERT_TRUE(ca2.ok());
  EXPECT_NE(verify_chain(*cert, ca2->cert_pem, X509_PURPOSE_SSL_CLIENT), X509_V_OK);

  EXPECT_TRUE(certificate_fingerprint(*cert).starts_with("SHA256:"));
  EXPECT_EQ(certificate_fingerprint(*cert).size(), 7u + 64u);
  EXPECT_NE(certificate_fingerprint(*cert), certificate_fingerprint(p.ca.cert_pem));
  EXPECT_EQ(certificate_fingerprint("junk"), "");
  EXPECT_EQ(certificate_common_name("junk"), "");
}

TEST(AgentPki, TamperedCsrIsRefused) {
  Pki p;
  make_pki(p);
  Result<KeyAndCsr> kc = make_agent_key_and_csr("host-a");
  ASSERT_TRUE(kc.ok());
  // Re-encode the CSR with a different subject but the original signature.
  BIO* bio = BIO_new_mem_buf(kc->csr_pem.data(), static_cast<int>(kc->csr_pem.size()));
  X509_REQ* req = PEM_read_bio_X509_REQ(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  ASSERT_NE(req, nullptr);
  X509_NAME* name = X509_NAME_new();
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("host-b"), -1, -1, 0);
  X509_REQ_set_subject_name(req, name);
  X509_NAME_free(name);
  BIO* out = BIO_new(BIO_s_mem());
  ASSERT_EQ(PEM_write_bio_X509_REQ(out, req), 1);
  char* data = nullptr;
  long n = BIO_get_mem_data(out, &data);
  std::string tampered(data, static_cast<size_t>(n));
  BIO_free(out);
  X509_REQ_free(req);
  ASSERT_NE(tampered, kc->csr_pem);

  Result<std::string> cert = sign_agent_certificate(p.ca, tampered, new_agent_id(), 365);
  ASSERT_FALSE(cert.ok());
  EXPECT_EQ(cert.error(), "certificate request signature does not verify");

  Result<std::string> junk = sign_agent_certificate(p.ca, "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n", "agt-1", 365);
  ASSERT_FALSE(junk.ok());
  EXPECT_FALSE(sign_agent_certificate(p.ca, kc->csr_pem, "", 365).ok());
  EXPECT_FALSE(sign_agent_certificate(p.ca, kc->csr_pem, "agt/../x", 365).ok());
  EXPECT_FALSE(sign_agent_certificate(p.ca, kc->csr_pem, "agt-1", 0).ok());
  PemIdentity broken = p.ca;
  broken.key_pem = p.server.key_pem;  // not the CA's key
  EXPECT_FALSE(sign_agent_certificate(broken, kc->csr_pem, "agt-1", 365).ok());
}

TEST(AgentPki, NewAgentIdShape) {
  std::string a = new_agent_id(), b = new_agent_id();
  ASSERT_EQ(a.size(), 20u);
  EXPECT_TRUE(a.starts_with("agt-"));
  for (char c : a.substr(4)) EXPECT_TRUE((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')) << a;
  EXPECT_NE(a, b);
}

TEST(AgentPki, TokensWorkExactlyOnce) {
  TempDir dir;
  TimeNs now = 1'800'000'000 * kNsPerSec;
  Result<std::string> t = create_enrollment_token(dir.path, 3600, now);
  ASSERT_TRUE(t.ok()) << t.error();
  EXPECT_EQ(t->size(), 43u);
  EXPECT_EQ(t->find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"), std::string::npos);
  // Only the hash is stored.
  std::string stored = read_text(dir.path / "enroll-tokens");
  EXPECT_EQ(stored.find(*t), std::string::npos);
  EXPECT_EQ(stored.size(), 64u + 1 + 19 + 1) << stored;
  EXPECT_EQ(file_mode(dir.path / "enroll-tokens"), 0600u);

  Result<std::string> other = create_enrollment_token(dir.path, 3600, now);
  ASSERT_TRUE(other.ok());
  EXPECT_NE(*other, *t);

  std::string wrong = *t;
  wrong[5] = wrong[5] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(*consume_enrollment_token(dir.path, wrong, now + kNsPerSec));
  EXPECT_FALSE(*consume_enrollment_token(dir.path, "", now));
  EXPECT_FALSE(*consume_enrollment_token(dir.path, "short", now));

  Result<bool> first = consume_enrollment_token(dir.path, *t, now + kNsPerSec);
  ASSERT_TRUE(first.ok()) << first.error();
  EXPECT_TRUE(*first);
  EXPECT_FALSE(*consume_enrollment_token(dir.path, *t, now + 2 * kNsPerSec));
  // The other token is untouched by the first one's use.
  EXPECT_TRUE(*consume_enrollment_token(dir.path, *other, now + 3 * kNsPerSec));
  EXPECT_EQ(read_text(dir.path / "enroll-tokens"), "");
}

TEST(AgentPki, ExpiredTokenIsRefusedAndDropped) {
  TempDir dir;
  TimeNs now = 1'800'000'000 * kNsPerSec;
  Result<std::string> t = create_enrollment_token(dir.path, 60, now);
  ASSERT_TRUE(t.ok());
  Result<std::string> keep = create_enrollment_token(dir.path, 7200, now);
  ASSERT_TRUE(keep.ok());
  Result<bool> late = consume_enrollment_token(dir.path, *t, now + 61 * kNsPerSec);
  ASSERT_TRUE(late.ok());
  EXPECT_FALSE(*late);
  // The expired line is gone; the live one stays.
  std::string stored = read_text(dir.path / "enroll-tokens");
  EXPECT_EQ(std::count(stored.begin(), stored.end(), '\n'), 1) << stored;
  EXPECT_FALSE(*consume_enrollment_token(dir.path, *t, now));  // dropped for good
  EXPECT_TRUE(*consume_enrollment_token(dir.path, *keep, now + 61 * kNsPerSec));

  EXPECT_FALSE(create_enrollment_token(dir.path, 0, now).ok());
  EXPECT_FALSE(create_enrollment_token(dir.path, INT64_MAX, now).ok());
}

TEST(AgentPki, TokenSurvivesReopenAndCorruptFileIsAnError) {
  TempDir dir;
  TimeNs now = 1'800'000'000 * kNsPerSec;
  std::string token;
  {
    Result<std::string> t = create_enrollment_token(dir.path, 3600, now);
    ASSERT_TRUE(t.ok());
    token = *t;
  }
  // Nothing is cached in memory: a fresh look at the folder (another process) finds it.
  std::string copy = read_text(dir.path / "enroll-tokens");
  TempDir moved;
  fs::create_directories(moved.path);
  std::ofstream(moved.path / "enroll-tokens") << copy;
  EXPECT_TRUE(*consume_enrollment_token(moved.path, token, now));
  EXPECT_TRUE(*consume_enrollment_token(dir.path, token, now));

  std::ofstream(dir.path / "enroll-tokens") << "garbage line\n";
  Result<bool> r = consume_enrollment_token(dir.path, token, now);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().find("line 1"), std::string::npos) << r.error();
}

TEST(AgentPki, ConcurrentUseConsumesEachTokenOnce) {
  TempDir dir;
  TimeNs now = 1'800'000'000 * kNsPerSec;
  std::vector<std::string> tokens;
  for (int i = 0; i < 6; ++i) tokens.push_back(*create_enrollment_token(dir.path, 3600, now));
  // Two servers' worth of threads race for every token while a third keeps creating
  // new ones (as `vigil agents token` does from another process): each token is
  // accepted exactly once and none is brought back by a concurrent rewrite.
  std::atomic<int> accepted{0};
  auto race = [&] {
    for (const std::string& t : tokens)
      if (Result<bool> r = consume_enrollment_token(dir.path, t, now); r.ok() && *r) ++accepted;
  };
  std::thread creator([&] {
    for (int i = 0; i < 6; ++i) ASSERT_TRUE(create_enrollment_token(dir.path, 3600, now).ok());
  });
  std::thread a(race), b(race);
  a.join();
  b.join();
  creator.join();
  EXPECT_EQ(accepted.load(), 6);
  for (const std::string& t : tokens) EXPECT_FALSE(*consume_enrollment_token(dir.path, t, now));
  std::string stored = read_text(dir.path / "enroll-tokens");
  EXPECT_EQ(std::count(stored.begin(), stored.end(), '\n'), 6) << stored;  // the creator's six
}

// ---- mutual TLS over loopback ----

struct Side {
  std::string cert_pem, key_pem, trusted_ca_pem;
};

SSL_CTX* make_ctx(bool server, const Side& s) {
  SSL_CTX* ctx = SSL_CTX_new(server ? TLS_server_method() : TLS_client_method());
  X509* cert = pem_cert(s.cert_pem);
  EVP_PKEY* key = pem_key(s.key_pem);
  X509* ca = pem_cert(s.trusted_ca_pem);
  EXPECT_EQ(SSL_CTX_use_certificate(ctx, cert), 1);
  EXPECT_EQ(SSL_CTX_use_PrivateKey(ctx, key), 1);
  EXPECT_EQ(X509_STORE_add_cert(SSL_CTX_get_cert_store(ctx), ca), 1);
  SSL_CTX_set_verify(ctx, server ? SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT : SSL_VERIFY_PEER, nullptr);
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  X509_free(cert);
  EVP_PKEY_free(key);
  X509_free(ca);
  return ctx;
}

struct Handshake {
  bool server_ok = false;       // server accepted the client
  std::string client_cn_seen;   // by the server
  bool client_ok = false;       // client accepted the server and got the server's byte
  long client_verify = -1;      // SSL_get_verify_result on the client
};

void set_timeouts(int fd) {
  timeval tv{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

Handshake handshake(const Side& server, const Side& client, const char* host) {
  Handshake h;
  int lfd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(::bind(lfd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  socklen_t len = sizeof addr;
  ::getsockname(lfd, reinterpret_cast<sockaddr*>(&addr), &len);
  EXPECT_EQ(::listen(lfd, 1), 0);

  SSL_CTX* sctx = make_ctx(true, server);
  SSL_CTX* cctx = make_ctx(false, client);
  std::thread server_thread([&] {
    int fd = ::accept(lfd, nullptr, nullptr);
    if (fd < 0) return;
    set_timeouts(fd);
    SSL* ssl = SSL_new(sctx);
    SSL_set_fd(ssl, fd);
    if (SSL_accept(ssl) == 1) {
      h.server_ok = true;
      X509* peer = SSL_get1_peer_certificate(ssl);
      if (peer) {
        char cn[256] = {};
        X509_NAME_get_text_by_NID(X509_get_subject_name(peer), NID_commonName, cn, sizeof cn);
        h.client_cn_seen = cn;
        X509_free(peer);
      }
      SSL_write(ssl, "k", 1);
      SSL_shutdown(ssl);
    }
    SSL_free(ssl);
    ::close(fd);
  });

  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  set_timeouts(fd);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
    SSL* ssl = SSL_new(cctx);
    SSL_set_fd(ssl, fd);
    SSL_set1_host(ssl, host);
    if (SSL_connect(ssl) == 1) {
      // With TLS 1.3 the server judges the client certificate after the client's
      // handshake is done: only the server's byte proves it was accepted.
      char b = 0;
      h.client_ok = SSL_read(ssl, &b, 1) == 1 && b == 'k';
    }
    h.client_verify = SSL_get_verify_result(ssl);
    SSL_free(ssl);
  }
  ::close(fd);
  server_thread.join();
  ::close(lfd);
  SSL_CTX_free(sctx);
  SSL_CTX_free(cctx);
  ERR_clear_error();
  return h;
}

TEST(AgentPki, MutualTlsWithIssuedCertificates) {
  Pki p;
  make_pki(p);
  Result<KeyAndCsr> kc = make_agent_key_and_csr("endpoint-7");
  ASSERT_TRUE(kc.ok());
  std::string id = new_agent_id();
  Result<std::string> agent_cert = sign_agent_certificate(p.ca, kc->csr_pem, id, 30);
  ASSERT_TRUE(agent_cert.ok()) << agent_cert.error();

  Side server{p.server.cert_pem, p.server.key_pem, p.ca.cert_pem};
  Side agent{*agent_cert, kc->key_pem, p.ca.cert_pem};
  for (const char* host : {"localhost", "127.0.0.1"}) {
    Handshake h = handshake(server, agent, host);
    EXPECT_TRUE(h.server_ok) << host;
    EXPECT_TRUE(h.client_ok) << host;
    EXPECT_EQ(h.client_verify, X509_V_OK) << host;
    EXPECT_EQ(h.client_cn_seen, id);
  }
  // The server certificate does not name this host: the agent refuses it.
  Handshake wrong_host = handshake(server, agent, "elsewhere.example.org");
  EXPECT_FALSE(wrong_host.client_ok);
  EXPECT_FALSE(wrong_host.server_ok);
}

TEST(AgentPki, MutualTlsRefusesAnotherCa) {
  Pki p, q;
  make_pki(p);
  make_pki(q);
  Result<KeyAndCsr> kc = make_agent_key_and_csr("endpoint-8");
  ASSERT_TRUE(kc.ok());
  // An agent certificate issued by another CA: the server refuses it.
  Result<std::string> foreign = sign_agent_certificate(q.ca, kc->csr_pem, new_agent_id(), 30);
  ASSERT_TRUE(foreign.ok());
  Side server{p.server.cert_pem, p.server.key_pem, p.ca.cert_pem};
  Handshake h = handshake(server, Side{*foreign, kc->key_pem, p.ca.cert_pem}, "localhost");
  EXPECT_FALSE(h.server_ok);
  EXPECT_FALSE(h.client_ok);
  EXPECT_EQ(h.client_verify, X509_V_OK);  // the agent itself was happy with the server

  // A server certificate from another CA: the agent refuses it.
  Result<std::string> ours = sign_agent_certificate(p.ca, kc->csr_pem, new_agent_id(), 30);
  ASSERT_TRUE(ours.ok());
  Side impostor{q.server.cert_pem, q.server.key_pem, p.ca.cert_pem};
  Handshake i = handshake(impostor, Side{*ours, kc->key_pem, p.ca.cert_pem}, "localhost");
  EXPECT_FALSE(i.client_ok);
  EXPECT_FALSE(i.server_ok);
  EXPECT_NE(i.client_verify, X509_V_OK);
}

}  // namespace
}  // namespace vigil

// The agents' PKI (see agent_pki.h), on OpenSSL 3's EVP and X509 APIs.
//
// Decisions the header leaves open:
// - Every key is EC P-256 and every signature ECDSA with SHA-256. Serials are 128
//   random bits (top bit cleared so they stay positive); notBefore is set 5 minutes in
//   the past so that an agent whose clock runs a little behind still accepts them.
// - Files are written to a temporary name beside the target, fsynced, renamed over it
//   and the folder fsynced, so a crash leaves the old file or the new one, never half.
//   Private keys are created 0600 (fchmod as well, whatever the umask).
// - A CA whose ca.key exists without ca.crt (a crash between the two writes) gets a
//   new certificate for the same key; ca.crt without ca.key is an error, since a new
//   CA would orphan every enrolled agent. A server identity that does not parse, does
//   not match its key or was not signed by this CA is simply reissued.
// - Token files are read-modify-written under flock on a separate lock file, because
//   `vigil agents token` (another process) creates tokens while the server consumes
//   them; without it a concurrent create could resurrect a consumed token.
#include "ingest/agent_pki.h"

#include <fcntl.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <memory>
#include <random>
#include <set>

namespace vigil {
namespace {

namespace fs = std::filesystem;

template <typename T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const { Free(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using ReqPtr = std::unique_ptr<X509_REQ, Deleter<X509_REQ, X509_REQ_free>>;
using NamesPtr = std::unique_ptr<GENERAL_NAMES, Deleter<GENERAL_NAMES, GENERAL_NAMES_free>>;
using BnPtr = std::unique_ptr<BIGNUM, Deleter<BIGNUM, BN_free>>;
struct BioFree {
  void operator()(BIO* b) const { BIO_free_all(b); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;

constexpr int kCaDays = 3650;
constexpr int kServerDays = 825;
constexpr int kRenewBeforeDays = 30;
constexpr size_t kMaxPemFile = 1 << 20;
constexpr size_t kMaxTokenFile = 16 << 20;
constexpr size_t kTokenBytes = 32;
constexpr size_t kTokenChars = 43;  // base64url of 32 bytes, unpadded

// The reason OpenSSL gave last (and the queue cleared), for appending to a message.
std::string openssl_reason() {
  unsigned long e = ERR_get_error();
  ERR_clear_error();
  if (e == 0) return "";
  char buf[256];
  ERR_error_string_n(e, buf, sizeof buf);
  return std::string(": ") + buf;
}

Status fail(std::string what) { return Status::error(std::move(what) + openssl_reason()); }

std::string hex(const unsigned char* p, size_t n) {
  static const char kDigits[] = "0123456789abcdef";
  std::string s(n * 2, '0');
  for (size_t i = 0; i < n; ++i) {
    s[2 * i] = kDigits[p[i] >> 4];
    s[2 * i + 1] = kDigits[p[i] & 15];
  }
  return s;
}

// ---- files ----

// The whole file, or nullopt when it does not exist; an error when unreadable or too big.
Result<std::optional<std::string>> read_file(const fs::path& path, size_t max_bytes) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return std::optional<std::string>();
    return Status::error("cannot read " + path.string() + ": " + std::strerror(errno));
  }
  std::string data;
  char buf[16384];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int e = errno;
      ::close(fd);
      return Status::error("cannot read " + path.string() + ": " + std::strerror(e));
    }
    if (n == 0) break;
    data.append(buf, static_cast<size_t>(n));
    if (data.size() > max_bytes) {
      ::close(fd);
      return Status::error(path.string() + " is larger than " + std::to_string(max_bytes) + " bytes");
    }
  }
  ::close(fd);
  return std::optional<std::string>(std::move(data));
}

Status write_file_atomic(const fs::path& path, std::string_view data, mode_t mode) {
  // pid and a counter: two threads or processes never share a temporary file.
  static std::atomic<uint64_t> counter{0};
  fs::path tmp = path;
  tmp += ".tmp." + std::to_string(::getpid()) + "." + std::to_string(counter++);
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
  if (fd < 0) return Status::error("cannot create " + tmp.string() + ": " + std::strerror(errno));
  auto fail_io = [&](const char* what) {
    int e = errno;
    ::close(fd);
    ::unlink(tmp.c_str());
    return Status::error(std::string("cannot ") + what + " " + tmp.string() + ": " + std::strerror(e));
  };
  if (::fchmod(fd, mode) != 0) return fail_io("chmod");
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail_io("write");
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) return fail_io("fsync");
  if (::close(fd) != 0) {
    int e = errno;
    ::unlink(tmp.c_str());
    return Status::error("cannot close " + tmp.string() + ": " + std::strerror(e));
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    int e = errno;
    ::unlink(tmp.c_str());
    return Status::error("cannot rename " + tmp.string() + " to " + path.string() + ": " + std::strerror(e));
  }
  // The rename itself is durable only once the folder is.
  fs::path parent = path.parent_path().empty() ? fs::path(".") : path.parent_path();
  int dfd = ::open(parent.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    int rc = ::fsync(dfd);
    int e = errno;
    ::close(dfd);
    if (rc != 0) return Status::error("cannot fsync " + parent.string() + ": " + std::strerror(e));
  }
  return Status();
}

Status ensure_dir(const fs::path& dir) {
  std::error_code ec;
  if (fs::is_directory(dir, ec)) return Status();
  fs::create_directories(dir, ec);
  if (ec) return Status::error("cannot create " + dir.string() + ": " + ec.message());
  // Only owner access: the folder holds private keys and the token list.
  fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace, ec);
  return Status();
}

// ---- PEM ----

// A read-only BIO over `pem`, or null (too large for OpenSSL's int sizes).
BioPtr pem_bio(std::string_view pem) {
  if (pem.size() > INT32_MAX) return nullptr;
  return BioPtr(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
}

// One PEM object read by `read` (PEM_read_bio_PrivateKey, _X509, _X509_REQ), or null.
template <typename Ptr, typename Read>
Ptr parse_pem(std::string_view pem, Read read) {
  BioPtr bio = pem_bio(pem);
  if (!bio) return nullptr;
  Ptr object(read(bio.get()));
  ERR_clear_error();
  return object;
}

PkeyPtr parse_key(std::string_view pem) {
  return parse_pem<PkeyPtr>(pem, [](BIO* b) { return PEM_read_bio_PrivateKey(b, nullptr, nullptr, const_cast<char*>("")); });
}
X509Ptr parse_cert(std::string_view pem) {
  return parse_pem<X509Ptr>(pem, [](BIO* b) { return PEM_read_bio_X509(b, nullptr, nullptr, nullptr); });
}
ReqPtr parse_csr(std::string_view pem) {
  return parse_pem<ReqPtr>(pem, [](BIO* b) { return PEM_read_bio_X509_REQ(b, nullptr, nullptr, nullptr); });
}

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  return n > 0 ? std::string(data, static_cast<size_t>(n)) : std::string();
}

Result<std::string> key_pem(EVP_PKEY* key) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1)
    return fail("cannot encode private key");
  return bio_text(bio.get());
}

Result<std::string> cert_pem(X509* cert) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_X509(bio.get(), cert) != 1) return fail("cannot encode certificate");
  return bio_text(bio.get());
}

// ---- building certificates ----

PkeyPtr new_ec_key() { return PkeyPtr(EVP_EC_gen("P-256")); }

Status set_random_serial(X509* cert) {
  unsigned char bytes[16];
  if (RAND_bytes(bytes, sizeof bytes) != 1) return fail("no random bytes for a serial number");
  bytes[0] &= 0x7f;  // positive
  bytes[0] |= 0x01;  // never zero, always the full 128 bits wide
  BnPtr bn(BN_bin2bn(bytes, sizeof bytes, nullptr));
  if (!bn || !BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(cert))) return fail("cannot set serial number");
  return Status();
}

Status set_common_name(X509_NAME* name, std::string_view cn) {
  if (X509_NAME_add_entry_by_NID(name, NID_commonName, MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>(cn.data()), static_cast<int>(cn.size()), -1,
                                 0) != 1)
    return fail("cannot set common name '" + std::string(cn) + "'");
  return Status();
}

// `issuer` null: self-signed. Extensions that name the issuer are added by the caller
// through add_ext, after this, so that the X509V3 context sees both certificates.
Result<X509Ptr> new_certificate(std::string_view cn, EVP_PKEY* subject_key, X509* issuer, int days) {
  X509Ptr cert(X509_new());
  if (!cert || X509_set_version(cert.get(), X509_VERSION_3) != 1) return fail("cannot create certificate");
  if (Status s = set_random_serial(cert.get()); !s) return s;
  if (!X509_gmtime_adj(X509_getm_notBefore(cert.get()), -300) ||
      !X509_time_adj_ex(X509_getm_notAfter(cert.get()), days, 0, nullptr))
    return fail("cannot set validity");
  if (Status s = set_common_name(X509_get_subject_name(cert.get()), cn); !s) return s;
  X509_NAME* issuer_name = issuer ? X509_get_subject_name(issuer) : X509_get_subject_name(cert.get());
  if (X509_set_issuer_name(cert.get(), issuer_name) != 1 || X509_set_pubkey(cert.get(), subject_key) != 1)
    return fail("cannot set issuer or public key");
  return cert;
}

Status add_ext(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer ? issuer : cert, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  if (!ext) return fail(std::string("cannot build extension ") + OBJ_nid2sn(nid) + "=" + value);
  int ok = X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
  if (ok != 1) return fail(std::string("cannot add extension ") + OBJ_nid2sn(nid));
  return Status();
}

Status sign(X509* cert, EVP_PKEY* key) {
  if (X509_sign(cert, key, EVP_sha256()) <= 0) return fail("cannot sign certificate");
  return Status();
}

// A leaf's extensions: not a CA, the key usage and extended key usage given, key ids.
Status add_leaf_extensions(X509* cert, X509* ca, const char* eku) {
  if (Status s = add_ext(cert, ca, NID_basic_constraints, "critical,CA:FALSE"); !s) return s;
  if (Status s = add_ext(cert, ca, NID_key_usage, "critical,digitalSignature"); !s) return s;
  if (Status s = add_ext(cert, ca, NID_ext_key_usage, eku); !s) return s;
  if (Status s = add_ext(cert, ca, NID_subject_key_identifier, "hash"); !s) return s;
  return add_ext(cert, ca, NID_authority_key_identifier, "keyid:always");
}

Result<PemIdentity> to_pem(X509* cert, EVP_PKEY* key) {
  Result<std::string> c = cert_pem(cert);
  if (!c) return c.status();
  Result<std::string> k = key_pem(key);
  if (!k) return k.status();
  return PemIdentity{std::move(*c), std::move(*k)};
}

Result<PemIdentity> issue_ca(EVP_PKEY* key) {
  Result<X509Ptr> cert = new_certificate("Vigil Agent CA", key, nullptr, kCaDays);
  if (!cert) return cert.status();
  X509* c = cert->get();
  for (auto [nid, value] : {std::pair{NID_basic_constraints, "critical,CA:TRUE"},
                            std::pair{NID_key_usage, "critical,keyCertSign,cRLSign"},
                            std::pair{NID_subject_key_identifier, "hash"},
                            std::pair{NID_authority_key_identifier, "keyid:always"}})
    if (Status s = add_ext(c, nullptr, nid, value); !s) return s;
  if (Status s = sign(c, key); !s) return s;
  return to_pem(c, key);
}

// Loaded CA: certificate and key, checked to belong together.
struct Ca {
  X509Ptr cert;
  PkeyPtr key;
};

Result<Ca> parse_ca(const PemIdentity& ca) {
  Ca out{parse_cert(ca.cert_pem), parse_key(ca.key_pem)};
  if (!out.cert) return Status::error("the agent CA certificate is not a PEM certificate");
  if (!out.key) return Status::error("the agent CA key is not a PEM private key");
  if (X509_check_private_key(out.cert.get(), out.key.get()) != 1) {
    ERR_clear_error();
    return Status::error("the agent CA key does not match the CA certificate");
  }
  return out;
}

// ---- subjectAltNames ----

// IP names in the canonical text inet_ntop gives ("::1", not "0:0::1"); DNS names lower-cased.
std::string canonical_name(std::string_view name) {
  std::string s(name);
  unsigned char addr[16];
  char text[INET6_ADDRSTRLEN];
  if (inet_pton(AF_INET, s.c_str(), addr) == 1) return inet_ntop(AF_INET, addr, text, sizeof text);
  if (inet_pton(AF_INET6, s.c_str(), addr) == 1) return inet_ntop(AF_INET6, addr, text, sizeof text);
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

bool is_ip(const std::string& s) {
  unsigned char addr[16];
  return inet_pton(AF_INET, s.c_str(), addr) == 1 || inet_pton(AF_INET6, s.c_str(), addr) == 1;
}

bool is_dns_name(std::string_view s) {
  if (s.empty() || s.size() > 253) return false;
  for (char c : s)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '*'))
      return false;
  return true;
}

// The SAN entries of `cert` in canonical form.
std::set<std::string> san_names(X509* cert) {
  std::set<std::string> out;
  auto* names = static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  if (!names) return out;
  NamesPtr guard(names);
  for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* g = sk_GENERAL_NAME_value(names, i);
    if (g->type == GEN_DNS) {
      const ASN1_IA5STRING* s = g->d.dNSName;
      out.insert(canonical_name(std::string_view(reinterpret_cast<const char*>(s->data), s->length)));
    } else if (g->type == GEN_IPADD) {
      const ASN1_OCTET_STRING* s = g->d.iPAddress;
      char text[INET6_ADDRSTRLEN];
      if (s->length == 4 && inet_ntop(AF_INET, s->data, text, sizeof text)) out.insert(text);
      if (s->length == 16 && inet_ntop(AF_INET6, s->data, text, sizeof text)) out.insert(text);
    }
  }
  return out;
}

Status add_san(X509* cert, const std::set<std::string>& names) {
  NamesPtr gens(sk_GENERAL_NAME_new_null());
  if (!gens) return fail("out of memory");
  for (const std::string& n : names) {
    GENERAL_NAME* g = GENERAL_NAME_new();
    if (!g) return fail("out of memory");
    if (is_ip(n)) {
      ASN1_OCTET_STRING* ip = a2i_IPADDRESS(n.c_str());
      if (!ip) {
        GENERAL_NAME_free(g);
        return fail("cannot encode IP address " + n);
      }
      GENERAL_NAME_set0_value(g, GEN_IPADD, ip);
    } else {
      ASN1_IA5STRING* dns = ASN1_IA5STRING_new();
      if (!dns || ASN1_STRING_set(dns, n.data(), static_cast<int>(n.size())) != 1) {
        ASN1_IA5STRING_free(dns);
        GENERAL_NAME_free(g);
        return fail("cannot encode DNS name " + n);
      }
      GENERAL_NAME_set0_value(g, GEN_DNS, dns);
    }
    if (!sk_GENERAL_NAME_push(gens.get(), g)) {
      GENERAL_NAME_free(g);
      return fail("out of memory");
    }
  }
  if (X509_add1_ext_i2d(cert, NID_subject_alt_name, gens.get(), 0, X509V3_ADD_DEFAULT) != 1)
    return fail("cannot add subjectAltName");
  return Status();
}

// True when the stored server identity can stay: it parses, matches its key, was
// signed by this CA, names every wanted name and is valid for 30 days more.
bool server_identity_current(const PemIdentity& id, X509* ca_cert, EVP_PKEY* ca_key,
                             const std::set<std::string>& wanted) {
  X509Ptr cert = parse_cert(id.cert_pem);
  PkeyPtr key = parse_key(id.key_pem);
  bool ok = cert && key && X509_check_private_key(cert.get(), key.get()) == 1 &&
            X509_verify(cert.get(), ca_key) == 1 &&
            X509_NAME_cmp(X509_get_issuer_name(cert.get()), X509_get_subject_name(ca_cert)) == 0;
  if (ok) {
    std::set<std::string> have = san_names(cert.get());
    ok = std::includes(have.begin(), have.end(), wanted.begin(), wanted.end());
  }
  if (ok) {
    int days = 0, secs = 0;
    ok = ASN1_TIME_diff(&days, &secs, nullptr, X509_get0_notAfter(cert.get())) == 1 && days >= kRenewBeforeDays;
  }
  ERR_clear_error();
  return ok;
}

// ---- tokens ----

std::string base64url(const unsigned char* p, size_t n) {
  static const char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  size_t i = 0;
  for (; i + 3 <= n; i += 3) {
    uint32_t v = (uint32_t{p[i]} << 16) | (uint32_t{p[i + 1]} << 8) | p[i + 2];
    for (int shift : {18, 12, 6, 0}) out.push_back(kAlphabet[(v >> shift) & 63]);
  }
  if (n - i == 1) {
    uint32_t v = uint32_t{p[i]} << 16;
    out.push_back(kAlphabet[(v >> 18) & 63]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
  } else if (n - i == 2) {
    uint32_t v = (uint32_t{p[i]} << 16) | (uint32_t{p[i + 1]} << 8);
    for (int shift : {18, 12, 6}) out.push_back(kAlphabet[(v >> shift) & 63]);
  }
  return out;
}

std::string sha256_hex(std::string_view text) {
  unsigned char md[32];
  unsigned int len = 0;
  EVP_Digest(text.data(), text.size(), md, &len, EVP_sha256(), nullptr);
  return hex(md, len);
}

struct TokenLine {
  std::string hash;  // 64 lower-case hex digits
  TimeNs expiry;
};

Result<std::vector<TokenLine>> parse_tokens(std::string_view text, const fs::path& file) {
  std::vector<TokenLine> out;
  size_t line_no = 0;
  while (!text.empty()) {
    ++line_no;
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    if (line.empty()) continue;
    size_t sp = line.find(' ');
    std::string_view hash = line.substr(0, sp);
    bool ok = sp == 64 && std::all_of(hash.begin(), hash.end(), [](char c) {
                return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
              });
    TimeNs expiry = 0;
    if (ok) {
      std::string_view num = line.substr(sp + 1);
      ok = !num.empty() && num.size() <= 19;
      for (char c : num) {
        if (c < '0' || c > '9') ok = false;
        else expiry = expiry * 10 + (c - '0');
      }
    }
    if (!ok)
      return Status::error(file.string() + " line " + std::to_string(line_no) +
                           " is not \"<sha256 hex> <expiry ns>\"");
    out.push_back({std::string(hash), expiry});
  }
  return out;
}

std::string format_tokens(const std::vector<TokenLine>& tokens) {
  std::string out;
  for (const TokenLine& t : tokens) out += t.hash + " " + std::to_string(t.expiry) + "\n";
  return out;
}

// Holds an exclusive flock on dir/enroll-tokens.lock while alive.
class TokenLock {
 public:
  explicit TokenLock(const fs::path& dir) {
    fs::path p = dir / "enroll-tokens.lock";
    fd_ = ::open(p.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd_ < 0) {
      error_ = "cannot open " + p.string() + ": " + std::strerror(errno);
      return;
    }
    while (::flock(fd_, LOCK_EX) != 0) {
      if (errno == EINTR) continue;
      error_ = "cannot lock " + p.string() + ": " + std::strerror(errno);
      return;
    }
  }
  ~TokenLock() {
    if (fd_ >= 0) ::close(fd_);  // closing releases the lock
  }
  TokenLock(const TokenLock&) = delete;
  TokenLock& operator=(const TokenLock&) = delete;
  const std::string& error() const { return error_; }

 private:
  int fd_ = -1;
  std::string error_;
};

// The live (unexpired) tokens of dir/enroll-tokens; `dropped` says whether any expired.
Result<std::vector<TokenLine>> live_tokens(const fs::path& file, TimeNs now, bool& dropped) {
  Result<std::optional<std::string>> text = read_file(file, kMaxTokenFile);
  if (!text) return text.status();
  dropped = false;
  if (!text->has_value()) return std::vector<TokenLine>();
  Result<std::vector<TokenLine>> tokens = parse_tokens(**text, file);
  if (!tokens) return tokens;
  size_t before = tokens->size();
  std::erase_if(*tokens, [now](const TokenLine& t) { return t.expiry <= now; });
  dropped = tokens->size() != before;
  return tokens;
}

}  // namespace

Result<PemIdentity> load_or_create_agent_ca(const fs::path& dir) {
  if (Status s = ensure_dir(dir); !s) return s;
  fs::path cert_path = dir / "ca.crt", key_path = dir / "ca.key";
  Result<std::optional<std::string>> cert_text = read_file(cert_path, kMaxPemFile);
  if (!cert_text) return cert_text.status();
  Result<std::optional<std::string>> key_text = read_file(key_path, kMaxPemFile);
  if (!key_text) return key_text.status();

  if (cert_text->has_value() && !key_text->has_value())
    return Status::error("ca.crt in " + dir.string() +
                         " has no ca.key beside it: restore ca.key (a new CA would orphan every enrolled agent)");
  PkeyPtr key;
  if (key_text->has_value()) {
    key = parse_key(**key_text);
    if (!key) return Status::error("ca.key in " + dir.string() + " is not a PEM private key");
  }
  if (cert_text->has_value()) {
    PemIdentity ca{std::move(**cert_text), std::move(**key_text)};
    X509Ptr cert = parse_cert(ca.cert_pem);
    if (!cert) return Status::error("ca.crt in " + dir.string() + " is not a PEM certificate");
    if (X509_check_private_key(cert.get(), key.get()) != 1) {
      ERR_clear_error();
      return Status::error("ca.key in " + dir.string() + " does not match ca.crt");
    }
    return ca;
  }

  bool new_key = !key;
  if (new_key) key = new_ec_key();
  if (!key) return fail("cannot generate the CA key");
  Result<PemIdentity> ca = issue_ca(key.get());
  if (!ca) return ca;
  // Key first: a crash before the certificate is written leaves a key we reuse.
  if (new_key)
    if (Status s = write_file_atomic(key_path, ca->key_pem, 0600); !s) return s;
  if (Status s = write_file_atomic(cert_path, ca->cert_pem, 0644); !s) return s;
  if (!new_key) ca->key_pem = std::move(**key_text);  // keep the file's text as it is
  return ca;
}

Result<PemIdentity> load_or_issue_server_identity(const fs::path& dir, const PemIdentity& ca,
                                                  const std::vector<std::string>& names) {
  std::set<std::string> wanted = {"localhost", "127.0.0.1", "::1"};
  for (const std::string& n : names) {
    if (n.empty()) continue;
    std::string c = canonical_name(n);
    if (!is_ip(c) && !is_dns_name(c))
      return Status::error("server name '" + n + "' is neither an IP address nor a DNS name");
    wanted.insert(c);
  }
  Result<Ca> issuer = parse_ca(ca);
  if (!issuer) return issuer.status();
  if (Status s = ensure_dir(dir); !s) return s;

  fs::path cert_path = dir / "server.crt", key_path = dir / "server.key";
  Result<std::optional<std::string>> cert_text = read_file(cert_path, kMaxPemFile);
  if (!cert_text) return cert_text.status();
  Result<std::optional<std::string>> key_text = read_file(key_path, kMaxPemFile);
  if (!key_text) return key_text.status();
  if (cert_text->has_value() && key_text->has_value()) {
    PemIdentity stored{std::move(**cert_text), std::move(**key_text)};
    if (server_identity_current(stored, issuer->cert.get(), issuer->key.get(), wanted)) return stored;
  }

  PkeyPtr key = new_ec_key();
  if (!key) return fail("cannot generate the server key");
  std::string cn = "localhost";
  for (const std::string& n : names)
    if (!n.empty() && !is_ip(canonical_name(n))) {
      cn = canonical_name(n);
      break;
    }
  if (cn.size() > 64) cn = "Vigil server";  // a CN holds at most 64 characters; the SANs carry the names
  Result<X509Ptr> cert = new_certificate(cn, key.get(), issuer->cert.get(), kServerDays);
  if (!cert) return cert.status();
  if (Status s = add_leaf_extensions(cert->get(), issuer->cert.get(), "serverAuth"); !s) return s;
  if (Status s = add_san(cert->get(), wanted); !s) return s;
  if (Status s = sign(cert->get(), issuer->key.get()); !s) return s;
  Result<PemIdentity> id = to_pem(cert->get(), key.get());
  if (!id) return id;
  if (Status s = write_file_atomic(key_path, id->key_pem, 0600); !s) return s;
  if (Status s = write_file_atomic(cert_path, id->cert_pem, 0644); !s) return s;
  return id;
}

Result<KeyAndCsr> make_agent_key_and_csr(std::string_view hostname) {
  PkeyPtr key = new_ec_key();
  if (!key) return fail("cannot generate the agent key");
  ReqPtr req(X509_REQ_new());
  if (!req || X509_REQ_set_version(req.get(), X509_REQ_VERSION_1) != 1) return fail("cannot create request");
  // The server ignores the request's subject (it sets CN = agent id); the hostname
  // is only a hint for people reading the request. A CN holds at most 64 characters.
  std::string cn(hostname.substr(0, 64));
  if (cn.empty()) cn = "vigil-agent";
  if (!set_common_name(X509_REQ_get_subject_name(req.get()), cn)) {
    cn = "vigil-agent";  // not valid UTF-8, or cut inside a character
    if (Status s = set_common_name(X509_REQ_get_subject_name(req.get()), cn); !s) return s;
  }
  if (X509_REQ_set_pubkey(req.get(), key.get()) != 1 || X509_REQ_sign(req.get(), key.get(), EVP_sha256()) <= 0)
    return fail("cannot sign certificate request");
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_X509_REQ(bio.get(), req.get()) != 1) return fail("cannot encode certificate request");
  Result<std::string> k = key_pem(key.get());
  if (!k) return k.status();
  return KeyAndCsr{std::move(*k), bio_text(bio.get())};
}

Result<std::string> sign_agent_certificate(const PemIdentity& ca, std::string_view csr_pem, std::string_view agent_id,
                                           int days) {
  if (agent_id.empty() || agent_id.size() > 64 ||
      !std::all_of(agent_id.begin(), agent_id.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
               c == '.';
      }))
    return Status::error("agent id '" + std::string(agent_id.substr(0, 80)) +
                         "' must be 1-64 letters, digits, '-', '_' or '.'");
  if (days < 1 || days > kCaDays) return Status::error("certificate validity must be 1 to 3650 days");
  Result<Ca> issuer = parse_ca(ca);
  if (!issuer) return issuer.status();
  ReqPtr req = parse_csr(csr_pem);
  if (!req) return Status::error("certificate request is not a PEM certificate request");
  PkeyPtr pub(X509_REQ_get_pubkey(req.get()));
  if (!pub) return fail("certificate request carries no usable public key");
  int type = EVP_PKEY_get_base_id(pub.get());
  if (!(type == EVP_PKEY_EC || (type == EVP_PKEY_RSA && EVP_PKEY_get_bits(pub.get()) >= 2048)))
    return Status::error("certificate request key must be EC or RSA of at least 2048 bits");
  if (X509_REQ_verify(req.get(), pub.get()) != 1) {
    ERR_clear_error();
    return Status::error("certificate request signature does not verify");
  }
  Result<X509Ptr> cert = new_certificate(agent_id, pub.get(), issuer->cert.get(), days);
  if (!cert) return cert.status();
  if (Status s = add_leaf_extensions(cert->get(), issuer->cert.get(), "clientAuth"); !s) return s;
  if (Status s = sign(cert->get(), issuer->key.get()); !s) return s;
  return cert_pem(cert->get());
}

std::string certificate_common_name(std::string_view pem) {
  X509Ptr cert = parse_cert(pem);
  if (!cert) return "";
  X509_NAME* name = X509_get_subject_name(cert.get());
  int i = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
  if (i < 0) return "";
  unsigned char* utf8 = nullptr;
  int n = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i)));
  if (n < 0) {
    ERR_clear_error();
    return "";
  }
  std::string out(reinterpret_cast<char*>(utf8), static_cast<size_t>(n));
  OPENSSL_free(utf8);
  return out;
}

std::string certificate_fingerprint(std::string_view pem) {
  X509Ptr cert = parse_cert(pem);
  if (!cert) return "";
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (X509_digest(cert.get(), EVP_sha256(), md, &len) != 1) return "";
  return "SHA256:" + hex(md, len);
}

Result<std::string> create_enrollment_token(const fs::path& dir, int64_t ttl_s, TimeNs now) {
  TimeNs expiry;
  if (ttl_s <= 0 || __builtin_mul_overflow(ttl_s, kNsPerSec, &expiry) || __builtin_add_overflow(now, expiry, &expiry))
    return Status::error("token lifetime must be a positive number of seconds (got " + std::to_string(ttl_s) + ")");
  if (Status s = ensure_dir(dir); !s) return s;
  unsigned char bytes[kTokenBytes];
  if (RAND_bytes(bytes, sizeof bytes) != 1) return fail("no random bytes for a token");
  std::string token = base64url(bytes, sizeof bytes);
  OPENSSL_cleanse(bytes, sizeof bytes);

  TokenLock lock(dir);
  if (!lock.error().empty()) return Status::error(lock.error());
  fs::path file = dir / "enroll-tokens";
  bool dropped = false;
  Result<std::vector<TokenLine>> tokens = live_tokens(file, now, dropped);
  if (!tokens) return tokens.status();
  tokens->push_back({sha256_hex(token), expiry});
  if (Status s = write_file_atomic(file, format_tokens(*tokens), 0600); !s) return s;
  return token;
}

Result<bool> consume_enrollment_token(const fs::path& dir, std::string_view token, TimeNs now) {
  // Not one of ours by its shape: no need to touch the file.
  if (token.size() != kTokenChars || !std::all_of(token.begin(), token.end(), [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
      }))
    return false;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return false;
  std::string want = sha256_hex(token);

  TokenLock lock(dir);
  if (!lock.error().empty()) return Status::error(lock.error());
  fs::path file = dir / "enroll-tokens";
  bool dropped = false;
  Result<std::vector<TokenLine>> tokens = live_tokens(file, now, dropped);
  if (!tokens) return tokens.status();
  bool found = false;
  std::vector<TokenLine> kept;
  kept.reserve(tokens->size());
  for (TokenLine& t : *tokens) {
    // Constant time: the comparison must not tell an attacker how much of a hash matched.
    if (CRYPTO_memcmp(t.hash.data(), want.data(), want.size()) == 0 && !found) found = true;
    else kept.push_back(std::move(t));
  }
  if (found || dropped)
    if (Status s = write_file_atomic(file, format_tokens(kept), 0600); !s) return s;
  return found;
}

std::string new_agent_id() {
  unsigned char bytes[8];
  if (RAND_bytes(bytes, sizeof bytes) != 1) {
    // The RNG failing is near impossible; an id needs uniqueness, not secrecy.
    std::random_device rd;
    for (unsigned char& b : bytes) b = static_cast<unsigned char>(rd());
  }
  return "agt-" + hex(bytes, sizeof bytes);
}

}  // namespace vigil

// Ed25519 with OpenSSL 3's EVP interface (see ed25519.h).
#include "store/ed25519.h"

#include <fmt/format.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "store/manifest.h"

namespace vigil::ed25519 {
namespace {

EVP_PKEY* pk(const std::shared_ptr<void>& p) { return static_cast<EVP_PKEY*>(p.get()); }

// The most recent OpenSSL error as text (and the queue cleared), for messages.
std::string ssl_error() {
  unsigned long e = ERR_get_error();
  ERR_clear_error();
  if (e == 0) return "unknown OpenSSL error";
  char buf[256];
  ERR_error_string_n(e, buf, sizeof buf);
  return buf;
}

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;
struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  return n > 0 ? std::string(data, static_cast<size_t>(n)) : std::string();
}

BioPtr bio_from(std::string_view pem) {
  if (pem.size() > (1u << 20)) return nullptr;  // a key file is a few hundred bytes
  return BioPtr(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
}

}  // namespace

void Key::Free::operator()(void* p) const { EVP_PKEY_free(static_cast<EVP_PKEY*>(p)); }

Result<Key> Key::generate() {
  EVP_PKEY* key = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
  if (!key) return Status::error("cannot generate an Ed25519 key: " + ssl_error());
  return Key(key, true);
}

Result<Key> Key::from_private_pem(std::string_view pem, std::string_view name) {
  BioPtr bio = bio_from(pem);
  EVP_PKEY* key = bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr;
  if (!key) {
    ERR_clear_error();
    return Status::error(fmt::format("{} is not a PEM private key", name));
  }
  if (EVP_PKEY_get_id(key) != EVP_PKEY_ED25519) {
    EVP_PKEY_free(key);
    return Status::error(fmt::format("{} is not an Ed25519 key", name));
  }
  return Key(key, true);
}

Result<Key> Key::from_public_pem(std::string_view pem, std::string_view name) {
  BioPtr bio = bio_from(pem);
  EVP_PKEY* key = bio ? PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr) : nullptr;
  if (!key) {
    ERR_clear_error();
    return Status::error(fmt::format("{} is not a PEM public key (-----BEGIN PUBLIC KEY-----)", name));
  }
  if (EVP_PKEY_get_id(key) != EVP_PKEY_ED25519) {
    EVP_PKEY_free(key);
    return Status::error(fmt::format("{} is not an Ed25519 public key", name));
  }
  return Key(key, false);
}

Result<std::string> Key::private_pem() const {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || !PEM_write_bio_PrivateKey(bio.get(), pk(pkey_), nullptr, nullptr, 0, nullptr, nullptr))
    return Status::error("cannot encode the private key: " + ssl_error());
  return bio_text(bio.get());
}

std::string Key::public_pem() const {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || !PEM_write_bio_PUBKEY(bio.get(), pk(pkey_))) {
    ERR_clear_error();
    return {};
  }
  return bio_text(bio.get());
}

std::array<uint8_t, 32> Key::raw_public() const {
  std::array<uint8_t, 32> raw{};
  size_t n = raw.size();
  if (!EVP_PKEY_get_raw_public_key(pk(pkey_), raw.data(), &n) || n != raw.size()) {
    ERR_clear_error();
    raw.fill(0);
  }
  return raw;
}

std::string Key::fingerprint() const {
  auto raw = raw_public();
  return "SHA256:" + manifest::to_hex(manifest::sha256(std::string_view(reinterpret_cast<const char*>(raw.data()), raw.size())));
}

Result<std::string> Key::sign(std::string_view message) const {
  if (!has_private_) return Status::error("cannot sign with a public key");
  MdCtxPtr ctx(EVP_MD_CTX_new());
  std::string sig(kSignatureSize, '\0');
  size_t n = sig.size();
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, pk(pkey_)) != 1 ||
      EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &n,
                     reinterpret_cast<const unsigned char*>(message.data()), message.size()) != 1 ||
      n != kSignatureSize)
    return Status::error("cannot sign a manifest entry: " + ssl_error());
  return sig;
}

bool Key::verify(std::string_view message, std::string_view signature) const {
  if (signature.size() != kSignatureSize) return false;
  MdCtxPtr ctx(EVP_MD_CTX_new());
  bool ok = ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, pk(pkey_)) == 1 &&
            EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
                             reinterpret_cast<const unsigned char*>(message.data()), message.size()) == 1;
  ERR_clear_error();
  return ok;
}

}  // namespace vigil::ed25519

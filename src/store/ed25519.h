// Ed25519 keys for the manifest (OpenSSL 3 EVP underneath): generate, PEM in and out,
// sign, verify. Kept out of manifest.h so that OpenSSL headers stay in one .cpp.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/status.h"

namespace vigil::ed25519 {

constexpr size_t kSignatureSize = 64;

class Key {
 public:
  static Result<Key> generate();
  // PKCS#8 "PRIVATE KEY" PEM; `name` is for errors.
  static Result<Key> from_private_pem(std::string_view pem, std::string_view name);
  // SubjectPublicKeyInfo "PUBLIC KEY" PEM (a private key PEM is refused, to keep roles clear).
  static Result<Key> from_public_pem(std::string_view pem, std::string_view name);

  bool has_private() const { return has_private_; }
  Result<std::string> private_pem() const;
  std::string public_pem() const;
  std::array<uint8_t, 32> raw_public() const;
  // "SHA256:<hex>" of the raw public key.
  std::string fingerprint() const;
  bool same_public(const Key& other) const { return raw_public() == other.raw_public(); }

  Result<std::string> sign(std::string_view message) const;  // private keys only
  bool verify(std::string_view message, std::string_view signature) const;

 private:
  struct Free {
    void operator()(void* p) const;
  };
  Key(void* pkey, bool has_private) : pkey_(pkey, Free{}), has_private_(has_private) {}
  std::shared_ptr<void> pkey_;  // EVP_PKEY, immutable once made (shared between copies)
  bool has_private_ = false;
};

}  // namespace vigil::ed25519

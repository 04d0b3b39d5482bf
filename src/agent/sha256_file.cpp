// Streaming SHA-256 of files for the agent's collectors (see sha256_file.h).
#include "agent/sha256_file.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

namespace vigil {
namespace {

std::string to_hex(const unsigned char* d, unsigned n) {
  static const char kHex[] = "0123456789abcdef";
  std::string s(n * 2, '0');
  for (unsigned i = 0; i < n; ++i) {
    s[2 * i] = kHex[d[i] >> 4];
    s[2 * i + 1] = kHex[d[i] & 15];
  }
  return s;
}

struct CtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};

}  // namespace

Result<FileDigest> sha256_fd(int fd, uint64_t max_bytes) {
  struct stat st;
  if (::fstat(fd, &st) != 0) return Status::error(std::string("cannot stat: ") + std::strerror(errno));
  if (!S_ISREG(st.st_mode)) return Status::error("not a regular file");
  FileDigest digest;
  digest.size = static_cast<uint64_t>(st.st_size);
  if (digest.size > max_bytes) {
    digest.too_large = true;
    return digest;
  }
  std::unique_ptr<EVP_MD_CTX, CtxFree> ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1) return Status::error("OpenSSL SHA-256 unavailable");
  // The file may grow while it is read: hash at most max_bytes, so the cap holds.
  alignas(64) static thread_local unsigned char buf[1 << 16];
  uint64_t offset = 0;
  while (offset <= max_bytes) {
    size_t want = sizeof(buf);
    if (max_bytes - offset + 1 < want) want = static_cast<size_t>(max_bytes - offset + 1);
    ssize_t n = ::pread(fd, buf, want, static_cast<off_t>(offset));
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::error(std::string("cannot read: ") + std::strerror(errno));
    }
    if (n == 0) break;
    EVP_DigestUpdate(ctx.get(), buf, static_cast<size_t>(n));
    offset += static_cast<uint64_t>(n);
  }
  if (offset > max_bytes) {
    digest.too_large = true;
    digest.size = offset;
    return digest;
  }
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  EVP_DigestFinal_ex(ctx.get(), md, &len);
  digest.sha256 = to_hex(md, len);
  digest.size = offset;
  return digest;
}

Result<FileDigest> sha256_file(const std::string& path, uint64_t max_bytes) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY | O_NOFOLLOW);
  if (fd < 0) return Status::error("cannot open " + path + ": " + std::strerror(errno));
  Result<FileDigest> r = sha256_fd(fd, max_bytes);
  ::close(fd);
  if (!r.ok()) return Status::error(path + ": " + r.error());
  return r;
}

std::string sha256_hex(const void* data, size_t size) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  EVP_Digest(data, size, md, &len, EVP_sha256(), nullptr);
  return to_hex(md, len);
}

}  // namespace vigil

#include "ingest/syslog_framer.h"

namespace vigil {

long SyslogFramer::octet_count(size_t p, size_t& header_len) const {
  // MSG-LEN = NONZERO-DIGIT 0*8DIGIT, then one space. Anything else is LF framing.
  long n = 0;
  size_t i = p;
  while (i < buf_.size() && buf_[i] >= '0' && buf_[i] <= '9') {
    if (i - p >= 9) return -1;
    n = n * 10 + (buf_[i] - '0');
    ++i;
  }
  if (i == buf_.size()) return -2;
  if (buf_[i] != ' ') return -1;
  header_len = i + 1 - p;
  return n;
}

void SyslogFramer::compact() {
  // Drop consumed bytes once they dominate the buffer: amortized O(1) per byte.
  if (pos_ == buf_.size()) {
    buf_.clear();
    pos_ = 0;
  } else if (pos_ > 4096 && pos_ * 2 > buf_.size()) {
    buf_.erase(0, pos_);
    pos_ = 0;
  }
}

}  // namespace vigil

#include "core/masking.h"

#include <cstring>

namespace uws::core {

void applyMask(uint8_t* dst, const uint8_t* src, size_t len, uint32_t key, size_t keyOffset) {
  uint8_t keyBytes[4];
  std::memcpy(keyBytes, &key, 4);
  uint8_t rotated[8];
  for (size_t k = 0; k < 8; ++k) rotated[k] = keyBytes[(keyOffset + k) & 3];
  uint64_t word;
  std::memcpy(&word, rotated, 8);

  size_t i = 0;
  for (; len - i >= 32; i += 32) {
    uint64_t a, b, c, d;
    std::memcpy(&a, src + i, 8);
    std::memcpy(&b, src + i + 8, 8);
    std::memcpy(&c, src + i + 16, 8);
    std::memcpy(&d, src + i + 24, 8);
    a ^= word;
    b ^= word;
    c ^= word;
    d ^= word;
    std::memcpy(dst + i, &a, 8);
    std::memcpy(dst + i + 8, &b, 8);
    std::memcpy(dst + i + 16, &c, 8);
    std::memcpy(dst + i + 24, &d, 8);
  }
  for (; len - i >= 8; i += 8) {
    uint64_t a;
    std::memcpy(&a, src + i, 8);
    a ^= word;
    std::memcpy(dst + i, &a, 8);
  }
  for (; i < len; ++i) dst[i] = static_cast<uint8_t>(src[i] ^ rotated[i & 7]);
}

}  // namespace uws::core

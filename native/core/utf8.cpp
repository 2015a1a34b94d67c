#include "core/utf8.h"

#include <cstring>

namespace uws::core {

namespace {

constexpr uint32_t kInvalid = 0xFFFFFFFFu;
constexpr uint64_t kHighBits = 0x8080808080808080ull;

inline uint32_t pending(uint32_t need, uint32_t lo, uint32_t hi) { return need | (lo << 8) | (hi << 16); }

}  // namespace

bool Utf8Validator::feed(const uint8_t* p, size_t n) {
  uint32_t state = state_;
  if (state == kInvalid) return false;
  size_t i = 0;

  // Finish a sequence left pending by the previous call.
  while (state != 0) {
    if (i == n) {
      state_ = state;
      return true;
    }
    const uint32_t b = p[i++];
    const uint32_t lo = (state >> 8) & 0xFF;
    const uint32_t hi = (state >> 16) & 0xFF;
    if (b < lo || b > hi) {
      state_ = kInvalid;
      return false;
    }
    const uint32_t need = (state & 0xFF) - 1;
    state = need == 0 ? 0 : pending(need, 0x80, 0xBF);
  }

  while (i < n) {
    // ASCII fast path, 16 then 8 bytes at a time.
    while (n - i >= 16) {
      uint64_t a, b;
      std::memcpy(&a, p + i, 8);
      std::memcpy(&b, p + i + 8, 8);
      if (((a | b) & kHighBits) != 0) break;
      i += 16;
    }
    while (n - i >= 8) {
      uint64_t a;
      std::memcpy(&a, p + i, 8);
      if ((a & kHighBits) != 0) break;
      i += 8;
    }
    // Byte loop until the next non-ASCII byte is handled.
    while (i < n && p[i] < 0x80) ++i;
    if (i == n) break;

    const uint32_t lead = p[i];
    uint32_t need, lo = 0x80, hi = 0xBF;
    if (lead < 0xC2) {  // stray continuation byte or overlong 2-byte lead
      state_ = kInvalid;
      return false;
    } else if (lead < 0xE0) {
      need = 1;
    } else if (lead < 0xF0) {
      need = 2;
      if (lead == 0xE0) lo = 0xA0;       // overlong
      else if (lead == 0xED) hi = 0x9F;  // UTF-16 surrogates
    } else if (lead < 0xF5) {
      need = 3;
      if (lead == 0xF0) lo = 0x90;       // overlong
      else if (lead == 0xF4) hi = 0x8F;  // above U+10FFFF
    } else {
      state_ = kInvalid;
      return false;
    }

    if (n - i > need) {
      // The whole sequence is here.
      const uint32_t b1 = p[i + 1];
      bool ok = b1 >= lo && b1 <= hi;
      for (uint32_t k = 2; k <= need; ++k) ok = ok && (p[i + k] & 0xC0) == 0x80;
      if (!ok) {
        state_ = kInvalid;
        return false;
      }
      i += need + 1;
    } else {
      // The sequence continues in the next call: check what is here.
      ++i;
      state = pending(need, lo, hi);
      while (i < n) {
        const uint32_t b = p[i++];
        if (b < ((state >> 8) & 0xFF) || b > ((state >> 16) & 0xFF)) {
          state_ = kInvalid;
          return false;
        }
        state = pending((state & 0xFF) - 1, 0x80, 0xBF);
      }
      state_ = state;
      return true;
    }
  }
  state_ = 0;
  return true;
}

bool isValidUtf8(const uint8_t* p, size_t n) {
  Utf8Validator validator;
  return validator.feed(p, n) && validator.complete();
}

}  // namespace uws::core

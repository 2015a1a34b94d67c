// Streaming UTF-8 validation (RFC 3629: no overlongs, no surrogates, nothing
// above U+10FFFF). The state survives between feed() calls so a message that
// arrives in pieces is validated as it arrives and fails at the first invalid
// byte sequence.
#pragma once

#include <cstddef>
#include <cstdint>

namespace uws::core {

class Utf8Validator {
 public:
  // Validates the next n bytes. Returns false once the input seen so far is
  // invalid (sticky until reset()). A sequence cut at the end of p is kept
  // pending and completed by the next call.
  bool feed(const uint8_t* p, size_t n);
  // True when the input so far is valid and does not end inside a multi-byte
  // sequence.
  bool complete() const { return state_ == 0; }
  void reset() { state_ = 0; }

 private:
  // 0: between characters. kInvalid: sticky failure. Otherwise, pending
  // multi-byte sequence: bits 0-7 continuation bytes still expected, bits 8-15
  // lowest and bits 16-23 highest allowed value of the next byte.
  uint32_t state_ = 0;
};

// Whole-buffer check.
bool isValidUtf8(const uint8_t* p, size_t n);

}  // namespace uws::core

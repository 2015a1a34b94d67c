// WebSocket frame opcodes (RFC 6455 section 5.2).
#pragma once

#include <cstdint>

namespace uws::core {

enum Opcode : uint8_t {
  kContinuation = 0,
  kText = 1,
  kBinary = 2,
  kClose = 8,
  kPing = 9,
  kPong = 10,
};

}  // namespace uws::core

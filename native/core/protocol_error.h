// Protocol errors raised by the frame parser, described exactly like the
// errors ws 8.x (receiver.js) creates: message, err.code, close code and
// whether the error is a RangeError.
#pragma once

#include <cstdint>

namespace uws::core {

enum class ProtocolErrorKind : uint8_t {
  kUnexpectedRsv23,
  kUnexpectedRsv1,
  kInvalidOpcode,
  kExpectedFin,
  kInvalidControlPayloadLength,
  kExpectedMask,
  kUnexpectedMask,
  kUnsupportedDataPayloadLength,
  kMaxPayloadExceeded,
  kTooManyFragments,
  kInvalidCloseCode,
  kInvalidUtf8,
};

struct ProtocolError {
  ProtocolErrorKind kind;
  uint16_t closeCode;  // close code ws sends: 1002, 1007, 1008 or 1009
  const char* code;    // ws err.code, e.g. "WS_ERR_INVALID_OPCODE"
  bool isRangeError;   // ws uses RangeError for all but invalid UTF-8
  char message[96];    // exact ws err.message
};

// detail is the opcode (kInvalidOpcode), the payload length
// (kInvalidControlPayloadLength) or the close code (kInvalidCloseCode).
ProtocolError makeProtocolError(ProtocolErrorKind kind, uint64_t detail = 0);

}  // namespace uws::core

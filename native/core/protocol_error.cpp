#include "core/protocol_error.h"

#include <cstdio>
#include <cstring>

namespace uws::core {

namespace {

void setMessage(ProtocolError& error, bool prefix, const char* text, bool withDetail, uint64_t detail) {
  const char* head = prefix ? "Invalid WebSocket frame: " : "";
  if (withDetail) {
    std::snprintf(error.message, sizeof(error.message), "%s%s %llu", head, text,
                  static_cast<unsigned long long>(detail));
  } else {
    std::snprintf(error.message, sizeof(error.message), "%s%s", head, text);
  }
}

}  // namespace

ProtocolError makeProtocolError(ProtocolErrorKind kind, uint64_t detail) {
  ProtocolError error{};
  error.kind = kind;
  error.isRangeError = true;
  error.closeCode = 1002;
  switch (kind) {
    case ProtocolErrorKind::kUnexpectedRsv23:
      error.code = "WS_ERR_UNEXPECTED_RSV_2_3";
      setMessage(error, true, "RSV2 and RSV3 must be clear", false, 0);
      break;
    case ProtocolErrorKind::kUnexpectedRsv1:
      error.code = "WS_ERR_UNEXPECTED_RSV_1";
      setMessage(error, true, "RSV1 must be clear", false, 0);
      break;
    case ProtocolErrorKind::kInvalidOpcode:
      error.code = "WS_ERR_INVALID_OPCODE";
      setMessage(error, true, "invalid opcode", true, detail);
      break;
    case ProtocolErrorKind::kExpectedFin:
      error.code = "WS_ERR_EXPECTED_FIN";
      setMessage(error, true, "FIN must be set", false, 0);
      break;
    case ProtocolErrorKind::kInvalidControlPayloadLength:
      error.code = "WS_ERR_INVALID_CONTROL_PAYLOAD_LENGTH";
      setMessage(error, true, "invalid payload length", true, detail);
      break;
    case ProtocolErrorKind::kExpectedMask:
      error.code = "WS_ERR_EXPECTED_MASK";
      setMessage(error, true, "MASK must be set", false, 0);
      break;
    case ProtocolErrorKind::kUnexpectedMask:
      error.code = "WS_ERR_UNEXPECTED_MASK";
      setMessage(error, true, "MASK must be clear", false, 0);
      break;
    case ProtocolErrorKind::kUnsupportedDataPayloadLength:
      error.code = "WS_ERR_UNSUPPORTED_DATA_PAYLOAD_LENGTH";
      error.closeCode = 1009;
      setMessage(error, false, "Unsupported WebSocket frame: payload length > 2^53 - 1", false, 0);
      break;
    case ProtocolErrorKind::kMaxPayloadExceeded:
      error.code = "WS_ERR_UNSUPPORTED_MESSAGE_LENGTH";
      error.closeCode = 1009;
      setMessage(error, false, "Max payload size exceeded", false, 0);
      break;
    case ProtocolErrorKind::kTooManyFragments:
      error.code = "WS_ERR_TOO_MANY_BUFFERED_PARTS";
      error.closeCode = 1008;
      setMessage(error, false, "Too many message fragments", false, 0);
      break;
    case ProtocolErrorKind::kInvalidCloseCode:
      error.code = "WS_ERR_INVALID_CLOSE_CODE";
      setMessage(error, true, "invalid status code", true, detail);
      break;
    case ProtocolErrorKind::kInvalidUtf8:
      error.code = "WS_ERR_INVALID_UTF8";
      error.closeCode = 1007;
      error.isRangeError = false;
      setMessage(error, true, "invalid UTF-8 sequence", false, 0);
      break;
  }
  return error;
}

}  // namespace uws::core

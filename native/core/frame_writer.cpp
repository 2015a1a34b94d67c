#include "core/frame_writer.h"

#include <cstring>

#include "core/masking.h"

namespace uws::core {

void copyFrame(uint8_t* out, const uint8_t* header, size_t headerLength, const uint8_t* payload,
               size_t payloadLength, const uint8_t* maskKey) {
  if (headerLength) std::memcpy(out, header, headerLength);
  if (maskKey) {
    uint32_t key;
    std::memcpy(&key, maskKey, 4);
    applyMask(out + headerLength, payload, payloadLength, key, 0);
  } else if (payloadLength) {
    std::memcpy(out + headerLength, payload, payloadLength);
  }
}

size_t frameHeaderSize(uint64_t payloadLength, bool masked) {
  const size_t base = payloadLength < 126 ? 2 : (payloadLength <= 0xFFFF ? 4 : 10);
  return masked ? base + 4 : base;
}

size_t writeFrameHeader(uint8_t* out, Opcode opcode, bool fin, bool rsv1, uint64_t payloadLength,
                        const uint8_t* maskKey) {
  out[0] = static_cast<uint8_t>((fin ? 0x80 : 0) | (rsv1 ? 0x40 : 0) | (opcode & 0x0F));
  const uint8_t maskBit = maskKey != nullptr ? 0x80 : 0;
  size_t n;
  if (payloadLength < 126) {
    out[1] = static_cast<uint8_t>(maskBit | payloadLength);
    n = 2;
  } else if (payloadLength <= 0xFFFF) {
    out[1] = static_cast<uint8_t>(maskBit | 126);
    out[2] = static_cast<uint8_t>(payloadLength >> 8);
    out[3] = static_cast<uint8_t>(payloadLength);
    n = 4;
  } else {
    out[1] = static_cast<uint8_t>(maskBit | 127);
    for (int k = 0; k < 8; ++k) out[2 + k] = static_cast<uint8_t>(payloadLength >> (56 - 8 * k));
    n = 10;
  }
  if (maskKey != nullptr) {
    std::memcpy(out + n, maskKey, 4);
    n += 4;
  }
  return n;
}

size_t writeClosePayload(uint8_t* out, uint16_t code, const uint8_t* reason, size_t reasonLength) {
  out[0] = static_cast<uint8_t>(code >> 8);
  out[1] = static_cast<uint8_t>(code);
  if (reasonLength > 123) reasonLength = 123;
  if (reasonLength != 0) std::memcpy(out + 2, reason, reasonLength);
  return 2 + reasonLength;
}

}  // namespace uws::core

// Frame serialization (RFC 6455 section 5.2).
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/opcode.h"

namespace uws::core {

constexpr size_t kMaxFrameHeaderSize = 14;

// Size of the header for a payload of payloadLength bytes: 2, 4 or 10 bytes,
// plus 4 when masked.
size_t frameHeaderSize(uint64_t payloadLength, bool masked);

// Writes a frame header into out (at least kMaxFrameHeaderSize bytes) and
// returns its size. maskKey: the 4 mask bytes to put on the wire, or nullptr
// for an unmasked frame. The payload is not touched (mask it with applyMask).
size_t writeFrameHeader(uint8_t* out, Opcode opcode, bool fin, bool rsv1, uint64_t payloadLength,
                        const uint8_t* maskKey);

// Copies a frame to `out` (headerLength + payloadLength bytes): the header
// as written by writeFrameHeader, then the payload, masked with the 4 bytes
// of maskKey when given.
void copyFrame(uint8_t* out, const uint8_t* header, size_t headerLength, const uint8_t* payload,
               size_t payloadLength, const uint8_t* maskKey);

// Writes a close frame payload: the code (2 bytes, big endian) then the
// reason. Returns its length. out holds at least 125 bytes; the caller
// guarantees reasonLength <= 123.
size_t writeClosePayload(uint8_t* out, uint16_t code, const uint8_t* reason, size_t reasonLength);

}  // namespace uws::core

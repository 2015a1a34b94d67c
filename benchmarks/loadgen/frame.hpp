// RFC 6455 frame layout: writing masked client frames, and the pieces of a
// server frame header that the streaming reader in ws_client needs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace opcode {
constexpr uint8_t kContinuation = 0x0;
constexpr uint8_t kText = 0x1;
constexpr uint8_t kBinary = 0x2;
constexpr uint8_t kClose = 0x8;
constexpr uint8_t kPing = 0x9;
constexpr uint8_t kPong = 0xA;
}  // namespace opcode

// A payload given in two pieces, so a message can be "per-message header +
// shared pattern" without first concatenating them.
struct PayloadParts {
  const uint8_t* first = nullptr;
  size_t first_length = 0;
  const uint8_t* second = nullptr;
  size_t second_length = 0;
  size_t size() const { return first_length + second_length; }
};

// Appends one final (FIN) frame with the given opcode, masked with `mask_key`
// (clients must mask every frame, RFC 6455 section 5.3).
void append_masked_frame(std::vector<uint8_t>& out, uint8_t frame_opcode,
                         const PayloadParts& payload, uint32_t mask_key);

// Parsed fixed part of a frame header sent by the server.
struct FrameHeader {
  bool fin = false;
  uint8_t rsv = 0;  // RSV1..3 bits, must be zero without extensions
  uint8_t opcode = 0;
  bool masked = false;
  uint64_t payload_length = 0;
  size_t header_length = 0;  // 2..14
};

// Given at least 2 header bytes, how many bytes the complete header has.
size_t frame_header_length(const uint8_t* first_two);

// Decodes a complete header (header_length bytes available).
FrameHeader decode_frame_header(const uint8_t* bytes);

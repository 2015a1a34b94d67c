#include "frame.hpp"

#include <cstring>

namespace {

// XOR `length` bytes at `data` with the 4-byte key, eight bytes at a time:
// the 16 MiB scenario masks 16 MiB per message and must not be loadgen-bound.
void apply_mask(uint8_t* data, size_t length, const uint8_t key[4]) {
  uint64_t wide;
  uint8_t repeated[8];
  for (int i = 0; i < 8; ++i) repeated[i] = key[i % 4];
  std::memcpy(&wide, repeated, 8);
  size_t i = 0;
  for (; i + 8 <= length; i += 8) {
    uint64_t chunk;
    std::memcpy(&chunk, data + i, 8);
    chunk ^= wide;
    std::memcpy(data + i, &chunk, 8);
  }
  for (; i < length; ++i) data[i] ^= key[i % 4];
}

}  // namespace

void append_masked_frame(std::vector<uint8_t>& out, uint8_t frame_opcode,
                         const PayloadParts& payload, uint32_t mask_key) {
  const size_t length = payload.size();
  uint8_t header[14];
  size_t header_length = 0;
  header[header_length++] = uint8_t(0x80 | frame_opcode);  // FIN
  if (length < 126) {
    header[header_length++] = uint8_t(0x80 | length);
  } else if (length <= 0xFFFF) {
    header[header_length++] = 0x80 | 126;
    header[header_length++] = uint8_t(length >> 8);
    header[header_length++] = uint8_t(length);
  } else {
    header[header_length++] = 0x80 | 127;
    for (int shift = 56; shift >= 0; shift -= 8) header[header_length++] = uint8_t(uint64_t(length) >> shift);
  }
  uint8_t key[4] = {uint8_t(mask_key >> 24), uint8_t(mask_key >> 16), uint8_t(mask_key >> 8),
                    uint8_t(mask_key)};
  std::memcpy(header + header_length, key, 4);
  header_length += 4;

  const size_t start = out.size();
  out.resize(start + header_length + length);
  uint8_t* dst = out.data() + start;
  std::memcpy(dst, header, header_length);
  dst += header_length;
  if (payload.first_length) std::memcpy(dst, payload.first, payload.first_length);
  if (payload.second_length) std::memcpy(dst + payload.first_length, payload.second, payload.second_length);
  apply_mask(dst, length, key);
}

size_t frame_header_length(const uint8_t* first_two) {
  size_t length = 2;
  uint8_t short_length = first_two[1] & 0x7F;
  if (short_length == 126) length += 2;
  else if (short_length == 127) length += 8;
  if (first_two[1] & 0x80) length += 4;
  return length;
}

FrameHeader decode_frame_header(const uint8_t* bytes) {
  FrameHeader header;
  header.fin = (bytes[0] & 0x80) != 0;
  header.rsv = (bytes[0] >> 4) & 0x7;
  header.opcode = bytes[0] & 0x0F;
  header.masked = (bytes[1] & 0x80) != 0;
  header.header_length = frame_header_length(bytes);
  uint8_t short_length = bytes[1] & 0x7F;
  if (short_length < 126) {
    header.payload_length = short_length;
  } else if (short_length == 126) {
    header.payload_length = (uint64_t(bytes[2]) << 8) | bytes[3];
  } else {
    uint64_t value = 0;
    for (int i = 0; i < 8; ++i) value = (value << 8) | bytes[2 + i];
    header.payload_length = value;
  }
  return header;
}

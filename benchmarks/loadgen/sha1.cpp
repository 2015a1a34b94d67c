#include "sha1.hpp"

#include <cstring>
#include <vector>

namespace {

uint32_t rotate_left(uint32_t value, int bits) {
  return (value << bits) | (value >> (32 - bits));
}

void process_block(uint32_t state[5], const uint8_t* block) {
  uint32_t w[80];
  for (int i = 0; i < 16; ++i) {
    w[i] = (uint32_t(block[i * 4]) << 24) | (uint32_t(block[i * 4 + 1]) << 16) |
           (uint32_t(block[i * 4 + 2]) << 8) | uint32_t(block[i * 4 + 3]);
  }
  for (int i = 16; i < 80; ++i) {
    w[i] = rotate_left(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
  }
  uint32_t a = state[0], b = state[1], c = state[2], d = state[3], e = state[4];
  for (int i = 0; i < 80; ++i) {
    uint32_t f, k;
    if (i < 20) {
      f = (b & c) | (~b & d);
      k = 0x5A827999;
    } else if (i < 40) {
      f = b ^ c ^ d;
      k = 0x6ED9EBA1;
    } else if (i < 60) {
      f = (b & c) | (b & d) | (c & d);
      k = 0x8F1BBCDC;
    } else {
      f = b ^ c ^ d;
      k = 0xCA62C1D6;
    }
    uint32_t next = rotate_left(a, 5) + f + e + k + w[i];
    e = d;
    d = c;
    c = rotate_left(b, 30);
    b = a;
    a = next;
  }
  state[0] += a;
  state[1] += b;
  state[2] += c;
  state[3] += d;
  state[4] += e;
}

}  // namespace

std::array<uint8_t, 20> sha1(const void* data, size_t length) {
  uint32_t state[5] = {0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0};

  // Pad into a private copy: inputs here are ~60 bytes, simplicity wins.
  std::vector<uint8_t> message(static_cast<const uint8_t*>(data),
                               static_cast<const uint8_t*>(data) + length);
  message.push_back(0x80);
  while (message.size() % 64 != 56) message.push_back(0);
  uint64_t bit_length = uint64_t(length) * 8;
  for (int i = 7; i >= 0; --i) message.push_back(uint8_t(bit_length >> (i * 8)));

  for (size_t offset = 0; offset < message.size(); offset += 64) {
    process_block(state, message.data() + offset);
  }

  std::array<uint8_t, 20> digest{};
  for (int i = 0; i < 5; ++i) {
    digest[i * 4] = uint8_t(state[i] >> 24);
    digest[i * 4 + 1] = uint8_t(state[i] >> 16);
    digest[i * 4 + 2] = uint8_t(state[i] >> 8);
    digest[i * 4 + 3] = uint8_t(state[i]);
  }
  return digest;
}

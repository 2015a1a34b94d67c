#include "payload.hpp"

#include <algorithm>
#include <cstring>

PayloadPattern::PayloadPattern(size_t size, bool binary)
    : size_(size), binary_(binary), tag_length_(std::min(size, kTagLength)), pattern_(size) {
  // A fixed xorshift stream: binary messages get all byte values, text gets
  // letters and digits only.
  static const char text_alphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  uint32_t state = 0x9E3779B9u;
  for (size_t i = 0; i < size; ++i) {
    state ^= state << 13;
    state ^= state >> 17;
    state ^= state << 5;
    pattern_[i] = binary ? uint8_t(state) : uint8_t(text_alphabet[state % 62]);
  }
}

void PayloadPattern::make_tag(uint32_t connection, uint32_t sequence, uint8_t* tag) const {
  static const char hex[] = "0123456789abcdef";
  uint8_t full[kTagLength];
  for (int i = 0; i < 8; ++i) {
    full[i] = uint8_t(hex[(connection >> (28 - 4 * i)) & 0xF]);
    full[8 + i] = uint8_t(hex[(sequence >> (28 - 4 * i)) & 0xF]);
  }
  std::memcpy(tag, full, tag_length_);
}

PayloadParts PayloadPattern::parts(const uint8_t* tag) const {
  PayloadParts parts;
  parts.first = tag;
  parts.first_length = tag_length_;
  parts.second = pattern_.data() + tag_length_;
  parts.second_length = size_ - tag_length_;
  return parts;
}

bool PayloadPattern::matches(const uint8_t* tag, size_t offset, const uint8_t* data,
                             size_t length) const {
  while (length > 0 && offset < tag_length_) {
    if (*data != tag[offset]) return false;
    ++data;
    ++offset;
    --length;
  }
  return length == 0 || std::memcmp(data, pattern_.data() + offset, length) == 0;
}

size_t PayloadPattern::first_difference(const uint8_t* tag, size_t offset, const uint8_t* data,
                                        size_t length) const {
  for (size_t i = 0; i < length; ++i) {
    size_t at = offset + i;
    uint8_t expected = at < tag_length_ ? tag[at] : pattern_[at];
    if (data[i] != expected) return i;
  }
  return length;
}

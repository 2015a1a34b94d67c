// Deterministic message contents, so every echoed byte can be checked
// without keeping copies of what was sent.
//
// Message (connection c, sequence s) = 16-character hex tag "cccccccc ssssssss"
// followed by a fixed pattern. The tag makes every message distinct, so a
// reordered, duplicated or cross-connection echo is caught as a mismatch;
// the pattern is shared so 16 MiB messages need no per-message buffer.
// Text messages use printable ASCII only, so they are valid UTF-8.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "frame.hpp"

class PayloadPattern {
 public:
  static constexpr size_t kTagLength = 16;

  PayloadPattern(size_t size, bool binary);

  size_t size() const { return size_; }
  bool binary() const { return binary_; }
  size_t tag_length() const { return tag_length_; }

  // Writes the tag of message (connection, sequence) into tag[0..tag_length()).
  void make_tag(uint32_t connection, uint32_t sequence, uint8_t* tag) const;

  // The message as two parts: the tag (caller's buffer) and the pattern.
  PayloadParts parts(const uint8_t* tag) const;

  // Compares `length` received bytes found at `offset` in the message with
  // the expected ones. The caller guarantees offset + length <= size().
  bool matches(const uint8_t* tag, size_t offset, const uint8_t* data, size_t length) const;

  // For error messages: index of the first differing byte in data[0..length).
  size_t first_difference(const uint8_t* tag, size_t offset, const uint8_t* data, size_t length) const;

 private:
  size_t size_;
  bool binary_;
  size_t tag_length_;
  std::vector<uint8_t> pattern_;  // full message size; the first tag_length_ bytes are unused
};

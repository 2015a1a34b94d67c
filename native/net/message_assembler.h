// Gathers a message whose payload arrives in pieces (fragments, or a frame
// split over reads). Holds no memory between messages; the finished block is
// handed over (malloc'd) so JS can own it without another copy.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace uws::net {

class MessageAssembler {
 public:
  MessageAssembler() = default;
  ~MessageAssembler();
  MessageAssembler(const MessageAssembler&) = delete;
  MessageAssembler& operator=(const MessageAssembler&) = delete;

  bool empty() const { return size_ == 0 && !frameSizes_; }
  size_t size() const { return size_; }

  // Appends payload bytes; false if memory could not be allocated.
  bool append(const uint8_t* data, size_t length);
  // Makes room for `length` more bytes at once (a frame's announced
  // payload), so a large message is not copied by repeated growth.
  bool reserve(size_t length);
  // Room for `length` more bytes at the end, for a socket to read into
  // directly; a following append() of exactly that memory copies nothing.
  uint8_t* tail(size_t length);
  // Records the end of a frame (fragments mode): the bytes appended since the
  // previous mark form one fragment. Empty frames are not fragments (ws).
  void markFrameEnd();
  const std::vector<uint32_t>* frameSizes() const { return frameSizes_.get(); }

  // Hands the block over; the caller frees it with free(). May be null for
  // an empty message.
  uint8_t* release();
  void reset();

 private:
  uint8_t* data_ = nullptr;
  size_t size_ = 0;
  size_t capacity_ = 0;
  size_t frameStart_ = 0;
  std::unique_ptr<std::vector<uint32_t>> frameSizes_;
};

}  // namespace uws::net

#include "net/write_queue.h"

#include <cstring>

namespace uws::net {

bool WriteQueue::reserve(size_t extra) {
  if (tail_ + extra <= capacity_) return true;
  const size_t used = tail_ - head_;
  // Slide the live bytes to the front before growing: most queues are
  // drained and refilled, not grown without bound.
  if (head_ > 0 && used + extra <= capacity_) {
    std::memmove(data_, data_ + head_, used);
    head_ = 0;
    tail_ = used;
    return true;
  }
  size_t capacity = capacity_ ? capacity_ : 4096;
  while (capacity < used + extra) capacity *= 2;
  auto* data = static_cast<uint8_t*>(std::malloc(capacity));
  if (!data) return false;
  if (used) std::memcpy(data, data_ + head_, used);
  std::free(data_);
  data_ = data;
  head_ = 0;
  tail_ = used;
  capacity_ = capacity;
  return true;
}

uint8_t* WriteQueue::appendUninitialized(size_t length) {
  if (!reserve(length)) return nullptr;
  uint8_t* at = data_ + tail_;
  tail_ += length;
  queuedTotal_ += length;
  return at;
}

bool WriteQueue::append(const uint8_t* bytes, size_t length) {
  uint8_t* at = appendUninitialized(length);
  if (!at) return false;
  if (length) std::memcpy(at, bytes, length);
  return true;
}

void WriteQueue::consume(size_t length) {
  head_ += length;
  flushedTotal_ += length;
  if (head_ == tail_) {
    // Give the memory back: an idle connection keeps no buffer.
    std::free(data_);
    data_ = nullptr;
    head_ = tail_ = capacity_ = 0;
  }
}

}  // namespace uws::net

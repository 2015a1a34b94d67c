// Bytes a socket could not take yet. Allocated only while non-empty, so an
// idle connection carries no buffer; counts what passed through it so that
// send callbacks can be matched to flush progress.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>

namespace uws::net {

class WriteQueue {
 public:
  WriteQueue() = default;
  ~WriteQueue() { std::free(data_); }
  WriteQueue(const WriteQueue&) = delete;
  WriteQueue& operator=(const WriteQueue&) = delete;

  bool empty() const { return head_ == tail_; }
  size_t size() const { return tail_ - head_; }
  const uint8_t* front() const { return data_ + head_; }

  // Appends bytes; returns false if memory could not be allocated.
  bool append(const uint8_t* bytes, size_t length);
  // Reserves `length` bytes at the end and returns where to write them.
  uint8_t* appendUninitialized(size_t length);
  // Drops `length` bytes from the front (they were written).
  void consume(size_t length);

  // Total bytes ever appended / consumed.
  uint64_t queuedTotal() const { return queuedTotal_; }
  uint64_t flushedTotal() const { return flushedTotal_; }

 private:
  bool reserve(size_t extra);

  uint8_t* data_ = nullptr;
  size_t head_ = 0;
  size_t tail_ = 0;
  size_t capacity_ = 0;
  uint64_t queuedTotal_ = 0;
  uint64_t flushedTotal_ = 0;
};

}  // namespace uws::net

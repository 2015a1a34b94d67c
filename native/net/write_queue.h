// Bytes a socket could not take yet, in order: copies of small writes, and
// references to large payloads that are written from the sender's own
// memory (the binding keeps that memory alive until it is written, as
// Node's streams do). Holds no memory while empty, so an idle connection
// carries no buffer; counts what passed through it so that send callbacks
// can be matched to flush progress.
#pragma once

#include <sys/uio.h>

#include <cstddef>
#include <cstdint>
#include <vector>

namespace uws::net {

class WriteQueue {
 public:
  // Called when the memory behind an external segment is no longer needed.
  using Release = void (*)(void* context, void* holder);

  WriteQueue() = default;
  ~WriteQueue();
  WriteQueue(const WriteQueue&) = delete;
  WriteQueue& operator=(const WriteQueue&) = delete;

  // The releaser of external segments; set once, before any is appended.
  void setRelease(Release release, void* context) {
    release_ = release;
    releaseContext_ = context;
  }

  bool empty() const { return size_ == 0; }
  size_t size() const { return size_; }

  // Appends a copy of the bytes; false if memory could not be allocated.
  bool append(const uint8_t* bytes, size_t length);
  // Reserves `length` bytes at the end and returns where to write them.
  uint8_t* appendUninitialized(size_t length);
  // Appends bytes without copying them; `holder` is released once they are
  // written or the queue is cleared.
  bool appendExternal(const uint8_t* bytes, size_t length, void* holder);

  // Fills up to `max` iovecs with the bytes at the front; returns how many.
  size_t gather(iovec* parts, size_t max) const;
  // Drops `length` bytes from the front (they were written).
  void consume(size_t length);
  // Drops everything (the connection is gone).
  void clear();

  // Total bytes ever appended / consumed.
  uint64_t queuedTotal() const { return queuedTotal_; }
  uint64_t flushedTotal() const { return flushedTotal_; }

 private:
  struct Segment {
    uint8_t* data;
    size_t offset;    // bytes of this segment already written
    size_t length;    // bytes in this segment
    size_t capacity;  // owned segments: allocated size
    void* holder;     // external segments: what keeps `data` alive; null if owned
  };

  void releaseSegment(Segment& segment);

  std::vector<Segment> segments_;
  size_t first_ = 0;  // index of the front segment
  size_t size_ = 0;
  uint64_t queuedTotal_ = 0;
  uint64_t flushedTotal_ = 0;
  Release release_ = nullptr;
  void* releaseContext_ = nullptr;
};

}  // namespace uws::net

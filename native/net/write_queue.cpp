#include "net/write_queue.h"

#include <cstddef>
#include <cstdlib>
#include <cstring>

namespace uws::net {

namespace {
// Owned segments are allocated at least this large, so that many small
// writes queued behind a slow peer share a few blocks.
constexpr size_t kMinSegment = 16 * 1024;
}  // namespace

WriteQueue::~WriteQueue() { clear(); }

void WriteQueue::releaseSegment(Segment& segment) {
  if (segment.holder) {
    if (release_) release_(releaseContext_, segment.holder);
  } else {
    std::free(segment.data);
  }
  segment.data = nullptr;
  segment.holder = nullptr;
}

uint8_t* WriteQueue::appendUninitialized(size_t length) {
  if (first_ < segments_.size()) {
    Segment& last = segments_.back();
    if (!last.holder && last.length + length <= last.capacity) {
      uint8_t* at = last.data + last.length;
      last.length += length;
      size_ += length;
      queuedTotal_ += length;
      return at;
    }
  }
  const size_t capacity = length > kMinSegment ? length : kMinSegment;
  auto* data = static_cast<uint8_t*>(std::malloc(capacity));
  if (!data) return nullptr;
  segments_.push_back(Segment{data, 0, length, capacity, nullptr});
  size_ += length;
  queuedTotal_ += length;
  return data;
}

bool WriteQueue::append(const uint8_t* bytes, size_t length) {
  if (length == 0) return true;
  uint8_t* at = appendUninitialized(length);
  if (!at) return false;
  std::memcpy(at, bytes, length);
  return true;
}

bool WriteQueue::appendExternal(const uint8_t* bytes, size_t length, void* holder) {
  segments_.push_back(Segment{const_cast<uint8_t*>(bytes), 0, length, length, holder});
  size_ += length;
  queuedTotal_ += length;
  return true;
}

size_t WriteQueue::gather(iovec* parts, size_t max) const {
  size_t count = 0;
  for (size_t i = first_; i < segments_.size() && count < max; ++i) {
    const Segment& segment = segments_[i];
    parts[count].iov_base = segment.data + segment.offset;
    parts[count].iov_len = segment.length - segment.offset;
    ++count;
  }
  return count;
}

void WriteQueue::consume(size_t length) {
  size_ -= length;
  flushedTotal_ += length;
  while (length > 0 && first_ < segments_.size()) {
    Segment& segment = segments_[first_];
    const size_t left = segment.length - segment.offset;
    if (length < left) {
      segment.offset += length;
      return;
    }
    length -= left;
    releaseSegment(segment);
    ++first_;
  }
  if (first_ == segments_.size()) {
    // Give the memory back: an idle connection keeps no buffer.
    std::vector<Segment>().swap(segments_);
    first_ = 0;
  } else if (first_ > segments_.size() / 2) {
    // A queue that never quite drains (a sender pacing itself on
    // bufferedAmount) must not keep every written segment's entry.
    segments_.erase(segments_.begin(), segments_.begin() + static_cast<std::ptrdiff_t>(first_));
    first_ = 0;
  }
}

void WriteQueue::clear() {
  for (size_t i = first_; i < segments_.size(); ++i) releaseSegment(segments_[i]);
  std::vector<Segment>().swap(segments_);
  first_ = 0;
  size_ = 0;
}

}  // namespace uws::net

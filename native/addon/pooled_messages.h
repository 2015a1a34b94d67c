// Small messages on their way to JS, gathered per read.
//
// Each message is copied into a shared ArrayBuffer ("slab", as Node's own
// Buffer pool does) and described by two numbers in a shared Uint32Array;
// JS gets all the messages of one connection's read in one call and makes
// Buffer views of the slab. That saves a Node-API call, its arguments and
// the entry into JS per message (about a tenth of the server's CPU time per
// message when pipelined).
//
// Descriptor array layout: [0] is the progress JS reports (the index of the
// next message it has not started to deliver), then two entries per
// message: the slab offset, and length * 2 + (1 if binary). Batches nest
// like a stack: a handler that makes another connection read (an in-memory
// stream feeding it synchronously) gets its batch above the one being
// delivered.
#pragma once

#include <node_api.h>

#include <cstddef>
#include <cstdint>

namespace uws::addon {

class PooledMessages {
 public:
  // Messages up to this size are pooled; larger ones go as their own Buffer.
  static constexpr size_t kMaxMessage = 4 * 1024;

  explicit PooledMessages(napi_env env);
  ~PooledMessages();
  PooledMessages(const PooledMessages&) = delete;
  PooledMessages& operator=(const PooledMessages&) = delete;

  // Adds a message of `connectionId`. False when the pending batch must be
  // delivered first (another connection's, or the slab or array is full);
  // false again with nothing pending: no room at this depth.
  bool add(double connectionId, const uint8_t* data, size_t length, bool binary);
  bool pending() const { return count_ > 0; }

  // Hands the pending batch over: JS delivers entries [*begin, *end). The
  // entries stay reserved until finished(begin) (nested batches go above).
  void take(double* connectionId, uint32_t* begin, uint32_t* end);
  void finished(uint32_t begin) { base_ = begin; }
  uint32_t progress() const { return descriptors_[0]; }
  void setProgress(uint32_t index) { descriptors_[0] = index; }

  napi_value slab() const;
  // The descriptor array, which JS keeps (init's result).
  napi_value array() const;

 private:
  // Node's own Buffer pool size: a message kept long after the others of
  // its slab pins no more memory than a small Buffer.allocUnsafe() does.
  static constexpr size_t kSlabSize = 8 * 1024;
  static constexpr uint32_t kCapacity = 4096;  // messages in flight to JS

  bool startSlab(size_t length);

  napi_env env_;
  napi_ref slab_ = nullptr;
  uint8_t* slabData_ = nullptr;
  size_t slabUsed_ = 0;
  napi_ref array_ = nullptr;
  uint32_t* descriptors_ = nullptr;
  uint32_t base_ = 0;   // first free entry (above batches being delivered)
  uint32_t count_ = 0;  // pending entries from base_
  double connectionId_ = 0;
};

}  // namespace uws::addon

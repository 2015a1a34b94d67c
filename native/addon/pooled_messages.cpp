#include "addon/pooled_messages.h"

#include <cstring>

#include "addon/js_args.h"

namespace uws::addon {

PooledMessages::~PooledMessages() {
  if (slab_) napi_delete_reference(env_, slab_);
  if (array_) napi_delete_reference(env_, array_);
}

PooledMessages::PooledMessages(napi_env env) : env_(env) {
  void* bytes = nullptr;
  napi_value buffer;
  napi_value typed;
  const size_t elements = 1 + 2 * static_cast<size_t>(kCapacity);
  napi_create_arraybuffer(env_, elements * sizeof(uint32_t), &bytes, &buffer);
  napi_create_typedarray(env_, napi_uint32_array, elements, buffer, 0, &typed);
  napi_create_reference(env_, typed, 1, &array_);
  descriptors_ = static_cast<uint32_t*>(bytes);
  descriptors_[0] = 0;
}

napi_value PooledMessages::array() const { return referenceValue(env_, array_); }

napi_value PooledMessages::slab() const { return referenceValue(env_, slab_); }

bool PooledMessages::startSlab(size_t length) {
  bool detached = false;
  // A user may detach a message's ArrayBuffer (an addon, or a transfer where
  // JS could not mark the slab untransferable): check before writing.
  if (slab_) napi_is_detached_arraybuffer(env_, referenceValue(env_, slab_), &detached);
  if (slab_ && !detached && slabUsed_ + length <= kSlabSize) return true;
  if (slab_) napi_delete_reference(env_, slab_);
  slab_ = nullptr;
  void* bytes = nullptr;
  napi_value slab;
  if (napi_create_arraybuffer(env_, kSlabSize, &bytes, &slab) != napi_ok) return false;
  napi_create_reference(env_, slab, 1, &slab_);
  slabData_ = static_cast<uint8_t*>(bytes);
  slabUsed_ = 0;
  return true;
}

bool PooledMessages::add(double connectionId, const uint8_t* data, size_t length, bool binary) {
  if (count_ > 0) {
    // One connection and one slab per batch; the slab is checked when a
    // batch starts (JS cannot detach it in between: nothing runs).
    if (connectionId != connectionId_ || slabUsed_ + length > kSlabSize ||
        base_ + count_ >= kCapacity) {
      return false;
    }
  } else {
    if (base_ >= kCapacity || !startSlab(length)) return false;
    connectionId_ = connectionId;
  }
  if (length) std::memcpy(slabData_ + slabUsed_, data, length);
  uint32_t* entry = descriptors_ + 1 + 2 * static_cast<size_t>(base_ + count_);
  entry[0] = static_cast<uint32_t>(slabUsed_);
  entry[1] = static_cast<uint32_t>(length * 2 + (binary ? 1 : 0));
  ++count_;
  // 8-byte alignment, as Node's pool keeps, so typed-array views of a
  // message can be made without copying.
  slabUsed_ += (length + 7) & ~static_cast<size_t>(7);
  return true;
}

void PooledMessages::take(double* connectionId, uint32_t* begin, uint32_t* end) {
  *connectionId = connectionId_;
  *begin = base_;
  *end = base_ + count_;
  base_ += count_;
  count_ = 0;
}

}  // namespace uws::addon

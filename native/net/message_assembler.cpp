#include "net/message_assembler.h"

#include <cstdlib>
#include <cstring>

namespace uws::net {

MessageAssembler::~MessageAssembler() { std::free(data_); }

bool MessageAssembler::reserve(size_t length) {
  if (size_ + length <= capacity_) return true;
  auto* grown = static_cast<uint8_t*>(std::realloc(data_, size_ + length));
  if (!grown) return false;
  data_ = grown;
  capacity_ = size_ + length;
  return true;
}

uint8_t* MessageAssembler::tail(size_t length) {
  if (!reserve(length)) return nullptr;
  return data_ + size_;
}

bool MessageAssembler::append(const uint8_t* data, size_t length) {
  if (length == 0) return true;
  if (data_ && data == data_ + size_ && size_ + length <= capacity_) {
    size_ += length;  // read straight into place by the socket
    return true;
  }
  if (size_ + length > capacity_) {
    size_t capacity = capacity_ ? capacity_ : 1024;
    while (capacity < size_ + length) capacity *= 2;
    auto* grown = static_cast<uint8_t*>(std::realloc(data_, capacity));
    if (!grown) return false;
    data_ = grown;
    capacity_ = capacity;
  }
  std::memcpy(data_ + size_, data, length);
  size_ += length;
  return true;
}

void MessageAssembler::markFrameEnd() {
  if (!frameSizes_) frameSizes_ = std::make_unique<std::vector<uint32_t>>();
  if (size_ > frameStart_) frameSizes_->push_back(static_cast<uint32_t>(size_ - frameStart_));
  frameStart_ = size_;
}

uint8_t* MessageAssembler::release() {
  uint8_t* data = data_;
  data_ = nullptr;
  size_ = capacity_ = frameStart_ = 0;
  return data;
}

void MessageAssembler::reset() {
  std::free(data_);
  data_ = nullptr;
  size_ = capacity_ = frameStart_ = 0;
  frameSizes_.reset();
}

}  // namespace uws::net

// WebSocket payload masking (RFC 6455 section 5.3).
#pragma once

#include <cstddef>
#include <cstdint>

namespace uws::core {

// dst[i] = src[i] ^ keyBytes[(keyOffset + i) % 4], where keyBytes are the 4
// mask bytes in wire order (key is a memcpy of those 4 bytes). dst may equal
// src (in-place); otherwise the ranges must not overlap. Word-at-a-time.
void applyMask(uint8_t* dst, const uint8_t* src, size_t len, uint32_t key, size_t keyOffset);

}  // namespace uws::core

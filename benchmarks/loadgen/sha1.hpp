// SHA-1 (FIPS 180-4), only to check Sec-WebSocket-Accept in the load generator.
// SHA-1 is not used for security here; RFC 6455 simply requires it for the
// handshake, and the machine has no OpenSSL development headers.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

std::array<uint8_t, 20> sha1(const void* data, size_t length);

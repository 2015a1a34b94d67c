// Standard base64 (RFC 4648, with padding) for Sec-WebSocket-Key/-Accept.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

std::string base64_encode(const uint8_t* data, size_t length);

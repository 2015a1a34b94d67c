#include "base64.hpp"

std::string base64_encode(const uint8_t* data, size_t length) {
  static const char alphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((length + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= length; i += 3) {
    uint32_t triple = (uint32_t(data[i]) << 16) | (uint32_t(data[i + 1]) << 8) | data[i + 2];
    out += alphabet[(triple >> 18) & 63];
    out += alphabet[(triple >> 12) & 63];
    out += alphabet[(triple >> 6) & 63];
    out += alphabet[triple & 63];
  }
  size_t rest = length - i;
  if (rest == 1) {
    uint32_t triple = uint32_t(data[i]) << 16;
    out += alphabet[(triple >> 18) & 63];
    out += alphabet[(triple >> 12) & 63];
    out += "==";
  } else if (rest == 2) {
    uint32_t triple = (uint32_t(data[i]) << 16) | (uint32_t(data[i + 1]) << 8);
    out += alphabet[(triple >> 18) & 63];
    out += alphabet[(triple >> 12) & 63];
    out += alphabet[(triple >> 6) & 63];
    out += '=';
  }
  return out;
}

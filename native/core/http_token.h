// Character rules of HTTP/1.1 shared by the request parser and the
// handshake checks: RFC 7230 token characters ("tchar", the same set as ws
// validation.js tokenChars) and ASCII case-insensitive comparison.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace uws::core {

constexpr bool isTokenCharSlow(uint8_t c) {
  if (c >= '0' && c <= '9') return true;
  if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') return true;
  switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+':
    case '-': case '.': case '^': case '_': case '`': case '|': case '~':
      return true;
    default:
      return false;
  }
}

// One load per character: header names are scanned byte by byte.
inline constexpr std::array<bool, 256> kTokenChars = [] {
  std::array<bool, 256> table{};
  for (int c = 0; c < 256; ++c) table[c] = isTokenCharSlow(static_cast<uint8_t>(c));
  return table;
}();

inline bool isTokenChar(uint8_t c) { return kTokenChars[c]; }

// `a` equals `lower` (already lower case), ASCII case-insensitively.
inline bool equalsIgnoreCase(std::string_view a, std::string_view lower) {
  if (a.size() != lower.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    uint8_t c = static_cast<uint8_t>(a[i]);
    if (c >= 'A' && c <= 'Z') c = static_cast<uint8_t>(c | 0x20);
    if (c != static_cast<uint8_t>(lower[i])) return false;
  }
  return true;
}

}  // namespace uws::core

// RFC 7230 token characters ("tchar"), shared by the request parser and the
// handshake checks (ws validation.js tokenChars is the same set).
#pragma once

#include <cstdint>

namespace uws::core {

inline bool isTokenChar(uint8_t c) {
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

}  // namespace uws::core

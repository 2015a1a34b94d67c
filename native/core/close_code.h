// Close status codes a peer may send (ws validation.js isValidStatusCode).
#pragma once

#include <cstdint>

namespace uws::core {

inline bool isValidCloseCode(uint32_t code) {
  return (code >= 1000 && code <= 1014 && code != 1004 && code != 1005 && code != 1006) ||
         (code >= 3000 && code <= 4999);
}

}  // namespace uws::core

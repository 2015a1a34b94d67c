// What a connection holds only while it is in the request phase: the
// incremental request parser and the bytes that arrived behind the request
// (frames a client sent before seeing our 101).
#pragma once

#include <cstdint>
#include <vector>

#include "core/http_request_parser.h"

namespace uws::net {

struct RequestState {
  core::HttpRequestParser parser;
  std::vector<uint8_t> leftover;
};

}  // namespace uws::net

// What a connection holds only while it is in the request phase: the
// incremental request parser and the bytes that arrived behind the request
// (frames a client sent before seeing our 101).
#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <vector>

#include "core/http_request_parser.h"

namespace uws::net {

class Connection;
class Listener;

struct RequestState {
  // The listener that accepted the connection, while the request is
  // incomplete (it drops such connections when it closes), and the links of
  // its list of them.
  Listener* listener = nullptr;
  Connection* nextPending = nullptr;
  Connection* prevPending = nullptr;

  core::HttpRequestParser parser;
  std::vector<uint8_t> leftover;
  // The peer's address as accept() returned it (saves a getpeername).
  sockaddr_storage peer{};
  bool hasPeer = false;
  // Our end, when the listener is bound to one address (saves a getsockname).
  const sockaddr_storage* local = nullptr;
  // Sec-WebSocket-Accept for a valid upgrade request, for the default 101.
  char acceptKey[28];
  bool hasAcceptKey = false;
};

}  // namespace uws::net

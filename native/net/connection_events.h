// The interface through which transports report to the layer above (the
// Node-API binding). Keeping it abstract keeps native/net free of Node-API.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace uws::core {
struct ProtocolError;
class HttpRequestParser;
struct HandshakeCheck;
struct UpgradeHeaders;
}  // namespace uws::core

namespace uws::net {

class Connection;
class Listener;

// Peer addresses of a connection, formatted like Node's net.Socket fields.
struct PeerInfo {
  char remoteAddress[46] = {0};
  char localAddress[46] = {0};
  uint16_t remotePort = 0;
  uint16_t localPort = 0;
  bool ipv6 = false;
  // False once the peer reset the connection: getpeername fails then (as
  // for Node's sockets), while our own end is still known.
  bool hasRemote = false;
};

// A complete message handed upwards. Exactly one of the two data forms is
// set: `borrowed` bytes stay valid only during the call; `owned` is a
// malloc'd block whose ownership passes to the callee (free() it).
struct MessageView {
  const uint8_t* borrowed = nullptr;
  uint8_t* owned = nullptr;
  size_t length = 0;
  bool binary = false;
  // Frame payload sizes, set only in fragments mode for binary messages.
  const std::vector<uint32_t>* frameSizes = nullptr;
};

// Keeps the memory of a payload being sent alive beyond the send call, so a
// large payload that the socket cannot take at once is queued without a copy.
class PayloadKeeper {
 public:
  virtual ~PayloadKeeper() = default;
  // Returns a holder for ConnectionEvents::releasePayload, or null.
  virtual void* keep() = 0;
};

class ConnectionEvents {
 public:
  virtual ~ConnectionEvents() = default;

  // Bracket a burst of callbacks made from one libuv callback; the binding
  // opens its handle and callback scopes here. `scopeOwner` is the opaque
  // scope data of the connection being served.
  virtual void enterBatch(void* scope) = 0;
  virtual void leaveBatch() = 0;
  // The opaque scope data a listener gives its connections (the binding's
  // async context) outlives the listener while connections hold it.
  virtual void retainScope(void* scope) = 0;
  virtual void releaseScope(void* scope) = 0;

  virtual void onUpgrade(Connection& connection, const core::HttpRequestParser& request,
                         const core::HandshakeCheck& check, const core::UpgradeHeaders& headers) = 0;
  // The binding may hold small messages back to hand several to JS at once;
  // deliverMessages() is their deadline: the connection's input is all
  // parsed, or something else is about to happen on it.
  virtual void onMessage(Connection& connection, MessageView& message) = 0;
  virtual void deliverMessages() = 0;
  virtual void onPing(Connection& connection, const uint8_t* data, size_t length) = 0;
  virtual void onPong(Connection& connection, const uint8_t* data, size_t length) = 0;
  virtual void onCloseFrame(Connection& connection, uint16_t code, const uint8_t* reason,
                            size_t length) = 0;
  virtual void onProtocolError(Connection& connection, const core::ProtocolError& error) = 0;
  virtual void onFlush(Connection& connection, uint64_t flushed) = 0;
  // Final: the connection's TCP stream is closed. Not called after terminate().
  virtual void onEnd(Connection& connection) = 0;
  // Fed connections (a JS stream carries the bytes): write these bytes (the
  // concatenation of both parts, the second masked with maskKey if given),
  // end the stream, destroy the stream.
  virtual void onTransportWrite(Connection& connection, const uint8_t* first, size_t firstLength,
                                const uint8_t* second, size_t secondLength,
                                const uint8_t* maskKey) = 0;
  virtual void onTransportEnd(Connection& connection) = 0;
  virtual void onTransportDestroy(Connection& connection) = 0;
  // A payload kept by PayloadKeeper::keep() has been written (or dropped).
  virtual void releasePayload(void* holder) = 0;
  // The connection is gone for good (after onEnd, or without it): drop
  // whatever was attached to it.
  virtual void onRelease(Connection& connection) = 0;
};

}  // namespace uws::net

// The own listener: a listening TCP socket polled on the loop, accepting
// connections that start in the HTTP upgrade-request phase.
#pragma once

#include <sys/socket.h>
#include <uv.h>

#include <cstdint>

namespace uws::net {

class Connection;
class LoopContext;
class Timer;

struct ListenerSettings {
  const char* host = "::";
  uint16_t port = 0;
  int backlog = 511;
  uint64_t handshakeTimeoutMs = 60000;
};

class Listener {
 public:
  // Binds and listens. On failure returns nullptr with `*error` set to the
  // errno and `*syscall` to the failing call ("bind" failures are reported as
  // "listen", as Node does).
  static Listener* create(LoopContext& context, const ListenerSettings& settings, void* scope,
                          int* error);

  // Stops accepting, drops connections still sending their request, and frees
  // the listener once libuv has released its handle.
  void close();

  void* scope() const { return scope_; }
  uint64_t handshakeTimeoutMs() const { return handshakeTimeoutMs_; }
  // The bound address, as Node's server.address() reports it.
  void address(char* host, uint16_t* port, bool* ipv6) const;

  // The bound address when it is one specific address (not a wildcard):
  // then it is every accepted connection's local end.
  const sockaddr_storage* specificAddress() const { return specific_ ? &bound_ : nullptr; }

  // Connections in the request phase register here so close() can drop them.
  void trackPending(Connection* connection);
  void untrackPending(Connection* connection);

 private:
  Listener(LoopContext& context, int fd, void* scope, uint64_t handshakeTimeoutMs);
  static void onReadable(uv_poll_t* handle, int status, int events);
  static void onClosed(uv_handle_t* handle);
  void acceptPending();
  void pauseAccepting();
  static void onRetry(void* data);

  uv_poll_t poll_;
  LoopContext& context_;
  int fd_;
  void* scope_;
  uint64_t handshakeTimeoutMs_;
  Connection* pendingHead_ = nullptr;
  sockaddr_storage bound_{};
  bool specific_ = false;
  Timer* retryTimer_ = nullptr;
  bool closed_ = false;
};

}  // namespace uws::net

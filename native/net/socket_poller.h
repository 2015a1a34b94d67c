// The readiness of every connection socket, watched through one epoll set
// of our own that the libuv loop polls as a single fd. Compared with one
// uv_poll_t per socket this saves 160 bytes per connection and the five
// epoll_ctl/ioctl calls libuv's uv_poll makes around each socket's life
// (one ADD remains, and a DEL only once the process has forked).
#pragma once

#include <uv.h>

#include <cstdint>
#include <vector>

namespace uws::net {

class LoopContext;

// What the poller reports readiness to.
class SocketPoller {
 public:
  explicit SocketPoller(LoopContext& context);
  SocketPoller(const SocketPoller&) = delete;
  SocketPoller& operator=(const SocketPoller&) = delete;

  // Changes what `fd` is watched for, from `current` to `wanted` (EPOLLIN /
  // EPOLLOUT bits; 0 = not watched). Returns the events now in force.
  // Watching EPOLLIN includes EPOLLRDHUP (see Connection::onPollEvents).
  // Events go to the connection registered as `connectionId` while it is.
  uint32_t update(int fd, double connectionId, uint32_t current, uint32_t wanted);
  // Stops watching `fd` (watched for `current`), which the caller closes
  // right after.
  void forget(int fd, uint32_t current);

  // Stops watching (before the fd is closed) and frees the libuv handle.
  void close();

 private:
  static void onReadable(uv_poll_t* handle, int status, int events);
  static void onClosed(uv_handle_t* handle);

  LoopContext& context_;
  int epollFd_;
  // Sockets watched now. The handle keeps the loop alive only while there
  // are some, as one uv_poll_t per socket would.
  size_t watched_ = 0;
  uv_poll_t handle_;
};

}  // namespace uws::net

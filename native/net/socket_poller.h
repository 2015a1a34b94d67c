// The readiness of every connection socket, watched through one epoll set
// of our own that the libuv loop polls as a single fd. Compared with one
// uv_poll_t per socket this saves 160 bytes per connection and the five
// epoll_ctl/ioctl calls libuv's uv_poll makes around each socket's life
// (one ADD remains, and a DEL only once the process has forked).
#pragma once

#include <sys/epoll.h>
#include <uv.h>

#include <cstdint>
#include <memory>
#include <vector>

namespace uws::net {

class LoopContext;
struct ReadAheadInput;

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
  // Receives for every connection of the wakeup that would receive in its
  // dispatch, all in one batch of system calls, into slices of
  // readAheadBuffer_: inputs[i] for events[i], `at` null where it did not
  // (not a reader, or fewer than two readers).
  void readAhead(const epoll_event* events, int count, ReadAheadInput* inputs);
  static void onClosed(uv_handle_t* handle);

  LoopContext& context_;
  int epollFd_;
  // Sockets watched now. The handle keeps the loop alive only while there
  // are some, as one uv_poll_t per socket would.
  size_t watched_ = 0;
  uv_poll_t handle_;
  // Where readAhead() receives: a wakeup's input stays here while the
  // wakeup's events are dispatched. Slices up to 64 KiB; a full one is
  // followed by a receive of its own (Connection::onPollEvents).
  static constexpr size_t kReadAheadSize = 256 * 1024;
  static constexpr size_t kMaxReadAheadSlice = 64 * 1024;
  std::unique_ptr<uint8_t[]> readAheadBuffer_;
};

}  // namespace uws::net

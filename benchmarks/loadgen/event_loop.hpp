// A minimal level-triggered epoll loop, single thread. Handlers are called
// with the ready events; timers are the caller's job (see run_until).
#pragma once

#include <cstdint>
#include <functional>

class IoHandler {
 public:
  virtual ~IoHandler() = default;
  virtual void handle_io(uint32_t events) = 0;
};

class EventLoop {
 public:
  EventLoop();
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  void add(int fd, uint32_t events, IoHandler* handler);
  bool try_add(int fd, uint32_t events, IoHandler* handler);  // false if fd is not pollable
  void modify(int fd, uint32_t events, IoHandler* handler);
  void remove(int fd);

  // Waits at most timeout_ms, dispatches ready handlers, returns.
  void poll_once(int timeout_ms);

  // Monotonic milliseconds, refreshed after every poll_once.
  int64_t now_ms() const { return now_ms_; }
  static int64_t monotonic_ms();
  static double monotonic_seconds();

 private:
  int epoll_fd_;
  int64_t now_ms_;
};

// A one-shot libuv timer allocated only while needed (handshake and closing
// phases), so idle connections carry no timer. libuv frees handles
// asynchronously: the timer deletes itself in its close callback.
#pragma once

#include <uv.h>

#include <cstdint>

namespace uws::net {

class LoopContext;

class Timer {
 public:
  using Callback = void (*)(void* data);

  // Starts a timer that calls `callback(data)` once after `timeoutMs`.
  static Timer* start(LoopContext& context, uint64_t timeoutMs, Callback callback, void* data);
  // Stops the timer and frees it; the callback will not run.
  void dispose();

 private:
  Timer(LoopContext& context, Callback callback, void* data);
  static void onTimeout(uv_timer_t* handle);
  static void onClosed(uv_handle_t* handle);

  uv_timer_t handle_;
  LoopContext& context_;
  Callback callback_;
  void* data_;
};

}  // namespace uws::net

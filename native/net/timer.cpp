#include "net/timer.h"

#include "net/loop_context.h"

namespace uws::net {

Timer::Timer(LoopContext& context, Callback callback, void* data)
    : context_(context), callback_(callback), data_(data) {}

Timer* Timer::start(LoopContext& context, uint64_t timeoutMs, Callback callback, void* data) {
  auto* timer = new Timer(context, callback, data);
  uv_timer_init(context.loop(), &timer->handle_);
  timer->handle_.data = timer;
  context.handleOpened();
  uv_timer_start(&timer->handle_, onTimeout, timeoutMs, 0);
  return timer;
}

void Timer::dispose() {
  uv_timer_stop(&handle_);
  uv_close(reinterpret_cast<uv_handle_t*>(&handle_), onClosed);
}

void Timer::onTimeout(uv_timer_t* handle) {
  auto* timer = static_cast<Timer*>(handle->data);
  timer->callback_(timer->data_);
}

void Timer::onClosed(uv_handle_t* handle) {
  auto* timer = static_cast<Timer*>(handle->data);
  LoopContext& context = timer->context_;
  delete timer;
  context.handleClosed();
}

}  // namespace uws::net

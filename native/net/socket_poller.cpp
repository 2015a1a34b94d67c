#include "net/socket_poller.h"

#include <sys/epoll.h>
#include <unistd.h>

#include <cerrno>

#include "net/connection.h"
#include "net/loop_context.h"

namespace uws::net {

namespace {
// Events taken per wakeup; more wait for the next loop turn (level-triggered).
constexpr int kEventsPerWakeup = 256;
}  // namespace

SocketPoller::SocketPoller(LoopContext& context)
    : context_(context), epollFd_(epoll_create1(EPOLL_CLOEXEC)) {
  uv_poll_init(context.loop(), &handle_, epollFd_);
  handle_.data = this;
  context.handleOpened();
  uv_poll_start(&handle_, UV_READABLE, onReadable);
  uv_unref(reinterpret_cast<uv_handle_t*>(&handle_));
}

uint32_t SocketPoller::update(int fd, Connection* target, uint32_t current, uint32_t wanted) {
  if (current == wanted) return current;
  epoll_event event{};
  // Reading also reports the peer's FIN on its own (see Connection::onPollEvents).
  event.events = wanted | ((wanted & EPOLLIN) ? static_cast<uint32_t>(EPOLLRDHUP) : 0u);
  event.data.ptr = target;
  int op = EPOLL_CTL_MOD;
  if (current == 0) op = EPOLL_CTL_ADD;
  if (wanted == 0) op = EPOLL_CTL_DEL;
  if (epoll_ctl(epollFd_, op, fd, &event) != 0) return current;
  auto* handle = reinterpret_cast<uv_handle_t*>(&handle_);
  if (op == EPOLL_CTL_ADD && watched_++ == 0) uv_ref(handle);
  if (op == EPOLL_CTL_DEL && --watched_ == 0) uv_unref(handle);
  return wanted;
}

void SocketPoller::onReadable(uv_poll_t* handle, int status, int /*events*/) {
  auto* self = static_cast<SocketPoller*>(handle->data);
  if (status < 0) return;
  epoll_event events[kEventsPerWakeup];
  const int count = epoll_wait(self->epollFd_, events, kEventsPerWakeup, 0);
  CorkBuffer& cork = self->context_.cork();
  cork.beginWakeup();
  for (int i = 0; i < count; ++i) {
    // Targets destroyed earlier in this batch are still allocated (freed in
    // the loop's check phase) and ignore events once closed.
    static_cast<Connection*>(events[i].data.ptr)->onPollEvents(events[i].events);
  }
  // What the connections of this wakeup wrote leaves now, back to back.
  cork.endWakeup();
}

void SocketPoller::close() {
  uv_poll_stop(&handle_);
  uv_close(reinterpret_cast<uv_handle_t*>(&handle_), onClosed);
}

void SocketPoller::onClosed(uv_handle_t* handle) {
  auto* self = static_cast<SocketPoller*>(handle->data);
  ::close(self->epollFd_);
  LoopContext& context = self->context_;
  delete self;
  context.handleClosed();
}

}  // namespace uws::net

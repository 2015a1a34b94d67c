#include "net/socket_poller.h"

#include <pthread.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>

#include "net/connection.h"
#include "net/loop_context.h"

namespace uws::net {

namespace {
// Events taken per wakeup; more wait for the next loop turn (level-triggered).
constexpr int kEventsPerWakeup = 256;

// epoll keeps an entry while the socket's file is open anywhere: a child
// that fork()ed and has not exec'd yet holds it after our close(). Until a
// fork is seen, close() alone removes the entry and saves the DEL call.
std::atomic<bool> g_forkSeen{false};

void noteFork() { g_forkSeen.store(true, std::memory_order_relaxed); }

void watchForForks() {
  static const bool registered = pthread_atfork(nullptr, noteFork, nullptr) == 0;
  if (!registered) noteFork();  // cannot tell: always unwatch explicitly
}

// Entries carry the connection id, not a pointer: one left behind by a fork
// names a connection that is gone, and its events are dropped.
uint64_t keyOf(double connectionId) {
  uint64_t key;
  std::memcpy(&key, &connectionId, sizeof key);
  return key;
}

double connectionIdOf(uint64_t key) {
  double id;
  std::memcpy(&id, &key, sizeof id);
  return id;
}
}  // namespace

SocketPoller::SocketPoller(LoopContext& context)
    : context_(context),
      epollFd_(epoll_create1(EPOLL_CLOEXEC)),
      readAheadBuffer_(new uint8_t[kReadAheadSize]) {
  watchForForks();
  uv_poll_init(context.loop(), &handle_, epollFd_);
  handle_.data = this;
  context.handleOpened();
  uv_poll_start(&handle_, UV_READABLE, onReadable);
  uv_unref(reinterpret_cast<uv_handle_t*>(&handle_));
}

uint32_t SocketPoller::update(int fd, double connectionId, uint32_t current, uint32_t wanted) {
  if (current == wanted) return current;
  epoll_event event{};
  // Reading also reports the peer's FIN on its own (see Connection::onPollEvents).
  event.events = wanted | ((wanted & EPOLLIN) ? static_cast<uint32_t>(EPOLLRDHUP) : 0u);
  event.data.u64 = keyOf(connectionId);
  int op = EPOLL_CTL_MOD;
  if (current == 0) op = EPOLL_CTL_ADD;
  if (wanted == 0) op = EPOLL_CTL_DEL;
  if (epoll_ctl(epollFd_, op, fd, &event) != 0) return current;
  auto* handle = reinterpret_cast<uv_handle_t*>(&handle_);
  if (op == EPOLL_CTL_ADD && watched_++ == 0) uv_ref(handle);
  if (op == EPOLL_CTL_DEL && --watched_ == 0) uv_unref(handle);
  return wanted;
}

void SocketPoller::forget(int fd, uint32_t current) {
  if (current == 0) return;
  if (g_forkSeen.load(std::memory_order_relaxed)) {
    epoll_ctl(epollFd_, EPOLL_CTL_DEL, fd, nullptr);
  }
  if (--watched_ == 0) uv_unref(reinterpret_cast<uv_handle_t*>(&handle_));
}

void SocketPoller::onReadable(uv_poll_t* handle, int status, int /*events*/) {
  auto* self = static_cast<SocketPoller*>(handle->data);
  if (status < 0) return;
  epoll_event events[kEventsPerWakeup];
  const int count = epoll_wait(self->epollFd_, events, kEventsPerWakeup, 0);
  CorkBuffer& cork = self->context_.cork();
  cork.beginWakeup();
  ReadAheadInput inputs[kEventsPerWakeup];
  self->readAhead(events, count, inputs);
  for (int i = 0; i < count; ++i) {
    // Null for a connection destroyed earlier in this batch.
    Connection* target = self->context_.findConnection(connectionIdOf(events[i].data.u64));
    if (target) target->onPollEvents(events[i].events, inputs[i].at ? &inputs[i] : nullptr);
  }
  // What the connections of this wakeup wrote leaves now, back to back.
  cork.endWakeup();
}

void SocketPoller::readAhead(const epoll_event* events, int count, ReadAheadInput* inputs) {
  for (int i = 0; i < count; ++i) inputs[i].at = nullptr;
  SyscallBatch& batch = context_.syscalls();
  // One receive per connection in its dispatch is as cheap without io_uring.
  if (!batch.usesRing()) return;
  int readerEvents[kEventsPerWakeup];
  Connection* readers[kEventsPerWakeup];
  int readerCount = 0;
  for (int i = 0; i < count; ++i) {
    Connection* target = context_.findConnection(connectionIdOf(events[i].data.u64));
    if (!target || !target->canReadAhead(events[i].events)) continue;
    readerEvents[readerCount] = i;
    readers[readerCount++] = target;
  }
  // One receive is cheaper made directly, in the dispatch.
  if (readerCount < 2) return;
  static_assert(kReadAheadSize / kEventsPerWakeup > Connection::kCarryRoom + 512,
                "every reader of a full wakeup gets a useful slice");
  const size_t slice =
      std::min(kMaxReadAheadSlice, kReadAheadSize / readerCount - Connection::kCarryRoom);
  // No JS runs until the dispatch: the readers stay as they are meanwhile.
  // Call first + r of the batch is reader r's receive.
  const size_t first = batch.size();
  uint8_t* next = readAheadBuffer_.get() + Connection::kCarryRoom;
  for (int r = 0; r < readerCount; ++r, next += Connection::kCarryRoom + slice) {
    inputs[readerEvents[r]] = {next, 0, slice};
    batch.recv(readers[r]->socketFd(), next, slice);
  }
  batch.run();
  for (int r = 0; r < readerCount; ++r) {
    ReadAheadInput& input = inputs[readerEvents[r]];
    input.result = batch.result(first + static_cast<size_t>(r));
    if (input.result > 0) readers[r]->noteReadAhead();
  }
  batch.clear();
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

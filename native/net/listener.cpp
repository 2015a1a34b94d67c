#include "net/listener.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include "net/connection.h"
#include "net/loop_context.h"
#include "net/request_state.h"
#include "net/socket_address.h"
#include "net/timer.h"

namespace uws::net {

namespace {
// Accepting in bounded bursts keeps one busy listener from starving the
// rest of the loop.
constexpr int kAcceptsPerWakeup = 128;
// Pause after accept() failed for lack of resources (EMFILE, ENFILE, ...).
constexpr uint64_t kAcceptRetryMs = 100;

bool isWildcard(const sockaddr_storage& address) {
  if (address.ss_family == AF_INET) {
    return reinterpret_cast<const sockaddr_in&>(address).sin_addr.s_addr == htonl(INADDR_ANY);
  }
  const auto& in6 = reinterpret_cast<const sockaddr_in6&>(address);
  // "::" also takes IPv4 (v4-mapped) connections: their local end differs.
  return IN6_IS_ADDR_UNSPECIFIED(&in6.sin6_addr) != 0;
}
}  // namespace

Listener::Listener(LoopContext& context, int fd, void* scope, uint64_t handshakeTimeoutMs)
    : context_(context), fd_(fd), scope_(scope), handshakeTimeoutMs_(handshakeTimeoutMs) {
  uv_poll_init(context.loop(), &poll_, fd);
  poll_.data = this;
  context.handleOpened();
  context.events().retainScope(scope);
  context.addListener(this);
  uv_poll_start(&poll_, UV_READABLE, onReadable);
  socklen_t length = sizeof(bound_);
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&bound_), &length) == 0) {
    specific_ = !isWildcard(bound_);
  }
}

Listener* Listener::create(LoopContext& context, const ListenerSettings& settings, void* scope,
                           int* error) {
  sockaddr_storage address{};
  socklen_t length = 0;
  if (!parseAddress(settings.host, settings.port, &address, &length)) {
    *error = EINVAL;
    return nullptr;
  }
  const int fd = ::socket(address.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    *error = errno;
    return nullptr;
  }
  const int one = 1;
  const int zero = 0;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  // Accepted sockets inherit it: one call here instead of one per connection.
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  // "::" accepts IPv4 too, as Node's default listen does.
  if (address.ss_family == AF_INET6) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), length) != 0 ||
      ::listen(fd, settings.backlog) != 0) {
    *error = errno;
    ::close(fd);
    return nullptr;
  }
  return new Listener(context, fd, scope, settings.handshakeTimeoutMs);
}

void Listener::address(char* host, uint16_t* port, bool* ipv6) const {
  sockaddr_storage address{};
  socklen_t length = sizeof(address);
  host[0] = '\0';
  *port = 0;
  *ipv6 = false;
  if (getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
    *port = formatAddress(address, host, ipv6);
  }
}

void Listener::onReadable(uv_poll_t* handle, int status, int /*events*/) {
  auto* self = static_cast<Listener*>(handle->data);
  if (status < 0 || self->closed_) return;
  self->acceptPending();
}

void Listener::acceptPending() {
  for (int i = 0; i < kAcceptsPerWakeup && !closed_; ++i) {
    sockaddr_storage peer{};
    socklen_t peerLength = sizeof(peer);
    const int fd = ::accept4(fd_, reinterpret_cast<sockaddr*>(&peer), &peerLength,
                             SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) pauseAccepting();
      // EAGAIN: drained.
      return;
    }
    Connection::acceptFrom(context_, fd, peer, *this);
  }
}

void Listener::pauseAccepting() {
  // Out of descriptors or memory: the pending connection keeps the socket
  // readable, and polling it now would spin. Retry a little later.
  if (retryTimer_ || closed_) return;
  uv_poll_stop(&poll_);
  retryTimer_ = Timer::start(context_, kAcceptRetryMs, onRetry, this);
}

void Listener::onRetry(void* data) {
  auto* self = static_cast<Listener*>(data);
  self->retryTimer_->dispose();
  self->retryTimer_ = nullptr;
  if (!self->closed_) uv_poll_start(&self->poll_, UV_READABLE, onReadable);
}

void Listener::trackPending(Connection* connection) {
  RequestState& links = *connection->request();
  links.prevPending = nullptr;
  links.nextPending = pendingHead_;
  if (pendingHead_) pendingHead_->request()->prevPending = connection;
  pendingHead_ = connection;
}

void Listener::untrackPending(Connection* connection) {
  RequestState& links = *connection->request();
  if (links.prevPending) {
    links.prevPending->request()->nextPending = links.nextPending;
  } else if (pendingHead_ == connection) {
    pendingHead_ = links.nextPending;
  }
  if (links.nextPending) links.nextPending->request()->prevPending = links.prevPending;
  links.prevPending = links.nextPending = nullptr;
}

void Listener::close() {
  if (closed_) return;
  closed_ = true;
  context_.removeListener(this);
  if (retryTimer_) {
    retryTimer_->dispose();
    retryTimer_ = nullptr;
  }
  while (pendingHead_) pendingHead_->destroy(false);  // destroy() untracks it
  uv_poll_stop(&poll_);
  uv_close(reinterpret_cast<uv_handle_t*>(&poll_), onClosed);
  ::close(fd_);
  fd_ = -1;
}

void Listener::onClosed(uv_handle_t* handle) {
  auto* self = static_cast<Listener*>(handle->data);
  LoopContext& context = self->context_;
  context.events().releaseScope(self->scope_);
  delete self;
  context.handleClosed();
}

}  // namespace uws::net

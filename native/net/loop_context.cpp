#include "net/loop_context.h"

#include <openssl/rand.h>

#include <algorithm>
#include <cstring>

#include "net/connection.h"
#include "net/listener.h"

namespace uws::net {

namespace {
constexpr size_t kMaskPoolSize = 4096;
}  // namespace

LoopContext::LoopContext(uv_loop_t* loop, ConnectionEvents* events)
    : loop_(loop),
      events_(events),
      poller_(nullptr),
      receiveBuffer_(new uint8_t[kReceiveBufferSize]),
      cork_(syscalls_) {
  // In the body: the poller counts itself among the open handles, which
  // must already be initialised.
  poller_ = new SocketPoller(*this);
  uv_check_init(loop, &reaper_);
  reaper_.data = this;
  handleOpened();
}

const ConnectionConfig& LoopContext::internConfig(const ConnectionSettings& settings) {
  for (const auto& config : configs_) {
    const ConnectionSettings& known = config->settings;
    if (known.maxPayload == settings.maxPayload && known.maxFragments == settings.maxFragments &&
        known.maxPendingAutoPongs == settings.maxPendingAutoPongs &&
        known.closeTimeoutMs == settings.closeTimeoutMs &&
        known.skipUtf8Validation == settings.skipUtf8Validation &&
        known.autoPong == settings.autoPong && known.client == settings.client) {
      return *config;
    }
  }
  auto config = std::make_unique<ConnectionConfig>();
  config->settings = settings;
  config->context = this;
  config->parser.isServer = !settings.client;
  config->parser.maxPayload = settings.maxPayload;
  config->parser.maxFragments = settings.maxFragments;
  config->parser.skipUtf8Validation = settings.skipUtf8Validation;
  configs_.push_back(std::move(config));
  return *configs_.back();
}

void LoopContext::bury(Connection* connection) {
  if (buried_.empty()) uv_check_start(&reaper_, onCheck);
  buried_.push_back(connection);
}

void LoopContext::freeBuried() {
  // Freeing may release scopes that call into Node, never into our lists.
  std::vector<Connection*> buried;
  buried.swap(buried_);
  for (Connection* connection : buried) Connection::free(connection);
}

void LoopContext::onCheck(uv_check_t* handle) {
  auto* self = static_cast<LoopContext*>(handle->data);
  uv_check_stop(handle);
  self->freeBuried();
}

void LoopContext::onCheckClosed(uv_handle_t* handle) {
  static_cast<LoopContext*>(handle->data)->handleClosed();
}

LoopContext::~LoopContext() = default;

void LoopContext::randomMaskKey(uint8_t key[4]) {
  if (!maskPool_ || maskPoolUsed_ + 4 > kMaskPoolSize) {
    if (!maskPool_) maskPool_.reset(new uint8_t[kMaskPoolSize]);
    RAND_bytes(maskPool_.get(), static_cast<int>(kMaskPoolSize));
    maskPoolUsed_ = 0;
  }
  std::memcpy(key, maskPool_.get() + maskPoolUsed_, 4);
  maskPoolUsed_ += 4;
}

double LoopContext::registerConnection(Connection* connection) { return connections_.add(connection); }

uint32_t LoopContext::slotOf(double id) { return SlotTable<Connection>::slotOf(id); }

void LoopContext::unregisterConnection(double id) { connections_.remove(id); }

Connection* LoopContext::findConnection(double id) const { return connections_.find(id); }

void LoopContext::addListener(Listener* listener) { listeners_.push_back(listener); }

void LoopContext::removeListener(Listener* listener) {
  listeners_.erase(std::remove(listeners_.begin(), listeners_.end(), listener), listeners_.end());
}

void LoopContext::closeAll(void (*done)(void*), void* data) {
  tearingDown_ = true;
  closedCallback_ = done;
  closedData_ = data;
  // Copies: closing removes entries from these lists.
  const std::vector<Listener*> listeners = listeners_;
  for (Listener* listener : listeners) listener->close();
  // A copy: destroying removes entries.
  for (Connection* connection : connections_.entries()) connection->destroy(/*notify=*/false);
  freeBuried();
  poller_->close();
  uv_check_stop(&reaper_);
  uv_close(reinterpret_cast<uv_handle_t*>(&reaper_), onCheckClosed);
  if (openHandles_ == 0 && closedCallback_) {
    auto callback = closedCallback_;
    closedCallback_ = nullptr;
    callback(closedData_);
  }
}

void LoopContext::handleClosed() {
  --openHandles_;
  if (openHandles_ == 0 && closedCallback_) {
    auto callback = closedCallback_;
    closedCallback_ = nullptr;
    callback(closedData_);
  }
}

}  // namespace uws::net

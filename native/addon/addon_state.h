// Everything the binding keeps per Node environment (main thread or Worker):
// the loop context, the JS callbacks, the listeners, and the ConnectionEvents
// implementation that turns native events into JS calls.
#pragma once

#include <node_api.h>

#include <cstdint>
#include <memory>
#include <unordered_map>
#include <vector>

#include "addon/pooled_messages.h"
#include "net/connection_events.h"
#include "net/loop_context.h"

namespace uws::addon {

// What a listener's connections run their callbacks in: the listener's
// owner object (the JS server) and an async context made when it started
// listening, so AsyncLocalStorage sees the context of listen().
struct CallbackScope {
  napi_ref owner = nullptr;
  napi_async_context asyncContext = nullptr;
  int holders = 0;
};

enum Callback : int {
  kOnUpgrade,
  kOnMessage,
  kOnPing,
  kOnPong,
  kOnCloseFrame,
  kOnProtocolError,
  kOnFlush,
  kOnEnd,
  kOnTransportWrite,
  kOnTransportEnd,
  kOnTransportDestroy,
  kOnPooledMessages,
  kCallbackCount
};

class AddonState final : public net::ConnectionEvents {
 public:
  explicit AddonState(napi_env env);
  ~AddonState() override;

  static AddonState* from(napi_env env);

  napi_env env() const { return env_; }
  net::LoopContext& context() { return *context_; }
  void setCallback(Callback which, napi_value function);

  uint32_t addListener(net::Listener* listener);
  net::Listener* findListener(uint32_t id) const;
  void forgetListener(uint32_t id);

  CallbackScope* createScope(napi_value owner, const char* name);

  // The JS side of fed connections (few: TLS and other streams), by id.
  void setTransport(const net::Connection& connection, napi_value transport);
  napi_value transport(const net::Connection& connection);

  // The descriptor array of pooled messages, shared with JS (init's result).
  napi_value pooledArray() { return pooled_.array(); }

  // Scratch space for converting strings to UTF-8 on the send path.
  std::vector<char>& scratch() { return scratch_; }

  // Environment teardown (Worker exit): closes everything, then frees this.
  void beginTeardown(napi_async_cleanup_hook_handle handle);

  // net::ConnectionEvents
  void enterBatch(void* scope) override;
  void leaveBatch() override;
  void retainScope(void* scope) override;
  void releaseScope(void* scope) override;
  void onUpgrade(net::Connection& connection, const core::HttpRequestParser& request,
                 const core::HandshakeCheck& check, const core::UpgradeHeaders& headers) override;
  void onMessage(net::Connection& connection, net::MessageView& message) override;
  void deliverMessages() override;
  void onPing(net::Connection& connection, const uint8_t* data, size_t length) override;
  void onPong(net::Connection& connection, const uint8_t* data, size_t length) override;
  void onCloseFrame(net::Connection& connection, uint16_t code, const uint8_t* reason,
                    size_t length) override;
  void onProtocolError(net::Connection& connection, const core::ProtocolError& error) override;
  void onFlush(net::Connection& connection, uint64_t flushed) override;
  void onEnd(net::Connection& connection) override;
  void onRelease(net::Connection& connection) override;
  void onTransportWrite(net::Connection& connection, const uint8_t* first, size_t firstLength,
                        const uint8_t* second, size_t secondLength, const uint8_t* maskKey) override;
  void onTransportEnd(net::Connection& connection) override;
  void onTransportDestroy(net::Connection& connection) override;
  void releasePayload(void* holder) override;

 private:
  void call(Callback which, size_t argc, napi_value* argv);
  napi_value bufferCopy(const uint8_t* data, size_t length);
  // A control frame's payload: a Buffer, or undefined when it is empty.
  napi_value controlPayload(const uint8_t* data, size_t length);
  // JS finds a WebSocket by its connection's slot (a table on the JS side),
  // so no per-connection reference is kept here; the whole id (onUpgrade)
  // is what JS passes back to the addon's functions.
  napi_value idValue(const net::Connection& connection);
  // What the event callbacks name a connection by: its slot (see
  // LoopContext::slotOf). Only onUpgrade hands JS the whole id.
  napi_value slotValue(double id);

  napi_env env_;
  std::unique_ptr<net::LoopContext> context_;
  napi_ref callbacks_[kCallbackCount] = {};
  std::unordered_map<uint32_t, net::Listener*> listeners_;
  std::unordered_map<double, napi_ref> transports_;
  uint32_t nextListenerId_ = 1;
  std::vector<char> scratch_;
  // Small messages, gathered per read (see pooled_messages.h).
  PooledMessages pooled_;
  int batchDepth_ = 0;
  napi_handle_scope handleScope_ = nullptr;
  napi_callback_scope callbackScope_ = nullptr;
  napi_async_cleanup_hook_handle cleanupHandle_ = nullptr;
};

}  // namespace uws::addon

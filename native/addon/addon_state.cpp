#include "addon/addon_state.h"

#include <uv.h>

#include <cstdlib>
#include <cstring>
#include <string>

#include "addon/handshake_objects.h"
#include "addon/js_args.h"
#include "core/handshake.h"
#include "core/http_request_parser.h"
#include "core/frame_writer.h"
#include "core/protocol_error.h"
#include "net/connection.h"
#include "net/listener.h"

namespace uws::addon {

namespace {
// Messages up to this size are copied into a fresh Buffer; larger ones that
// were assembled natively are handed over without a copy (an external
// buffer that frees the block when JS drops it).
constexpr size_t kExternalThreshold = 16 * 1024;

void freeBlock(napi_env /*env*/, void* data, void* /*hint*/) { std::free(data); }

uv_loop_t* loopOf(napi_env env) {
  uv_loop_t* loop = nullptr;
  napi_get_uv_event_loop(env, &loop);
  return loop;
}
}  // namespace

AddonState::AddonState(napi_env env)
    : env_(env), context_(std::make_unique<net::LoopContext>(loopOf(env), this)), pooled_(env) {}

AddonState::~AddonState() = default;

AddonState* AddonState::from(napi_env env) {
  void* data = nullptr;
  napi_get_instance_data(env, &data);
  return static_cast<AddonState*>(data);
}

void AddonState::setCallback(Callback which, napi_value function) {
  if (callbacks_[which]) napi_delete_reference(env_, callbacks_[which]);
  napi_create_reference(env_, function, 1, &callbacks_[which]);
}

uint32_t AddonState::addListener(net::Listener* listener) {
  const uint32_t id = nextListenerId_++;
  listeners_[id] = listener;
  return id;
}

net::Listener* AddonState::findListener(uint32_t id) const {
  const auto found = listeners_.find(id);
  return found == listeners_.end() ? nullptr : found->second;
}

void AddonState::forgetListener(uint32_t id) { listeners_.erase(id); }

void AddonState::setTransport(const net::Connection& connection, napi_value transport) {
  napi_ref ref = nullptr;
  napi_create_reference(env_, transport, 1, &ref);
  transports_[connection.id()] = ref;
}

napi_value AddonState::transport(const net::Connection& connection) {
  const auto found = transports_.find(connection.id());
  if (found == transports_.end()) return undefinedValue(env_);
  return referenceValue(env_, found->second);
}

CallbackScope* AddonState::createScope(napi_value owner, const char* name) {
  auto* scope = new CallbackScope();
  napi_create_reference(env_, owner, 1, &scope->owner);
  napi_value resourceName;
  napi_create_string_utf8(env_, name, NAPI_AUTO_LENGTH, &resourceName);
  napi_async_init(env_, owner, resourceName, &scope->asyncContext);
  return scope;
}

void AddonState::retainScope(void* scope) { ++static_cast<CallbackScope*>(scope)->holders; }

void AddonState::releaseScope(void* scope) {
  auto* callbackScope = static_cast<CallbackScope*>(scope);
  if (--callbackScope->holders > 0) return;
  napi_handle_scope handles;
  napi_open_handle_scope(env_, &handles);
  napi_async_destroy(env_, callbackScope->asyncContext);
  napi_delete_reference(env_, callbackScope->owner);
  napi_close_handle_scope(env_, handles);
  delete callbackScope;
}

void AddonState::enterBatch(void* scope) {
  if (batchDepth_++ > 0) return;
  napi_open_handle_scope(env_, &handleScope_);
  auto* callbackScope = static_cast<CallbackScope*>(scope);
  napi_value resource = referenceValue(env_, callbackScope->owner);
  napi_open_callback_scope(env_, resource, callbackScope->asyncContext, &callbackScope_);
}

void AddonState::leaveBatch() {
  if (--batchDepth_ > 0) return;
  // Closing the callback scope runs process.nextTick callbacks and
  // microtasks queued by the events of this batch.
  napi_close_callback_scope(env_, callbackScope_);
  napi_close_handle_scope(env_, handleScope_);
  callbackScope_ = nullptr;
  handleScope_ = nullptr;
}

void AddonState::call(Callback which, size_t argc, napi_value* argv) {
  if (!callbacks_[which]) return;
  napi_value function = referenceValue(env_, callbacks_[which]);
  napi_value receiver;
  napi_get_undefined(env_, &receiver);
  napi_value result;
  if (napi_call_function(env_, receiver, function, argc, argv, &result) == napi_pending_exception) {
    // As for an exception thrown in any Node callback: 'uncaughtException'.
    napi_value error;
    napi_get_and_clear_last_exception(env_, &error);
    napi_fatal_exception(env_, error);
  }
}

napi_value AddonState::idValue(const net::Connection& connection) {
  return numberValue(env_, connection.id());
}

napi_value AddonState::slotValue(double id) {
  napi_value slot;
  napi_create_uint32(env_, net::LoopContext::slotOf(id), &slot);
  return slot;
}

napi_value AddonState::bufferCopy(const uint8_t* data, size_t length) {
  napi_value buffer;
  napi_create_buffer_copy(env_, length, data, nullptr, &buffer);
  return buffer;
}

napi_value AddonState::controlPayload(const uint8_t* data, size_t length) {
  // Most pings, pongs and close frames carry nothing; JS gives those the
  // shared empty Buffer (as ws does) instead of a new one each.
  return length == 0 ? undefinedValue(env_) : bufferCopy(data, length);
}

void AddonState::onUpgrade(net::Connection& connection, const core::HttpRequestParser& request,
                           const core::HandshakeCheck& check, const core::UpgradeHeaders& headers) {
  auto* scope = static_cast<CallbackScope*>(connection.scope());
  napi_value argv[2 + kRequestArguments + kCheckArguments];
  argv[0] = referenceValue(env_, scope->owner);
  argv[1] = idValue(connection);
  requestArguments(env_, request, &argv[2]);
  char buffer[28];
  const std::string_view accept = acceptKeyFor(check, headers.key, buffer);
  if (!accept.empty()) connection.keepAcceptKey(accept.data());
  checkArguments(env_, check, accept, headers.protocol, headers.version, &argv[2 + kRequestArguments]);
  call(kOnUpgrade, sizeof(argv) / sizeof(argv[0]), argv);
}

void AddonState::onMessage(net::Connection& connection, net::MessageView& message) {
  const bool poolable = !message.frameSizes && message.length <= PooledMessages::kMaxMessage;
  const uint8_t* bytes = message.owned ? message.owned : message.borrowed;
  if (poolable && pooled_.add(connection.id(), bytes, message.length, message.binary)) {
    std::free(message.owned);
    message.owned = nullptr;
    return;
  }
  // Held-back messages go first (the batch was full, or this one is not
  // pooled); their handlers may close the connection, ending its input.
  deliverMessages();
  if (!connection.isWebSocket() ||
      (poolable && pooled_.add(connection.id(), bytes, message.length, message.binary))) {
    std::free(message.owned);
    message.owned = nullptr;
    return;
  }
  napi_value argv[3];
  argv[0] = slotValue(connection.id());
  if (message.frameSizes) {
    // fragments mode: one Buffer per frame payload, as ws delivers them.
    napi_create_array_with_length(env_, message.frameSizes->size(), &argv[1]);
    size_t offset = 0;
    uint32_t index = 0;
    for (const uint32_t size : *message.frameSizes) {
      napi_set_element(env_, argv[1], index++, bufferCopy(message.owned + offset, size));
      offset += size;
    }
    std::free(message.owned);
  } else if (message.owned) {
    if (message.length < kExternalThreshold ||
        napi_create_external_buffer(env_, message.length, message.owned, freeBlock, nullptr,
                                    &argv[1]) != napi_ok) {
      argv[1] = bufferCopy(message.owned, message.length);
      std::free(message.owned);
    }
  } else {
    argv[1] = bufferCopy(message.borrowed, message.length);
  }
  message.owned = nullptr;
  napi_get_boolean(env_, message.binary, &argv[2]);
  call(kOnMessage, 3, argv);
}

void AddonState::deliverMessages() {
  if (!pooled_.pending()) return;
  double id = 0;
  uint32_t begin = 0;
  uint32_t end = 0;
  pooled_.take(&id, &begin, &end);
  // JS reports its progress in the array; a batch delivered inside one of
  // these handlers must leave ours as it found it.
  const uint32_t outerProgress = pooled_.progress();
  napi_value argv[4];
  argv[0] = slotValue(id);
  argv[1] = pooled_.slab();
  napi_create_uint32(env_, end, &argv[3]);
  for (uint32_t next = begin; next < end;) {
    pooled_.setProgress(next);
    napi_create_uint32(env_, next, &argv[2]);
    call(kOnPooledMessages, 4, argv);
    // JS stops early only when a handler threw (reported as uncaught, as
    // for any event): the messages after that one are still delivered,
    // unless that handler also ended the connection.
    const uint32_t progress = pooled_.progress();
    const net::Connection* connection = context_->findConnection(id);
    if (progress <= next || !connection || !connection->isWebSocket()) break;
    next = progress;
  }
  pooled_.setProgress(outerProgress);
  pooled_.finished(begin);
}

void AddonState::onPing(net::Connection& connection, const uint8_t* data, size_t length) {
  napi_value argv[2] = {slotValue(connection.id()), controlPayload(data, length)};
  call(kOnPing, 2, argv);
}

void AddonState::onPong(net::Connection& connection, const uint8_t* data, size_t length) {
  napi_value argv[2] = {slotValue(connection.id()), controlPayload(data, length)};
  call(kOnPong, 2, argv);
}

void AddonState::onCloseFrame(net::Connection& connection, uint16_t code, const uint8_t* reason,
                              size_t length) {
  napi_value argv[3];
  argv[0] = slotValue(connection.id());
  napi_create_uint32(env_, code, &argv[1]);
  argv[2] = controlPayload(reason, length);
  call(kOnCloseFrame, 3, argv);
}

void AddonState::onProtocolError(net::Connection& connection, const core::ProtocolError& error) {
  napi_value argv[5];
  argv[0] = slotValue(connection.id());
  napi_create_string_utf8(env_, error.code, NAPI_AUTO_LENGTH, &argv[1]);
  napi_create_string_utf8(env_, error.message, NAPI_AUTO_LENGTH, &argv[2]);
  napi_create_uint32(env_, error.closeCode, &argv[3]);
  napi_get_boolean(env_, error.isRangeError, &argv[4]);
  call(kOnProtocolError, 5, argv);
}

void AddonState::onFlush(net::Connection& connection, uint64_t flushed) {
  napi_value argv[2];
  argv[0] = slotValue(connection.id());
  napi_create_double(env_, static_cast<double>(flushed), &argv[1]);
  call(kOnFlush, 2, argv);
}

void AddonState::onEnd(net::Connection& connection) {
  napi_value argv[1] = {slotValue(connection.id())};
  call(kOnEnd, 1, argv);
}

void AddonState::onRelease(net::Connection& connection) {
  if (!connection.isFed()) return;
  const auto found = transports_.find(connection.id());
  if (found == transports_.end()) return;
  napi_delete_reference(env_, found->second);
  transports_.erase(found);
}

void AddonState::onTransportWrite(net::Connection& connection, const uint8_t* first,
                                  size_t firstLength, const uint8_t* second, size_t secondLength,
                                  const uint8_t* maskKey) {
  napi_value argv[2];
  argv[0] = transport(connection);
  void* data = nullptr;
  napi_create_buffer(env_, firstLength + secondLength, &data, &argv[1]);
  core::copyFrame(static_cast<uint8_t*>(data), first, firstLength, second, secondLength, maskKey);
  call(kOnTransportWrite, 2, argv);
}

void AddonState::releasePayload(void* holder) {
  napi_delete_reference(env_, static_cast<napi_ref>(holder));
}

void AddonState::onTransportEnd(net::Connection& connection) {
  napi_value argv[1] = {transport(connection)};
  call(kOnTransportEnd, 1, argv);
}

void AddonState::onTransportDestroy(net::Connection& connection) {
  napi_value argv[1] = {transport(connection)};
  call(kOnTransportDestroy, 1, argv);
}

void AddonState::beginTeardown(napi_async_cleanup_hook_handle handle) {
  cleanupHandle_ = handle;
  context_->closeAll(
      [](void* data) {
        auto* state = static_cast<AddonState*>(data);
        napi_async_cleanup_hook_handle done = state->cleanupHandle_;
        delete state;
        napi_remove_async_cleanup_hook(done);
      },
      this);
}

}  // namespace uws::addon

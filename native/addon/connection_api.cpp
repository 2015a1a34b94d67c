// Binding functions that act on one connection, named by its id.
#include "addon/connection_api.h"

#include <fcntl.h>

#include <algorithm>
#include <cstring>

#include "addon/addon_state.h"
#include "addon/handshake_objects.h"
#include "addon/js_args.h"
#include "core/handshake.h"
#include "net/connection.h"

namespace uws::addon {

namespace {

constexpr size_t kScratchMin = 4 * 1024;
constexpr size_t kScratchKeep = 1024 * 1024;

// Bits of accept()'s flags argument (lib/native.ts AcceptFlag).
constexpr uint32_t kAcceptSkipUtf8Validation = 1;
constexpr uint32_t kAcceptAutoPong = 2;
constexpr uint32_t kAcceptFragments = 4;
constexpr uint32_t kAcceptClient = 8;
constexpr uint32_t kAcceptAnswerCloseInJs = 16;

// send()'s frame argument (lib/native.ts SendFlag): the opcode and bits.
constexpr uint32_t kSendOpcodeMask = 0x0F;
constexpr uint32_t kSendFin = 0x10;
constexpr uint32_t kSendCallback = 0x20;

net::Connection* connectionArg(napi_env env, const Args& args) {
  return static_cast<AddonState*>(args.data)->context().findConnection(toNumber(env, args.argv[0], -1));
}

// Bytes of a string or binary value. Strings are encoded to UTF-8 into the
// state's scratch buffer (reused; no allocation per message once grown).
bool payloadOf(napi_env env, const Args& args, napi_value value, const uint8_t** data, size_t* length) {
  // Buffers first: the common case of binary and echoed messages, one call.
  napi_typedarray_type arrayType;
  size_t elements = 0;
  void* bytes = nullptr;
  if (napi_get_typedarray_info(env, value, &arrayType, &elements, &bytes, nullptr, nullptr) == napi_ok) {
    *data = static_cast<const uint8_t*>(bytes);
    *length = elements * typedArrayElementSize(arrayType);
    return true;
  }
  napi_valuetype type;
  napi_typeof(env, value, &type);
  if (type == napi_string) {
    std::vector<char>& scratch = static_cast<AddonState*>(args.data)->scratch();
    if (scratch.size() < kScratchMin) scratch.resize(kScratchMin);
    // One pass when the string fits; V8 writes whole characters only, so
    // output within 4 bytes of the end may have been cut: measure, redo.
    napi_get_value_string_utf8(env, value, scratch.data(), scratch.size(), length);
    if (*length + 4 >= scratch.size()) {
      size_t needed = 0;
      napi_get_value_string_utf8(env, value, nullptr, 0, &needed);
      if (needed > *length) {
        scratch.resize(needed + 1);
        napi_get_value_string_utf8(env, value, scratch.data(), needed + 1, length);
      }
    }
    *data = reinterpret_cast<const uint8_t*>(scratch.data());
    return true;
  }
  if (type == napi_undefined || type == napi_null) {
    *data = nullptr;
    *length = 0;
    return true;
  }
  return bytesOf(env, value, data, length);
}

// accept(id, response, protocol, maxPayload, maxFragments,
// maxPendingAutoPongs, closeTimeout, flags): writes the 101 (`response`, or
// when null the default head with `protocol`) and makes the connection a
// WebSocket; from now on events name it by its id. Positional, so that no
// property is looked up per connection (lib/native.ts has the object form).
napi_value accept(napi_env env, napi_callback_info info) {
  Args args(env, info);
  net::Connection* connection = connectionArg(env, args);
  if (!connection) return boolValue(env, false);
  std::string response;
  napi_valuetype responseType;
  napi_typeof(env, args.argv[1], &responseType);
  if (responseType == napi_string) {
    response = toString(env, args.argv[1]);
  } else {
    // null: ws's default 101 head, from the accept key onUpgrade computed
    // (no 'headers' listener could have changed it).
    const std::string_view key = connection->acceptKey();
    if (key.empty()) return boolValue(env, false);
    napi_valuetype protocolType;
    napi_typeof(env, args.argv[2], &protocolType);
    response = core::upgradeResponse(key, protocolType == napi_string ? toString(env, args.argv[2]) : "");
  }
  net::ConnectionSettings settings;
  settings.maxPayload = static_cast<uint64_t>(std::max(0.0, toNumber(env, args.argv[3])));
  settings.maxFragments = static_cast<uint32_t>(std::max(0.0, toNumber(env, args.argv[4])));
  settings.maxPendingAutoPongs = static_cast<uint32_t>(std::max(0.0, toNumber(env, args.argv[5])));
  settings.closeTimeoutMs = static_cast<uint64_t>(std::max(0.0, toNumber(env, args.argv[6])));
  const auto flags = static_cast<uint32_t>(toNumber(env, args.argv[7]));
  settings.skipUtf8Validation = (flags & kAcceptSkipUtf8Validation) != 0;
  settings.autoPong = (flags & kAcceptAutoPong) != 0;
  settings.fragments = (flags & kAcceptFragments) != 0;
  settings.client = (flags & kAcceptClient) != 0;
  settings.answerCloseInJs = (flags & kAcceptAnswerCloseInJs) != 0;
  return boolValue(env, connection->acceptUpgrade(reinterpret_cast<const uint8_t*>(response.data()),
                                                  response.size(), settings));
}

// adopt(owner, fd, leftover): takes over a socket Node opened. The fd is
// duplicated so that Node may destroy its own socket object afterwards.
napi_value adopt(napi_env env, napi_callback_info info) {
  Args args(env, info);
  AddonState* state = AddonState::from(env);
  const int fd = static_cast<int>(toNumber(env, args.argv[1], -1));
  const uint8_t* leftover = nullptr;
  size_t length = 0;
  if (!bytesOf(env, args.argv[2], &leftover, &length)) length = 0;
  const int copy = fd >= 0 ? fcntl(fd, F_DUPFD_CLOEXEC, 0) : -1;
  if (copy < 0) {
    napi_throw_error(env, "ERR_UWS_ADOPT", "uws: cannot take over the socket (no file descriptor)");
    return nullptr;
  }
  CallbackScope* scope = state->createScope(args.argv[0], "uws.WebSocket");
  net::Connection* connection = net::Connection::adopt(state->context(), copy, scope, leftover, length);
  return numberValue(env, connection->id());
}

// createFed(owner, transport, leftover): a connection whose bytes a JS
// stream carries; JS feeds what it reads with feed/feedEnd/feedClosed.
napi_value createFed(napi_env env, napi_callback_info info) {
  Args args(env, info);
  AddonState* state = AddonState::from(env);
  const uint8_t* leftover = nullptr;
  size_t length = 0;
  if (!bytesOf(env, args.argv[2], &leftover, &length)) length = 0;
  CallbackScope* scope = state->createScope(args.argv[0], "uws.WebSocket");
  net::Connection* connection = net::Connection::createFed(state->context(), scope, leftover, length);
  state->setTransport(*connection, args.argv[1]);
  return numberValue(env, connection->id());
}

napi_value feed(napi_env env, napi_callback_info info) {
  Args args(env, info);
  net::Connection* connection = connectionArg(env, args);
  const uint8_t* data = nullptr;
  size_t length = 0;
  if (connection && connection->isFed() && bytesOf(env, args.argv[1], &data, &length)) {
    connection->feed(data, length);
  }
  return undefinedValue(env);
}

napi_value feedEnd(napi_env env, napi_callback_info info) {
  Args args(env, info);
  net::Connection* connection = connectionArg(env, args);
  if (connection && connection->isFed()) connection->feedEnd();
  return undefinedValue(env);
}

napi_value feedClosed(napi_env env, napi_callback_info info) {
  Args args(env, info);
  net::Connection* connection = connectionArg(env, args);
  if (connection && connection->isFed()) connection->feedClosed();
  return undefinedValue(env);
}

napi_value writeRaw(napi_env env, napi_callback_info info) {
  Args args(env, info);
  net::Connection* connection = connectionArg(env, args);
  const uint8_t* data = nullptr;
  size_t length = 0;
  if (!connection || !payloadOf(env, args, args.argv[1], &data, &length)) return boolValue(env, false);
  return boolValue(env, connection->writeRaw(data, length));
}

napi_value end(napi_env env, napi_callback_info info) {
  Args args(env, info);
  if (net::Connection* connection = connectionArg(env, args)) {
    if (connection->isWebSocket()) {
      connection->endWebSocket();
    } else {
      connection->endRaw();
    }
  }
  return undefinedValue(env);
}

napi_value destroy(napi_env env, napi_callback_info info) {
  Args args(env, info);
  if (net::Connection* connection = connectionArg(env, args)) connection->destroy(false);
  return undefinedValue(env);
}

// Keeps the JS value being sent alive while the socket still has to take
// part of it (a large payload queued without a copy).
class JsPayloadKeeper final : public net::PayloadKeeper {
 public:
  JsPayloadKeeper(napi_env env, napi_value value) : env_(env), value_(value) {}
  void* keep() override {
    napi_ref ref = nullptr;
    napi_create_reference(env_, value_, 1, &ref);
    return ref;
  }

 private:
  napi_env env_;
  napi_value value_;
};

napi_value send(napi_env env, napi_callback_info info) {
  Args args(env, info);
  net::Connection* connection = connectionArg(env, args);
  const uint8_t* data = nullptr;
  size_t length = 0;
  if (!connection) return numberValue(env, -1);
  if (!payloadOf(env, args, args.argv[1], &data, &length)) {
    napi_throw_type_error(env, nullptr, "uws: send() data must be a string or binary data");
    return nullptr;
  }
  const auto frame = static_cast<uint32_t>(toNumber(env, args.argv[2], 2));
  const auto opcode = static_cast<core::Opcode>(frame & kSendOpcodeMask);
  const bool fin = (frame & kSendFin) != 0;
  // mask: a boolean, or the 4-byte key a user's generateMask chose.
  const uint8_t* maskKey = nullptr;
  size_t maskLength = 0;
  bool mask = false;
  if (napi_get_value_bool(env, args.argv[3], &mask) != napi_ok &&
      (!bytesOf(env, args.argv[3], &maskKey, &maskLength) || maskLength < 4)) {
    maskKey = nullptr;
  }
  if (frame & kSendCallback) connection->flushWhenDispatchEnds();
  // Strings were encoded into the reusable scratch buffer: never kept.
  AddonState* state = static_cast<AddonState*>(args.data);
  const bool fromScratch = !state->scratch().empty() &&
                           data == reinterpret_cast<const uint8_t*>(state->scratch().data());
  JsPayloadKeeper keeper(env, args.argv[1]);
  const double result = connection->sendFrame(opcode, fin, data, length, mask, maskKey,
                                              fromScratch ? nullptr : &keeper);
  // Keep the scratch buffer for small strings only.
  std::vector<char>& scratch = state->scratch();
  if (scratch.size() > kScratchKeep) std::vector<char>().swap(scratch);
  return numberValue(env, result);
}

napi_value close(napi_env env, napi_callback_info info) {
  Args args(env, info);
  net::Connection* connection = connectionArg(env, args);
  if (!connection) return undefinedValue(env);
  const int code = static_cast<int>(toNumber(env, args.argv[1], -1));
  const uint8_t* reason = nullptr;
  size_t length = 0;
  if (code < 0 || !payloadOf(env, args, args.argv[2], &reason, &length)) {
    reason = nullptr;
    length = 0;
  }
  // The reason may live in the scratch buffer: copy it before reading the key.
  uint8_t reasonCopy[123];
  const size_t reasonLength = std::min<size_t>(length, sizeof(reasonCopy));
  if (reasonLength) std::memcpy(reasonCopy, reason, reasonLength);
  const uint8_t* maskKey = nullptr;
  size_t maskLength = 0;
  if (!bytesOf(env, args.argv[3], &maskKey, &maskLength) || maskLength < 4) maskKey = nullptr;
  connection->close(code, reasonCopy, reasonLength, maskKey);
  return undefinedValue(env);
}

napi_value pause(napi_env env, napi_callback_info info) {
  Args args(env, info);
  if (net::Connection* connection = connectionArg(env, args)) connection->pause();
  return undefinedValue(env);
}

napi_value resume(napi_env env, napi_callback_info info) {
  Args args(env, info);
  if (net::Connection* connection = connectionArg(env, args)) connection->resume();
  return undefinedValue(env);
}

napi_value bufferedAmount(napi_env env, napi_callback_info info) {
  Args args(env, info);
  net::Connection* connection = connectionArg(env, args);
  return numberValue(env, connection ? static_cast<double>(connection->bufferedAmount()) : 0);
}

napi_value setFragments(napi_env env, napi_callback_info info) {
  Args args(env, info);
  if (net::Connection* connection = connectionArg(env, args)) {
    connection->setFragments(toBool(env, args.argv[1]));
  }
  return undefinedValue(env);
}

// peerInfo(id): both ends of an open socket connection, or null once it is
// closed (and for fed connections, whose addresses JS has from Node's socket).
// Asked for only when JS reads a socket's addresses.
napi_value peerInfo(napi_env env, napi_callback_info info) {
  Args args(env, info);
  net::Connection* connection = connectionArg(env, args);
  net::PeerInfo peer;
  if (!connection || connection->isFed() || !connection->readPeer(&peer)) {
    napi_value null;
    napi_get_null(env, &null);
    return null;
  }
  return makePeerObject(env, peer);
}

napi_value setFlushEvents(napi_env env, napi_callback_info info) {
  Args args(env, info);
  if (net::Connection* connection = connectionArg(env, args)) {
    connection->setFlushEvents(toBool(env, args.argv[1]));
  }
  return undefinedValue(env);
}

}  // namespace

void defineConnectionApi(napi_env env, napi_value exports) {
  const ExportedFunction functions[] = {
      {"adopt", adopt},
      {"createFed", createFed},
      {"feed", feed},
      {"feedEnd", feedEnd},
      {"feedClosed", feedClosed},
      {"accept", accept},
      {"writeRaw", writeRaw},
      {"end", end},
      {"destroy", destroy},
      {"send", send},
      {"close", close},
      {"pause", pause},
      {"resume", resume},
      {"bufferedAmount", bufferedAmount},
      {"setFragments", setFragments},
      {"setFlushEvents", setFlushEvents},
      {"peerInfo", peerInfo},
  };
  exportFunctions(env, exports, functions, AddonState::from(env));
}

}  // namespace uws::addon

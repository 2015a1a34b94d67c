#include "addon/listener_api.h"

#include <uv.h>

#include <optional>
#include <string>

#include "addon/addon_state.h"
#include "addon/handshake_objects.h"
#include "addon/js_args.h"
#include "core/handshake.h"
#include "net/listener.h"

namespace uws::addon {

namespace {

// A Node-style system error: "listen EADDRINUSE: address already in use
// 127.0.0.1:8080" with code, errno, syscall, address and port.
void throwListenError(napi_env env, int error, const std::string& host, int port) {
  const int uvError = -error;
  const std::string code = uv_err_name(uvError);
  const std::string message = "listen " + code + ": " + uv_strerror(uvError) + " " + host + ":" +
                              std::to_string(port);
  napi_value codeValue, messageValue, errorValue, value;
  napi_create_string_utf8(env, code.c_str(), code.size(), &codeValue);
  napi_create_string_utf8(env, message.c_str(), message.size(), &messageValue);
  napi_create_error(env, codeValue, messageValue, &errorValue);
  napi_create_int32(env, uvError, &value);
  napi_set_named_property(env, errorValue, "errno", value);
  napi_create_string_utf8(env, "listen", NAPI_AUTO_LENGTH, &value);
  napi_set_named_property(env, errorValue, "syscall", value);
  napi_create_string_utf8(env, host.c_str(), host.size(), &value);
  napi_set_named_property(env, errorValue, "address", value);
  napi_create_int32(env, port, &value);
  napi_set_named_property(env, errorValue, "port", value);
  napi_throw(env, errorValue);
}

napi_value listen(napi_env env, napi_callback_info info) {
  Args args(env, info);
  AddonState* state = AddonState::from(env);
  napi_value options = args.argv[1];
  napi_value hostValue;
  napi_get_named_property(env, options, "host", &hostValue);
  const std::string host = toString(env, hostValue);
  net::ListenerSettings settings;
  settings.host = host.c_str();
  const int port = static_cast<int>(numberProperty(env, options, "port", 0));
  settings.port = static_cast<uint16_t>(port);
  settings.backlog = static_cast<int>(numberProperty(env, options, "backlog", 511));
  settings.handshakeTimeoutMs =
      static_cast<uint64_t>(numberProperty(env, options, "handshakeTimeout", 60000));
  CallbackScope* scope = state->createScope(args.argv[0], "uws.WebSocketServer");
  state->retainScope(scope);  // held by this call until the listener holds it
  int error = 0;
  net::Listener* listener = net::Listener::create(state->context(), settings, scope, &error);
  state->releaseScope(scope);
  if (!listener) {
    throwListenError(env, error, host, port);
    return nullptr;
  }
  return numberValue(env, state->addListener(listener));
}

napi_value listenerAddress(napi_env env, napi_callback_info info) {
  Args args(env, info);
  net::Listener* listener =
      AddonState::from(env)->findListener(static_cast<uint32_t>(toNumber(env, args.argv[0])));
  napi_value result;
  if (!listener) {
    napi_get_null(env, &result);
    return result;
  }
  char host[46];
  uint16_t port = 0;
  bool ipv6 = false;
  listener->address(host, &port, &ipv6);
  napi_create_object(env, &result);
  napi_value value;
  napi_create_string_utf8(env, host, NAPI_AUTO_LENGTH, &value);
  napi_set_named_property(env, result, "address", value);
  napi_create_string_utf8(env, ipv6 ? "IPv6" : "IPv4", NAPI_AUTO_LENGTH, &value);
  napi_set_named_property(env, result, "family", value);
  napi_set_named_property(env, result, "port", numberValue(env, port));
  return result;
}

napi_value closeListener(napi_env env, napi_callback_info info) {
  Args args(env, info);
  AddonState* state = AddonState::from(env);
  const auto id = static_cast<uint32_t>(toNumber(env, args.argv[0]));
  if (net::Listener* listener = state->findListener(id)) {
    state->forgetListener(id);
    listener->close();
  }
  return undefinedValue(env);
}

std::optional<std::string> optionalString(napi_env env, napi_value value) {
  napi_valuetype type;
  if (!value || napi_typeof(env, value, &type) != napi_ok || type != napi_string) return std::nullopt;
  return toLatin1(env, value);
}

napi_value checkUpgrade(napi_env env, napi_callback_info info) {
  Args args(env, info);
  const std::string method = toLatin1(env, args.argv[0]);
  const auto upgrade = optionalString(env, args.argv[1]);
  const auto key = optionalString(env, args.argv[2]);
  const auto version = optionalString(env, args.argv[3]);
  const auto protocol = optionalString(env, args.argv[4]);
  const core::HandshakeCheck check = core::checkUpgradeHeaders(method, upgrade, key, version);
  return makeCheckObject(env, check, key, protocol, version);
}

}  // namespace

void defineListenerApi(napi_env env, napi_value exports) {
  const ExportedFunction functions[] = {
      {"listen", listen},
      {"listenerAddress", listenerAddress},
      {"closeListener", closeListener},
      {"checkUpgrade", checkUpgrade},
  };
  exportFunctions(env, exports, functions, AddonState::from(env));
}

}  // namespace uws::addon

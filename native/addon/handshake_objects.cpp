#include "addon/handshake_objects.h"

#include <cmath>
#include <string_view>
#include <vector>

#include "addon/js_args.h"

namespace uws::addon {

namespace {

napi_value string(napi_env env, std::string_view text) {
  napi_value value;
  napi_create_string_utf8(env, text.data(), text.size(), &value);
  return value;
}

// Request bytes reach JS as Node's HTTP parser presents them: one char per
// byte (latin1).
napi_value bytesString(napi_env env, std::string_view bytes) {
  napi_value value;
  napi_create_string_latin1(env, bytes.data(), bytes.size(), &value);
  return value;
}

void set(napi_env env, napi_value object, const char* name, napi_value value) {
  napi_set_named_property(env, object, name, value);
}

}  // namespace

void requestArguments(napi_env env, const core::HttpRequestParser& request, napi_value* out) {
  out[0] = bytesString(env, request.method());
  out[1] = bytesString(env, request.target());
  const char version[4] = {static_cast<char>('0' + request.versionMajor()), '.',
                           static_cast<char>('0' + request.versionMinor()), '\0'};
  out[2] = string(env, version);
  // rawHeaders as one string, names and values separated by NUL (which
  // neither may contain: the parser rejects control characters): JS splits
  // it, one call instead of two per header.
  const size_t count = request.headerCount();
  size_t length = 0;
  for (size_t i = 0; i < count; ++i) length += request.headerName(i).size() + request.headerValue(i).size() + 2;
  std::string joined;
  joined.reserve(length);
  for (size_t i = 0; i < count; ++i) {
    if (i > 0) joined += '\0';
    joined += request.headerName(i);
    joined += '\0';
    joined += request.headerValue(i);
  }
  out[3] = bytesString(env, joined);
  out[4] = numberValue(env, static_cast<double>(2 * count));
}

napi_value makePeerObject(napi_env env, const net::PeerInfo& peer) {
  napi_value object;
  napi_create_object(env, &object);
  napi_value undefined;
  napi_get_undefined(env, &undefined);
  const bool remote = peer.hasRemote;
  set(env, object, "remoteAddress", remote ? string(env, peer.remoteAddress) : undefined);
  set(env, object, "remotePort", remote ? numberValue(env, peer.remotePort) : undefined);
  set(env, object, "remoteFamily", remote ? string(env, peer.ipv6 ? "IPv6" : "IPv4") : undefined);
  set(env, object, "localAddress", string(env, peer.localAddress));
  set(env, object, "localPort", numberValue(env, peer.localPort));
  return object;
}

std::string_view acceptKeyFor(const core::HandshakeCheck& check, const std::optional<std::string>& key,
                              char out[28]) {
  if (check.status != 0 || !key) return {};
  core::computeAcceptKey(*key, out);
  return std::string_view(out, 28);
}

void checkArguments(napi_env env, const core::HandshakeCheck& check, std::string_view accept,
                    const std::optional<std::string>& protocol, const std::optional<std::string>& version,
                    napi_value* out) {
  out[0] = numberValue(env, check.status);
  out[1] = string(env, check.message ? check.message : "");
  napi_get_boolean(env, check.sendVersionHeader, &out[2]);
  out[3] = string(env, accept);
  std::vector<std::string_view> parsed;
  if (!protocol) {
    napi_get_null(env, &out[4]);
  } else if (!core::parseSubprotocols(*protocol, &parsed)) {
    napi_get_boolean(env, false, &out[4]);
  } else {
    napi_create_array_with_length(env, parsed.size(), &out[4]);
    for (size_t i = 0; i < parsed.size(); ++i) {
      napi_set_element(env, out[4], static_cast<uint32_t>(i), bytesString(env, parsed[i]));
    }
  }
  out[5] = numberValue(env, version ? core::jsNumber(*version) : std::nan(""));
}

napi_value makeCheckObject(napi_env env, const core::HandshakeCheck& check,
                           const std::optional<std::string>& key,
                           const std::optional<std::string>& protocol,
                           const std::optional<std::string>& version) {
  static const char* const kNames[kCheckArguments] = {"status", "message", "sendVersionHeader",
                                                      "accept", "protocols", "version"};
  napi_value values[kCheckArguments];
  char buffer[28];
  checkArguments(env, check, acceptKeyFor(check, key, buffer), protocol, version, values);
  napi_value object;
  napi_create_object(env, &object);
  for (size_t i = 0; i < kCheckArguments; ++i) set(env, object, kNames[i], values[i]);
  return object;
}

}  // namespace uws::addon

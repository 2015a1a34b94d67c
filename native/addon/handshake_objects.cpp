#include "addon/handshake_objects.h"

#include <cmath>
#include <cstdlib>
#include <string_view>
#include <vector>

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

napi_value number(napi_env env, double n) {
  napi_value value;
  napi_create_double(env, n, &value);
  return value;
}

void set(napi_env env, napi_value object, const char* name, napi_value value) {
  napi_set_named_property(env, object, name, value);
}

// JS Number() of a header value: ws compares +version with 13 and 8.
double headerNumber(const std::optional<std::string>& text) {
  if (!text) return std::nan("");
  const char* begin = text->c_str();
  while (*begin == ' ' || *begin == '\t') ++begin;
  if (*begin == '\0') return 0;
  char* end = nullptr;
  const double value = std::strtod(begin, &end);
  while (*end == ' ' || *end == '\t') ++end;
  return *end == '\0' ? value : std::nan("");
}

}  // namespace

napi_value makeRequestObject(napi_env env, const core::HttpRequestParser& request,
                             const net::PeerInfo& peer) {
  napi_value object;
  napi_create_object(env, &object);
  set(env, object, "method", bytesString(env, request.method()));
  set(env, object, "url", bytesString(env, request.target()));
  const char version[4] = {static_cast<char>('0' + request.versionMajor()), '.',
                           static_cast<char>('0' + request.versionMinor()), '\0'};
  set(env, object, "httpVersion", string(env, version));
  napi_value rawHeaders;
  const size_t count = request.headerCount();
  napi_create_array_with_length(env, count * 2, &rawHeaders);
  for (size_t i = 0; i < count; ++i) {
    napi_set_element(env, rawHeaders, static_cast<uint32_t>(2 * i), bytesString(env, request.headerName(i)));
    napi_set_element(env, rawHeaders, static_cast<uint32_t>(2 * i + 1),
                     bytesString(env, request.headerValue(i)));
  }
  set(env, object, "rawHeaders", rawHeaders);
  set(env, object, "remoteAddress", string(env, peer.remoteAddress));
  set(env, object, "remotePort", number(env, peer.remotePort));
  set(env, object, "remoteFamily", string(env, peer.ipv6 ? "IPv6" : "IPv4"));
  set(env, object, "localAddress", string(env, peer.localAddress));
  set(env, object, "localPort", number(env, peer.localPort));
  return object;
}

napi_value makeCheckObject(napi_env env, const core::HandshakeCheck& check,
                           const std::optional<std::string>& key,
                           const std::optional<std::string>& protocol,
                           const std::optional<std::string>& version) {
  napi_value object;
  napi_create_object(env, &object);
  set(env, object, "status", number(env, check.status));
  set(env, object, "message", string(env, check.message ? check.message : ""));
  napi_value flag;
  napi_get_boolean(env, check.sendVersionHeader, &flag);
  set(env, object, "sendVersionHeader", flag);
  char accept[28];
  const bool keyValid = check.status == 0 && key;
  if (keyValid) core::computeAcceptKey(*key, accept);
  set(env, object, "accept", string(env, keyValid ? std::string_view(accept, 28) : std::string_view()));
  napi_value protocols;
  std::vector<std::string_view> parsed;
  if (!protocol) {
    napi_get_null(env, &protocols);
  } else if (!core::parseSubprotocols(*protocol, &parsed)) {
    napi_get_boolean(env, false, &protocols);
  } else {
    napi_create_array_with_length(env, parsed.size(), &protocols);
    for (size_t i = 0; i < parsed.size(); ++i) {
      napi_set_element(env, protocols, static_cast<uint32_t>(i), bytesString(env, parsed[i]));
    }
  }
  set(env, object, "protocols", protocols);
  set(env, object, "version", number(env, headerNumber(version)));
  return object;
}

}  // namespace uws::addon

// The JS objects that describe an upgrade request to lib/: the request
// (method, url, headers, peer) and the result of the handshake checks.
#pragma once

#include <node_api.h>

#include <optional>
#include <string>

#include "core/handshake.h"
#include "core/http_request_parser.h"
#include "net/connection_events.h"

namespace uws::addon {

// The upgrade request as the positional arguments of onUpgrade: method,
// url, httpVersion, rawHeaders, remoteAddress, remotePort, remoteFamily,
// localAddress, localPort (positional: no property-name lookups per
// connection; JS builds its objects with constant keys).
constexpr size_t kRequestArguments = 9;
void requestArguments(napi_env env, const core::HttpRequestParser& request, const net::PeerInfo& peer,
                      napi_value* out);

// The handshake checks as positional arguments: status, message,
// sendVersionHeader, accept, protocols, version (see lib/native.ts).
constexpr size_t kCheckArguments = 6;
void checkArguments(napi_env env, const core::HandshakeCheck& check, const std::optional<std::string>& key,
                    const std::optional<std::string>& protocol, const std::optional<std::string>& version,
                    napi_value* out);

// The same as an object (checkUpgrade, for requests Node parsed).
napi_value makeCheckObject(napi_env env, const core::HandshakeCheck& check,
                           const std::optional<std::string>& key,
                           const std::optional<std::string>& protocol,
                           const std::optional<std::string>& version);

}  // namespace uws::addon

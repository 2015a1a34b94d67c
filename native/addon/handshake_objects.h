// The JS objects that describe an upgrade request to lib/: the request
// (method, url, headers) and the result of the handshake checks. The
// connection's addresses are not among them: JS asks for them (peerInfo)
// only when something reads `req.socket`.
#pragma once

#include <node_api.h>

#include <optional>
#include <string>

#include "core/handshake.h"
#include "core/http_request_parser.h"
#include "net/connection_events.h"

namespace uws::addon {

// The upgrade request as the positional arguments of onUpgrade: method,
// url, httpVersion, rawHeaders, rawHeaderCount (positional: no
// property-name lookups per connection; JS builds its objects with constant
// keys). rawHeaders is one string, names and values separated by NUL (''
// without headers), split only if JS reads them; rawHeaderCount is the
// number of names and values.
constexpr size_t kRequestArguments = 5;
void requestArguments(napi_env env, const core::HttpRequestParser& request, napi_value* out);

// Both ends of a connection as an object (remoteAddress, remotePort,
// remoteFamily, localAddress, localPort), what lib/'s socket stand-in holds.
napi_value makePeerObject(napi_env env, const net::PeerInfo& peer);

// Sec-WebSocket-Accept, written into `out`, for a request that passed the
// checks; empty otherwise.
std::string_view acceptKeyFor(const core::HandshakeCheck& check, const std::optional<std::string>& key,
                              char out[28]);

// The handshake checks as positional arguments: status, message,
// sendVersionHeader, accept ('' when the checks failed), protocols, version
// (see lib/native.ts).
constexpr size_t kCheckArguments = 6;
void checkArguments(napi_env env, const core::HandshakeCheck& check, std::string_view accept,
                    const std::optional<std::string>& protocol, const std::optional<std::string>& version,
                    napi_value* out);

// The same as an object (checkUpgrade, for requests Node parsed).
napi_value makeCheckObject(napi_env env, const core::HandshakeCheck& check,
                           const std::optional<std::string>& key,
                           const std::optional<std::string>& protocol,
                           const std::optional<std::string>& version);

}  // namespace uws::addon

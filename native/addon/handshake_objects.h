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

napi_value makeRequestObject(napi_env env, const core::HttpRequestParser& request,
                             const net::PeerInfo& peer);

// { status, message, sendVersionHeader, accept, protocols, version }, see
// lib/native.ts HandshakeCheck.
napi_value makeCheckObject(napi_env env, const core::HandshakeCheck& check,
                           const std::optional<std::string>& key,
                           const std::optional<std::string>& protocol,
                           const std::optional<std::string>& version);

}  // namespace uws::addon

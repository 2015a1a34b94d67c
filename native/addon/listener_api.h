// Binding functions of the own listener and the handshake checks: listen,
// listenerAddress, closeListener, checkUpgrade.
#pragma once

#include <node_api.h>

namespace uws::addon {

void defineListenerApi(napi_env env, napi_value exports);

}  // namespace uws::addon

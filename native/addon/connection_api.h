// Binding functions on connections: accept, writeRaw, end, destroy, send,
// close, terminate, pause, resume, bufferedAmount, setFlushEvents.
#pragma once

#include <node_api.h>

namespace uws::addon {

void defineConnectionApi(napi_env env, napi_value exports);

}  // namespace uws::addon

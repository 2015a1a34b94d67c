// Module entry: creates the per-environment state, registers the teardown
// hook (a Worker that exits closes its sockets and frees everything) and
// exports the binding functions described in lib/native.ts.
#include <node_api.h>

#include "addon/addon_state.h"
#include "addon/connection_api.h"
#include "addon/js_args.h"
#include "addon/listener_api.h"

namespace uws::addon {

namespace {

napi_value init(napi_env env, napi_callback_info info) {
  Args args(env, info);
  AddonState* state = AddonState::from(env);
  static const char* const kNames[kCallbackCount] = {
      "onUpgrade",    "onMessage", "onPing",           "onPong",         "onCloseFrame",
      "onProtocolError", "onFlush", "onEnd",          "onTransportWrite", "onTransportEnd",
      "onTransportDestroy", "onPooledMessages"};
  for (int i = 0; i < kCallbackCount; ++i) {
    napi_value function;
    napi_valuetype type = napi_undefined;
    if (napi_get_named_property(env, args.argv[0], kNames[i], &function) == napi_ok) {
      napi_typeof(env, function, &type);
    }
    // The transport callbacks serve fed connections only.
    if (type != napi_function && i >= kOnTransportWrite && i <= kOnTransportDestroy) continue;
    if (type != napi_function) {
      napi_throw_type_error(env, nullptr, "uws: init() needs every callback of lib/native.ts");
      return nullptr;
    }
    state->setCallback(static_cast<Callback>(i), function);
  }
  return state->pooledArray();
}

// flushWrites(): process.exit() is under way. Hands the kernel what the
// cork buffer holds, which ws would already have written.
napi_value flushWrites(napi_env env, napi_callback_info info) {
  Args args(env, info);
  static_cast<AddonState*>(args.data)->context().cork().sendAll();
  return undefinedValue(env);
}

// batchesSyscalls(): whether this environment's sockets make their system
// calls in io_uring batches (tests; UWS_IO_URING=0 turns it off).
napi_value batchesSyscalls(napi_env env, napi_callback_info info) {
  Args args(env, info);
  return boolValue(env, static_cast<AddonState*>(args.data)->context().syscalls().usesRing());
}

void teardown(napi_async_cleanup_hook_handle handle, void* data) {
  static_cast<AddonState*>(data)->beginTeardown(handle);
}

napi_value moduleInit(napi_env env, napi_value exports) {
  // One state per environment; a second require() in the same environment
  // reuses it.
  if (!AddonState::from(env)) {
    auto* state = new AddonState(env);
    napi_set_instance_data(env, state, nullptr, nullptr);
    napi_add_async_cleanup_hook(env, teardown, state, nullptr);
  }
  const ExportedFunction functions[] = {
      {"init", init},
      {"flushWrites", flushWrites},
      {"batchesSyscalls", batchesSyscalls},
  };
  exportFunctions(env, exports, functions, AddonState::from(env));
  defineListenerApi(env, exports);
  defineConnectionApi(env, exports);
  return exports;
}

}  // namespace

}  // namespace uws::addon

NAPI_MODULE(NODE_GYP_MODULE_NAME, uws::addon::moduleInit)

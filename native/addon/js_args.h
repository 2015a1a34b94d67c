// Small helpers for reading the arguments of binding functions.
#pragma once

#include <node_api.h>

#include <cstddef>
#include <cstdint>
#include <string>

namespace uws::addon {

struct Args {
  static constexpr size_t kMax = 8;
  napi_value argv[kMax] = {};
  size_t argc = kMax;
  // The data the function was exported with (the environment's state):
  // saves an instance-data lookup per call.
  void* data = nullptr;

  Args(napi_env env, napi_callback_info info) {
    napi_get_cb_info(env, info, &argc, argv, nullptr, &data);
  }
};

double toNumber(napi_env env, napi_value value, double fallback = 0);
bool toBool(napi_env env, napi_value value);
std::string toString(napi_env env, napi_value value);
// One byte per char, as Node hands HTTP header values to JS.
std::string toLatin1(napi_env env, napi_value value);
double numberProperty(napi_env env, napi_value object, const char* name, double fallback);

// Bytes per element of a typed array type.
size_t typedArrayElementSize(napi_typedarray_type type);

// The bytes of a Buffer, TypedArray, DataView or ArrayBuffer; false if the
// value is none of them.
bool bytesOf(napi_env env, napi_value value, const uint8_t** data, size_t* length);

// A binding function and the name it is exported under.
struct ExportedFunction {
  const char* name;
  napi_callback function;
};

// Defines `functions` as enumerable methods of `exports`, each called with
// `data` (Args::data).
template <size_t N>
void exportFunctions(napi_env env, napi_value exports, const ExportedFunction (&functions)[N],
                     void* data) {
  napi_property_descriptor properties[N];
  for (size_t i = 0; i < N; ++i) {
    properties[i] = {functions[i].name, nullptr, functions[i].function, nullptr, nullptr, nullptr,
                     napi_enumerable, data};
  }
  napi_define_properties(env, exports, N, properties);
}

napi_value undefinedValue(napi_env env);
// The value a reference holds (null if it was collected).
napi_value referenceValue(napi_env env, napi_ref ref);
napi_value numberValue(napi_env env, double n);
napi_value boolValue(napi_env env, bool b);

}  // namespace uws::addon

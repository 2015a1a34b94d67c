#include "addon/js_args.h"

namespace uws::addon {

double toNumber(napi_env env, napi_value value, double fallback) {
  double n;
  return napi_get_value_double(env, value, &n) == napi_ok ? n : fallback;
}

bool toBool(napi_env env, napi_value value) {
  bool b = false;
  napi_get_value_bool(env, value, &b);
  return b;
}

std::string toString(napi_env env, napi_value value) {
  size_t length = 0;
  if (napi_get_value_string_utf8(env, value, nullptr, 0, &length) != napi_ok) return {};
  std::string text(length, '\0');
  napi_get_value_string_utf8(env, value, text.data(), length + 1, &length);
  return text;
}

std::string toLatin1(napi_env env, napi_value value) {
  size_t length = 0;
  if (napi_get_value_string_latin1(env, value, nullptr, 0, &length) != napi_ok) return {};
  std::string text(length, '\0');
  napi_get_value_string_latin1(env, value, text.data(), length + 1, &length);
  return text;
}

double numberProperty(napi_env env, napi_value object, const char* name, double fallback) {
  napi_value value;
  if (napi_get_named_property(env, object, name, &value) != napi_ok) return fallback;
  return toNumber(env, value, fallback);
}

size_t typedArrayElementSize(napi_typedarray_type type) {
  switch (type) {
    case napi_int16_array:
    case napi_uint16_array:
      return 2;
    case napi_int32_array:
    case napi_uint32_array:
    case napi_float32_array:
      return 4;
    case napi_float64_array:
    case napi_bigint64_array:
    case napi_biguint64_array:
      return 8;
    default:
      return 1;
  }
}

bool bytesOf(napi_env env, napi_value value, const uint8_t** data, size_t* length) {
  bool is = false;
  void* bytes = nullptr;
  if (napi_is_typedarray(env, value, &is) == napi_ok && is) {
    napi_typedarray_type type;
    size_t elements;
    napi_get_typedarray_info(env, value, &type, &elements, &bytes, nullptr, nullptr);
    *data = static_cast<const uint8_t*>(bytes);
    *length = elements * typedArrayElementSize(type);
    return true;
  }
  if (napi_is_dataview(env, value, &is) == napi_ok && is) {
    napi_get_dataview_info(env, value, length, &bytes, nullptr, nullptr);
    *data = static_cast<const uint8_t*>(bytes);
    return true;
  }
  if (napi_is_arraybuffer(env, value, &is) == napi_ok && is) {
    napi_get_arraybuffer_info(env, value, &bytes, length);
    *data = static_cast<const uint8_t*>(bytes);
    return true;
  }
  return false;
}

napi_value undefinedValue(napi_env env) {
  napi_value value;
  napi_get_undefined(env, &value);
  return value;
}

napi_value referenceValue(napi_env env, napi_ref ref) {
  napi_value value = nullptr;
  napi_get_reference_value(env, ref, &value);
  return value;
}

napi_value numberValue(napi_env env, double n) {
  napi_value value;
  napi_create_double(env, n, &value);
  return value;
}

napi_value boolValue(napi_env env, bool b) {
  napi_value value;
  napi_get_boolean(env, b, &value);
  return value;
}

}  // namespace uws::addon

// Node addon running the core's C++ unit tests: list() returns the test
// names, run(name) returns null on success or a string with the failures.
// node-addon-api's headers trip -Wshadow; they are not ours to fix.
#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wshadow"
#endif
#include <napi.h>
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif

#include <algorithm>
#include <exception>
#include <string>

#include "test/test_harness.h"

namespace {

Napi::Value List(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::vector<std::string> names;
  for (const auto& test : uws::test::registry()) names.emplace_back(test.name);
  std::sort(names.begin(), names.end());
  Napi::Array result = Napi::Array::New(env, names.size());
  for (size_t i = 0; i < names.size(); ++i) result.Set(static_cast<uint32_t>(i), Napi::String::New(env, names[i]));
  return result;
}

Napi::Value Run(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsString()) {
    throw Napi::TypeError::New(env, "run(name): name must be a string");
  }
  const std::string name = info[0].As<Napi::String>().Utf8Value();
  for (const auto& test : uws::test::registry()) {
    if (name != test.name) continue;
    uws::test::FailureLog& log = uws::test::failures();
    log = uws::test::FailureLog();
    try {
      test.function();
    } catch (const std::exception& e) {
      uws::test::recordFailure(__FILE__, __LINE__, std::string("exception: ") + e.what());
    } catch (...) {
      uws::test::recordFailure(__FILE__, __LINE__, "unknown exception");
    }
    if (log.count == 0) return env.Null();
    std::string text = std::to_string(log.count) + " check(s) failed\n" + log.text;
    if (log.count > 20) text += "...\n";
    return Napi::String::New(env, text);
  }
  throw Napi::Error::New(env, "no such test: " + name);
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("list", Napi::Function::New(env, List, "list"));
  exports.Set("run", Napi::Function::New(env, Run, "run"));
  return exports;
}

}  // namespace

NODE_API_MODULE(uws_core_tests, Init)

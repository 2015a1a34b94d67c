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
#include "test/test_util.h"
#include "core/handshake.h"
#include "core/http_request_parser.h"

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

// parse(buffer, options, step) -> the parser's events as strings (see
// Recorder in test_util.h); for differential testing against ws from JS.
Napi::Value Parse(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Buffer<uint8_t> input = info[0].As<Napi::Buffer<uint8_t>>();
  uws::core::FrameParserOptions options;
  if (info.Length() > 1 && info[1].IsObject()) {
    Napi::Object o = info[1].As<Napi::Object>();
    if (o.Has("isServer")) options.isServer = o.Get("isServer").ToBoolean();
    if (o.Has("allowRsv1")) options.allowRsv1 = o.Get("allowRsv1").ToBoolean();
    if (o.Has("skipUtf8Validation")) options.skipUtf8Validation = o.Get("skipUtf8Validation").ToBoolean();
    if (o.Has("maxPayload")) options.maxPayload = static_cast<uint64_t>(o.Get("maxPayload").ToNumber().Int64Value());
    if (o.Has("maxFragments")) options.maxFragments = o.Get("maxFragments").ToNumber().Uint32Value();
  }
  const size_t step = info.Length() > 2 ? static_cast<size_t>(info[2].ToNumber().Int64Value()) : 0;
  uws::test::Bytes bytes(input.Data(), input.Data() + input.Length());
  uws::core::FrameParserState state;
  uws::test::Recorder recorder;
  uws::test::feedInChunks(state, options, bytes, step, recorder);
  Napi::Array result = Napi::Array::New(env, recorder.events.size());
  for (size_t i = 0; i < recorder.events.size(); ++i) {
    const std::string& e = recorder.events[i];
    result.Set(static_cast<uint32_t>(i), Napi::Buffer<char>::Copy(env, e.data(), e.size()));
  }
  return result;
}

// httpParse(buffer, step) -> { status, consumed, errorStatus, method, target,
// version, headers: [name, value, ...] }; for differential testing against
// Node's HTTP parser from JS.
Napi::Value HttpParse(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Buffer<uint8_t> input = info[0].As<Napi::Buffer<uint8_t>>();
  size_t step = info.Length() > 1 ? static_cast<size_t>(info[1].ToNumber().Int64Value()) : 0;
  if (step == 0) step = input.Length() == 0 ? 1 : input.Length();
  uws::core::HttpRequestParser parser;
  uws::core::HttpRequestParser::Status status = uws::core::HttpRequestParser::Status::kNeedMore;
  size_t total = 0;
  for (size_t i = 0; i < input.Length(); i += step) {
    size_t consumed = 0;
    status = parser.feed(input.Data() + i, std::min(step, input.Length() - i), &consumed);
    total += consumed;
    if (status != uws::core::HttpRequestParser::Status::kNeedMore) break;
  }
  Napi::Object result = Napi::Object::New(env);
  const char* names[] = {"needMore", "complete", "error"};
  result.Set("status", names[static_cast<int>(status)]);
  result.Set("consumed", static_cast<double>(total));
  result.Set("errorStatus", parser.errorStatus());
  result.Set("reason", parser.errorReason());
  if (status == uws::core::HttpRequestParser::Status::kComplete) {
    auto latin1 = [&](std::string_view v) { return Napi::Buffer<char>::Copy(env, v.data(), v.size()); };
    result.Set("method", latin1(parser.method()));
    result.Set("target", latin1(parser.target()));
    result.Set("version", std::to_string(parser.versionMajor()) + "." + std::to_string(parser.versionMinor()));
    Napi::Array headers = Napi::Array::New(env, parser.headerCount() * 2);
    for (size_t i = 0; i < parser.headerCount(); ++i) {
      headers.Set(static_cast<uint32_t>(2 * i), Napi::Buffer<char>::Copy(env, parser.headerName(i).data(), parser.headerName(i).size()));
      headers.Set(static_cast<uint32_t>(2 * i + 1), Napi::Buffer<char>::Copy(env, parser.headerValue(i).data(), parser.headerValue(i).size()));
    }
    result.Set("headers", headers);
    result.Set("upgrade", uws::core::isUpgradeRequest(parser));
  }
  return result;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("list", Napi::Function::New(env, List, "list"));
  exports.Set("run", Napi::Function::New(env, Run, "run"));
  exports.Set("parse", Napi::Function::New(env, Parse, "parse"));
  exports.Set("httpParse", Napi::Function::New(env, HttpParse, "httpParse"));
  return exports;
}

}  // namespace

NODE_API_MODULE(uws_core_tests, Init)

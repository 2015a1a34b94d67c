// Helpers shared by the core tests: frame building and a recording handler.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "core/frame_parser.h"
#include "core/frame_writer.h"
#include "core/masking.h"

namespace uws::test {

using namespace uws::core;

using Bytes = std::vector<uint8_t>;

inline Bytes bytesOf(std::string_view s) { return Bytes(s.begin(), s.end()); }

inline std::string stringOf(const uint8_t* p, size_t n) { return std::string(reinterpret_cast<const char*>(p), n); }

inline void append(Bytes& out, const Bytes& more) { out.insert(out.end(), more.begin(), more.end()); }

constexpr uint8_t kTestMask[4] = {0x37, 0xFA, 0x21, 0x3D};

struct FrameSpec {
  bool fin = true;
  bool rsv1 = false;
  bool masked = true;  // client-to-server frames are masked
};

// A frame built with the core's writer (and masked with applyMask).
inline Bytes frame(Opcode opcode, std::string_view payload, FrameSpec spec = {}) {
  Bytes out(kMaxFrameHeaderSize + payload.size());
  const size_t h = writeFrameHeader(out.data(), opcode, spec.fin, spec.rsv1, payload.size(),
                                    spec.masked ? kTestMask : nullptr);
  std::memcpy(out.data() + h, payload.data(), payload.size());
  if (spec.masked) {
    uint32_t key;
    std::memcpy(&key, kTestMask, 4);
    applyMask(out.data() + h, out.data() + h, payload.size(), key, 0);
  }
  out.resize(h + payload.size());
  return out;
}

inline Bytes unmaskedFrame(Opcode opcode, std::string_view payload, bool fin = true) {
  FrameSpec spec;
  spec.fin = fin;
  spec.masked = false;
  return frame(opcode, payload, spec);
}

inline Bytes fragment(Opcode opcode, std::string_view payload, bool fin) {
  FrameSpec spec;
  spec.fin = fin;
  return frame(opcode, payload, spec);
}

// Records parser events as strings. Messages are reassembled so the event
// list does not depend on how the input was split; `pieces` also records
// every onMessageData call.
struct Recorder {
  std::vector<std::string> events;
  std::vector<std::string> pieces;
  std::string message;
  bool binary = false;
  bool stopped = false;  // error or close seen
  bool hasError = false;
  ProtocolError error{};
  size_t errors = 0;
  size_t stopAfterEvents = SIZE_MAX;  // return false once this many events were recorded

  bool keepGoing() const { return events.size() < stopAfterEvents; }

  bool onMessageStart(bool isBinary, bool compressed) {
    if (!message.empty()) events.push_back("BUG: message start while a message is in progress");
    binary = isBinary;
    message.clear();
    events.push_back(std::string("start ") + (isBinary ? "binary" : "text") + (compressed ? " compressed" : ""));
    return keepGoing();
  }
  bool onMessageData(uint8_t* data, size_t len, bool frameEnd, bool messageEnd) {
    message.append(reinterpret_cast<const char*>(data), len);
    pieces.push_back(stringOf(data, len) + (frameEnd ? " F" : "") + (messageEnd ? " M" : ""));
    if (messageEnd) {
      events.push_back("message " + message);
      message.clear();
      return keepGoing();
    }
    return true;
  }
  bool onPing(uint8_t* data, size_t len) {
    events.push_back("ping " + stringOf(data, len));
    return keepGoing();
  }
  bool onPong(uint8_t* data, size_t len) {
    events.push_back("pong " + stringOf(data, len));
    return keepGoing();
  }
  bool onClose(uint16_t code, uint8_t* reason, size_t reasonLength) {
    events.push_back("close " + std::to_string(code) + " " + stringOf(reason, reasonLength));
    stopped = true;
    return false;
  }
  void onProtocolError(const ProtocolError& e) {
    error = e;
    hasError = true;
    ++errors;
    stopped = true;
    events.push_back(std::string("error ") + e.code + " " + std::to_string(e.closeCode) + " " + e.message);
  }
};

// Feeds input in chunks of `step` bytes (0 = all at once), carrying the
// unconsumed bytes to the front of the next call like the transport does.
// Returns the number of input bytes fed when the parser stopped (error or
// close), or input.size(). maxCarry receives the largest unconsumed tail.
inline size_t feedInChunks(FrameParserState& state, const FrameParserOptions& options, const Bytes& input,
                           size_t step, Recorder& recorder, Bytes* leftover = nullptr, size_t* maxCarry = nullptr) {
  Bytes pending;
  size_t fed = 0;
  if (step == 0) step = input.size() == 0 ? 1 : input.size();
  while (fed < input.size()) {
    const size_t n = std::min(step, input.size() - fed);
    pending.insert(pending.end(), input.begin() + static_cast<std::ptrdiff_t>(fed),
                   input.begin() + static_cast<std::ptrdiff_t>(fed + n));
    fed += n;
    const size_t consumed = parseFrames(state, options, pending.data(), pending.size(), recorder);
    if (recorder.stopped) break;
    if (consumed > pending.size()) {
      recorder.events.push_back("BUG: consumed more than given");
      break;
    }
    pending.erase(pending.begin(), pending.begin() + static_cast<std::ptrdiff_t>(consumed));
    if (maxCarry != nullptr && pending.size() > *maxCarry) *maxCarry = pending.size();
  }
  if (leftover != nullptr) *leftover = pending;
  return fed;
}

inline std::vector<std::string> parseAll(const Bytes& input, FrameParserOptions options = {}, size_t step = 0) {
  FrameParserState state;
  Recorder recorder;
  feedInChunks(state, options, input, step, recorder);
  return recorder.events;
}

// The single error event a parse of input produces ("" if none).
inline std::string errorOf(const Bytes& input, FrameParserOptions options = {}) {
  const std::vector<std::string> events = parseAll(input, options);
  for (const std::string& e : events) {
    if (e.rfind("error ", 0) == 0) return e;
  }
  return "";
}

}  // namespace uws::test

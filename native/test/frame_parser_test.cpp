// Frame parser: rules, errors and streaming behaviour (ws 8.x receiver.js).
#include <string>
#include <vector>

#include "core/frame_parser.h"
#include "test/test_harness.h"
#include "test/test_util.h"

using namespace uws::core;
using namespace uws::test;

namespace {

using Events = std::vector<std::string>;

const char* kPrefix = "Invalid WebSocket frame: ";

Bytes raw(std::initializer_list<int> values) {
  Bytes out;
  for (int v : values) out.push_back(static_cast<uint8_t>(v));
  return out;
}

// A masked frame header with the given first byte and 7-bit length, zero
// mask key, followed by len zero payload bytes.
Bytes rawFrame(uint8_t b0, uint8_t len7, size_t payload = 0) {
  Bytes out = raw({b0, 0x80 | len7, 0, 0, 0, 0});
  out.resize(out.size() + payload, 0);
  return out;
}

std::string err(const char* code, int closeCode, const std::string& message) {
  return std::string("error ") + code + " " + std::to_string(closeCode) + " " + message;
}

FrameParserOptions clientOptions() {
  FrameParserOptions o;
  o.isServer = false;
  return o;
}

FrameParserOptions deflateOptions() {
  FrameParserOptions o;
  o.allowRsv1 = true;
  return o;
}

}  // namespace

UWS_TEST(frame_text_and_binary_messages) {
  Bytes in = frame(kText, "hello");
  append(in, frame(kBinary, std::string("\x00\x01\xff", 3)));
  CHECK_EQ(parseAll(in), (Events{"start text", "message hello", "start binary", std::string("message \x00\x01\xff", 11)}));
}

UWS_TEST(frame_ping_pong) {
  Bytes in = frame(kPing, "p1");
  append(in, frame(kPong, "p2"));
  append(in, frame(kPing, ""));
  append(in, frame(kPong, std::string(125, 'x')));
  CHECK_EQ(parseAll(in), (Events{"ping p1", "pong p2", "ping ", "pong " + std::string(125, 'x')}));
}

UWS_TEST(frame_pieces_report_frame_and_message_end) {
  Bytes in = fragment(kText, "ab", false);
  append(in, frame(kPing, "x"));
  append(in, fragment(kContinuation, "", false));
  append(in, fragment(kContinuation, "cd", true));
  FrameParserState state;
  Recorder r;
  const size_t consumed = parseFrames(state, FrameParserOptions(), in.data(), in.size(), r);
  CHECK_EQ(consumed, in.size());
  CHECK_EQ(r.events, (Events{"start text", "ping x", "message abcd"}));
  CHECK_EQ(r.pieces, (Events{"ab F", " F", "cd F M"}));
}

UWS_TEST(frame_empty_frames_and_messages) {
  Bytes in = frame(kText, "");
  append(in, frame(kBinary, ""));
  append(in, fragment(kBinary, "", false));
  append(in, fragment(kContinuation, "", false));
  append(in, fragment(kContinuation, "", true));
  FrameParserState state;
  Recorder r;
  CHECK_EQ(parseFrames(state, FrameParserOptions(), in.data(), in.size(), r), in.size());
  CHECK_EQ(r.events, (Events{"start text", "message ", "start binary", "message ", "start binary", "message "}));
  CHECK_EQ(r.pieces, (Events{" F M", " F M", " F", " F", " F M"}));
}

UWS_TEST(frame_lengths_7_16_64_bits) {
  for (size_t len : {size_t(0), size_t(1), size_t(125), size_t(126), size_t(127), size_t(65535), size_t(65536),
                     size_t(70000)}) {
    std::string payload(len, 'a');
    for (size_t i = 0; i < len; ++i) payload[i] = static_cast<char>('a' + i % 26);
    const Bytes in = frame(kBinary, payload);
    CHECK_EQ(in.size(), frameHeaderSize(len, true) + len);
    CHECK_EQ(parseAll(in), (Events{"start binary", "message " + payload}));
    FrameSpec unmasked;
    unmasked.masked = false;
    CHECK_EQ(parseAll(frame(kBinary, payload, unmasked), clientOptions()), (Events{"start binary", "message " + payload}));
  }
  // A 64-bit length used for a small payload is accepted (ws does not check minimal encoding).
  Bytes in = raw({0x82, 0x80 | 127, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 'a', 'b', 'c'});
  CHECK_EQ(parseAll(in), (Events{"start binary", "message abc"}));
  Bytes in16 = raw({0x82, 0x80 | 126, 0, 2, 0, 0, 0, 0, 'a', 'b'});
  CHECK_EQ(parseAll(in16), (Events{"start binary", "message ab"}));
}

UWS_TEST(frame_fragmented_with_interleaved_control_frames) {
  Bytes in = fragment(kBinary, "one", false);
  append(in, frame(kPing, "a"));
  append(in, fragment(kContinuation, "two", false));
  append(in, frame(kPong, "b"));
  append(in, frame(kPing, "c"));
  append(in, fragment(kContinuation, "three", true));
  append(in, frame(kText, "next"));
  CHECK_EQ(parseAll(in), (Events{"start binary", "ping a", "pong b", "ping c", "message onetwothree", "start text",
                                 "message next"}));
}

UWS_TEST(frame_split_at_every_boundary) {
  Bytes in = fragment(kText, "h\xc3\xa9llo ", false);
  append(in, frame(kPing, "ping!"));
  append(in, fragment(kContinuation, "w\xe2\x82\xac" "rld \xf0\x9f\x98\x80", true));
  append(in, frame(kBinary, std::string(300, 'b')));
  append(in, frame(kText, ""));
  append(in, frame(kPong, ""));
  append(in, frame(kBinary, std::string(70000, 'z')));
  append(in, frame(kClose, std::string("\x03\xe8" "bye", 5)));
  const Events expected = parseAll(in);
  CHECK_EQ(expected.size(), size_t(11));
  CHECK_EQ(expected.back(), std::string("close 1000 bye"));
  for (size_t step : {size_t(1), size_t(2), size_t(3), size_t(5), size_t(7), size_t(13), size_t(64), size_t(1000)}) {
    FrameParserState state;
    Recorder r;
    size_t maxCarry = 0;
    feedInChunks(state, FrameParserOptions(), in, step, r, nullptr, &maxCarry);
    CHECK_EQ(r.events, expected);
    CHECK(maxCarry <= 6 + 125);
  }
  // Split in two at every position.
  for (size_t cut = 0; cut <= in.size(); cut += (cut < 400 ? 1 : 997)) {
    FrameParserState state;
    Recorder r;
    Bytes first(in.begin(), in.begin() + static_cast<std::ptrdiff_t>(cut));
    size_t consumed = parseFrames(state, FrameParserOptions(), first.data(), first.size(), r);
    Bytes rest(first.begin() + static_cast<std::ptrdiff_t>(consumed), first.end());
    rest.insert(rest.end(), in.begin() + static_cast<std::ptrdiff_t>(cut), in.end());
    if (!r.stopped) parseFrames(state, FrameParserOptions(), rest.data(), rest.size(), r);
    CHECK_EQ(r.events, expected);
  }
}

UWS_TEST(frame_unconsumed_bytes) {
  FrameParserOptions options;
  FrameParserState state;
  Recorder r;
  // Incomplete header: nothing consumed.
  Bytes header = raw({0x82, 0x80 | 126, 0x01});
  CHECK_EQ(parseFrames(state, options, header.data(), header.size(), r), size_t(0));
  Bytes header64 = raw({0x82, 0x80 | 127, 0, 0, 0, 0, 0, 0, 0x01, 0x00, 0x11, 0x22});
  CHECK_EQ(parseFrames(state, options, header64.data(), header64.size(), r), size_t(0));
  // Incomplete control frame: the whole frame is left.
  Bytes text = frame(kText, "abc");
  Bytes ping = frame(kPing, "12345");
  Bytes in = text;
  in.insert(in.end(), ping.begin(), ping.end() - 1);
  CHECK_EQ(parseFrames(state, options, in.data(), in.size(), r), text.size());
  CHECK_EQ(r.events, (Events{"start text", "message abc"}));
  // Data payload is never held back, even one byte at a time.
  Bytes big = frame(kBinary, "0123456789");
  CHECK_EQ(parseFrames(state, options, big.data(), 9, r), size_t(9));  // header (6) + 3 bytes
  CHECK_EQ(r.pieces.back(), std::string("012"));
  CHECK_EQ(parseFrames(state, options, big.data() + 9, 1, r), size_t(1));
  CHECK_EQ(r.pieces.back(), std::string("3"));
  CHECK_EQ(parseFrames(state, options, big.data() + 10, big.size() - 10, r), big.size() - 10);
  CHECK_EQ(r.events.back(), std::string("message 0123456789"));
  CHECK_EQ(parseFrames(state, options, nullptr, 0, r), size_t(0));
  CHECK(!r.hasError);
}

UWS_TEST(frame_rsv_bits) {
  const std::string rsv23 = err("WS_ERR_UNEXPECTED_RSV_2_3", 1002, std::string(kPrefix) + "RSV2 and RSV3 must be clear");
  const std::string rsv1 = err("WS_ERR_UNEXPECTED_RSV_1", 1002, std::string(kPrefix) + "RSV1 must be clear");
  CHECK_EQ(errorOf(rawFrame(0x82 | 0x20, 0)), rsv23);
  CHECK_EQ(errorOf(rawFrame(0x82 | 0x10, 0)), rsv23);
  CHECK_EQ(errorOf(rawFrame(0x82 | 0x70, 0), deflateOptions()), rsv23);
  // RSV1 without permessage-deflate: checked before the opcode.
  CHECK_EQ(errorOf(rawFrame(0xC1, 0)), rsv1);
  CHECK_EQ(errorOf(rawFrame(0xC3, 0)), rsv1);
  CHECK_EQ(errorOf(rawFrame(0xC9, 0)), rsv1);
  CHECK_EQ(errorOf(rawFrame(0x49, 0)), rsv1);  // ping without FIN: RSV1 error comes first
  // With permessage-deflate: allowed on the first frame of a data message only.
  CHECK_EQ(parseAll(frame(kText, "zz", FrameSpec{true, true, true}), deflateOptions()),
           (Events{"start text compressed", "message zz"}));
  CHECK_EQ(parseAll(frame(kBinary, "zz", FrameSpec{true, true, true}), deflateOptions()),
           (Events{"start binary compressed", "message zz"}));
  Bytes in = frame(kText, "a", FrameSpec{false, true, true});
  append(in, frame(kContinuation, "b", FrameSpec{true, true, true}));
  CHECK_EQ(errorOf(in, deflateOptions()), rsv1);
  Bytes ok = frame(kText, "a", FrameSpec{false, true, true});
  append(ok, frame(kContinuation, "b", FrameSpec{true, false, true}));
  CHECK_EQ(parseAll(ok, deflateOptions()), (Events{"start text compressed", "message ab"}));
  CHECK_EQ(errorOf(frame(kPing, "a", FrameSpec{true, true, true}), deflateOptions()), rsv1);
  CHECK_EQ(errorOf(frame(kClose, "", FrameSpec{true, true, true}), deflateOptions()), rsv1);
  // Control frame without FIN and with RSV1: FIN error first.
  CHECK_EQ(errorOf(rawFrame(0x49, 0), deflateOptions()),
           err("WS_ERR_EXPECTED_FIN", 1002, std::string(kPrefix) + "FIN must be set"));
  // Reserved opcode with RSV1 and deflate: opcode error.
  CHECK_EQ(errorOf(rawFrame(0xC3, 0), deflateOptions()),
           err("WS_ERR_INVALID_OPCODE", 1002, std::string(kPrefix) + "invalid opcode 3"));
  // Continuation with RSV1 and no message: RSV1 error comes before the opcode error.
  CHECK_EQ(errorOf(rawFrame(0xC0, 0), deflateOptions()), rsv1);
}

UWS_TEST(frame_opcodes) {
  for (int op : {3, 4, 5, 6, 7, 11, 12, 13, 14, 15}) {
    CHECK_EQ(errorOf(rawFrame(static_cast<uint8_t>(0x80 | op), 0)),
             err("WS_ERR_INVALID_OPCODE", 1002, std::string(kPrefix) + "invalid opcode " + std::to_string(op)));
  }
  CHECK_EQ(errorOf(frame(kContinuation, "x")),
           err("WS_ERR_INVALID_OPCODE", 1002, std::string(kPrefix) + "invalid opcode 0"));
  Bytes in = fragment(kText, "a", false);
  append(in, frame(kText, "b"));
  CHECK_EQ(errorOf(in), err("WS_ERR_INVALID_OPCODE", 1002, std::string(kPrefix) + "invalid opcode 1"));
  Bytes in2 = fragment(kBinary, "a", false);
  append(in2, frame(kBinary, "b"));
  CHECK_EQ(errorOf(in2), err("WS_ERR_INVALID_OPCODE", 1002, std::string(kPrefix) + "invalid opcode 2"));
  // After a complete message a continuation is invalid again.
  Bytes in3 = fragment(kBinary, "a", false);
  append(in3, fragment(kContinuation, "b", true));
  append(in3, frame(kContinuation, "c"));
  CHECK_EQ(parseAll(in3), (Events{"start binary", "message ab",
                                  err("WS_ERR_INVALID_OPCODE", 1002, std::string(kPrefix) + "invalid opcode 0")}));
  // Errors carry the expected metadata.
  FrameParserState state;
  Recorder r;
  Bytes bad = rawFrame(0x85, 0);
  parseFrames(state, FrameParserOptions(), bad.data(), bad.size(), r);
  CHECK(r.hasError);
  CHECK(r.error.kind == ProtocolErrorKind::kInvalidOpcode);
  CHECK(r.error.isRangeError);
  CHECK_EQ(r.error.closeCode, 1002);
  CHECK_EQ(r.errors, size_t(1));
}

UWS_TEST(frame_errors_are_raised_on_the_first_two_bytes) {
  // ws checks the first two bytes as soon as they arrive.
  Bytes two = raw({0x83, 0x80 | 126});
  FrameParserState state;
  Recorder r;
  parseFrames(state, FrameParserOptions(), two.data(), two.size(), r);
  CHECK(r.hasError);
  Bytes one = raw({0x83});
  FrameParserState state2;
  Recorder r2;
  CHECK_EQ(parseFrames(state2, FrameParserOptions(), one.data(), one.size(), r2), size_t(0));
  CHECK(!r2.hasError);
}

UWS_TEST(frame_control_frame_rules) {
  CHECK_EQ(errorOf(rawFrame(0x09, 0)), err("WS_ERR_EXPECTED_FIN", 1002, std::string(kPrefix) + "FIN must be set"));
  CHECK_EQ(errorOf(rawFrame(0x08, 0)), err("WS_ERR_EXPECTED_FIN", 1002, std::string(kPrefix) + "FIN must be set"));
  CHECK_EQ(errorOf(rawFrame(0x0A, 0)), err("WS_ERR_EXPECTED_FIN", 1002, std::string(kPrefix) + "FIN must be set"));
  const std::string code = "WS_ERR_INVALID_CONTROL_PAYLOAD_LENGTH";
  CHECK_EQ(errorOf(raw({0x89, 0x80 | 126, 0, 126})),
           err(code.c_str(), 1002, std::string(kPrefix) + "invalid payload length 126"));
  CHECK_EQ(errorOf(raw({0x8A, 0x80 | 127})), err(code.c_str(), 1002, std::string(kPrefix) + "invalid payload length 127"));
  CHECK_EQ(errorOf(raw({0x88, 0x80 | 126})), err(code.c_str(), 1002, std::string(kPrefix) + "invalid payload length 126"));
  CHECK_EQ(errorOf(rawFrame(0x88, 1, 1)), err(code.c_str(), 1002, std::string(kPrefix) + "invalid payload length 1"));
  CHECK_EQ(parseAll(frame(kPing, std::string(125, 'p'))), (Events{"ping " + std::string(125, 'p')}));
  // Ping with length 1 is fine.
  CHECK_EQ(parseAll(frame(kPing, "1")), (Events{"ping 1"}));
}

UWS_TEST(frame_mask_rules) {
  CHECK_EQ(errorOf(unmaskedFrame(kText, "a")),
           err("WS_ERR_EXPECTED_MASK", 1002, std::string(kPrefix) + "MASK must be set"));
  CHECK_EQ(errorOf(unmaskedFrame(kPing, "")), err("WS_ERR_EXPECTED_MASK", 1002, std::string(kPrefix) + "MASK must be set"));
  CHECK_EQ(errorOf(frame(kText, "a"), clientOptions()),
           err("WS_ERR_UNEXPECTED_MASK", 1002, std::string(kPrefix) + "MASK must be clear"));
  CHECK_EQ(errorOf(frame(kClose, ""), clientOptions()),
           err("WS_ERR_UNEXPECTED_MASK", 1002, std::string(kPrefix) + "MASK must be clear"));
  Bytes in = unmaskedFrame(kText, "hi", false);
  append(in, unmaskedFrame(kPing, "p"));
  append(in, unmaskedFrame(kContinuation, "!"));
  append(in, unmaskedFrame(kClose, std::string("\x0f\xa0", 2)));
  CHECK_EQ(parseAll(in, clientOptions(), 1), (Events{"start text", "ping p", "message hi!", "close 4000 "}));
  // Opcode errors come before mask errors (ws order).
  CHECK_EQ(errorOf(unmaskedFrame(kContinuation, "")),
           err("WS_ERR_INVALID_OPCODE", 1002, std::string(kPrefix) + "invalid opcode 0"));
  // A zero mask key works.
  Bytes zero = raw({0x81, 0x82, 0, 0, 0, 0, 'o', 'k'});
  CHECK_EQ(parseAll(zero), (Events{"start text", "message ok"}));
}

UWS_TEST(frame_64bit_length_limit) {
  FrameParserOptions unlimited;
  unlimited.maxPayload = 0;
  const std::string tooBig = err("WS_ERR_UNSUPPORTED_DATA_PAYLOAD_LENGTH", 1009,
                                 "Unsupported WebSocket frame: payload length > 2^53 - 1");
  // 2^53
  CHECK_EQ(errorOf(raw({0x82, 0x80 | 127, 0, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}), unlimited), tooBig);
  CHECK_EQ(errorOf(raw({0x82, 0x80 | 127, 0x80, 0, 0, 0, 0, 0, 0, 0}), unlimited), tooBig);
  // Raised as soon as the length bytes are here, before the mask key.
  CHECK_EQ(errorOf(raw({0x82, 0x80 | 127, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}), unlimited), tooBig);
  // 2^53 - 1 is accepted.
  Bytes ok = raw({0x82, 0x80 | 127, 0, 0x1f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 'a', 'b'});
  FrameParserState state;
  Recorder r;
  CHECK_EQ(parseFrames(state, unlimited, ok.data(), ok.size(), r), ok.size());
  CHECK(!r.hasError);
  CHECK_EQ(r.events, (Events{"start binary"}));
  CHECK_EQ(r.pieces, (Events{"ab"}));
  CHECK_EQ(state.remaining, (uint64_t(1) << 53) - 3);
  // With the default maxPayload the same frame is too big for the limit.
  CHECK_EQ(errorOf(ok), err("WS_ERR_UNSUPPORTED_MESSAGE_LENGTH", 1009, "Max payload size exceeded"));
}

UWS_TEST(frame_max_payload) {
  FrameParserOptions options;
  options.maxPayload = 10;
  const std::string exceeded = err("WS_ERR_UNSUPPORTED_MESSAGE_LENGTH", 1009, "Max payload size exceeded");
  CHECK_EQ(parseAll(frame(kBinary, "0123456789"), options), (Events{"start binary", "message 0123456789"}));
  CHECK_EQ(errorOf(frame(kBinary, "0123456789a"), options), exceeded);
  Bytes in = fragment(kText, "01234", false);
  append(in, fragment(kContinuation, "56789", true));
  append(in, frame(kText, "0123456789"));  // the count restarts with each message
  CHECK_EQ(parseAll(in, options), (Events{"start text", "message 0123456789", "start text", "message 0123456789"}));
  Bytes over = fragment(kText, "01234", false);
  append(over, fragment(kContinuation, "", false));
  append(over, fragment(kContinuation, "56789a", true));
  FrameParserState state;
  Recorder r;
  feedInChunks(state, options, over, 1, r);
  CHECK_EQ(r.events, (Events{"start text", exceeded}));
  // The error comes with the header, before any byte of that frame's payload.
  CHECK_EQ(r.pieces, (Events{"0", "1", "2", "3", "4 F", " F"}));
  // Control frames do not count.
  options.maxPayload = 1;
  Bytes control = fragment(kText, "a", false);
  append(control, frame(kPing, "ping"));
  append(control, fragment(kContinuation, "", true));
  CHECK_EQ(parseAll(control, options), (Events{"start text", "ping ping", "message a"}));
  // 0 = no limit.
  options.maxPayload = 0;
  CHECK_EQ(parseAll(frame(kBinary, std::string(200000, 'x')), options).size(), size_t(2));
}

UWS_TEST(frame_max_fragments) {
  FrameParserOptions options;
  options.maxFragments = 3;
  const std::string tooMany = err("WS_ERR_TOO_MANY_BUFFERED_PARTS", 1008, "Too many message fragments");
  Bytes in = fragment(kBinary, "a", false);
  append(in, frame(kPing, "1"));
  append(in, fragment(kContinuation, "", false));
  append(in, fragment(kContinuation, "c", true));
  append(in, fragment(kBinary, "d", false));
  append(in, fragment(kContinuation, "e", false));
  append(in, fragment(kContinuation, "f", true));
  CHECK_EQ(parseAll(in, options), (Events{"start binary", "ping 1", "message ac", "start binary", "message def"}));
  Bytes over = fragment(kBinary, "a", false);
  append(over, fragment(kContinuation, "b", false));
  append(over, fragment(kContinuation, "c", false));
  append(over, fragment(kContinuation, "d", true));
  CHECK_EQ(parseAll(over, options), (Events{"start binary", tooMany}));
  Bytes ok = fragment(kBinary, "a", false);
  for (int i = 0; i < 98; ++i) append(ok, fragment(kContinuation, "", false));
  append(ok, fragment(kContinuation, "z", true));
  options.maxFragments = 100;
  CHECK_EQ(parseAll(ok, options), (Events{"start binary", "message az"}));
  options.maxFragments = 99;
  CHECK_EQ(parseAll(ok, options), (Events{"start binary", tooMany}));
  options.maxFragments = 0;
  CHECK_EQ(parseAll(ok, options), (Events{"start binary", "message az"}));
  // maxPayload is checked before maxFragments.
  options.maxFragments = 1;
  options.maxPayload = 1;
  Bytes both = fragment(kBinary, "a", false);
  append(both, fragment(kContinuation, "b", true));
  CHECK_EQ(parseAll(both, options),
           (Events{"start binary", err("WS_ERR_UNSUPPORTED_MESSAGE_LENGTH", 1009, "Max payload size exceeded")}));
}

UWS_TEST(frame_close_frames) {
  CHECK_EQ(parseAll(frame(kClose, "")), (Events{"close 1005 "}));
  CHECK_EQ(parseAll(frame(kClose, std::string("\x03\xe8", 2))), (Events{"close 1000 "}));
  CHECK_EQ(parseAll(frame(kClose, std::string("\x03\xe9" "going \xc3\xa9", 10))), (Events{"close 1001 going \xc3\xa9"}));
  for (int code : {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000, 4999}) {
    std::string payload{static_cast<char>(code >> 8), static_cast<char>(code & 0xff)};
    CHECK_EQ(parseAll(frame(kClose, payload)), (Events{"close " + std::to_string(code) + " "}));
  }
  for (int code : {0, 999, 1004, 1005, 1006, 1015, 1016, 2000, 2999, 5000, 65535}) {
    std::string payload{static_cast<char>(code >> 8), static_cast<char>(code & 0xff)};
    CHECK_EQ(errorOf(frame(kClose, payload)), err("WS_ERR_INVALID_CLOSE_CODE", 1002,
                                                   std::string(kPrefix) + "invalid status code " + std::to_string(code)));
  }
  const std::string utf8 = err("WS_ERR_INVALID_UTF8", 1007, std::string(kPrefix) + "invalid UTF-8 sequence");
  CHECK_EQ(errorOf(frame(kClose, std::string("\x03\xe8\xff", 3))), utf8);
  CHECK_EQ(errorOf(frame(kClose, std::string("\x03\xe8" "ab\xc3", 5))), utf8);  // truncated sequence
  // Invalid code is reported before invalid UTF-8.
  CHECK_EQ(errorOf(frame(kClose, std::string("\x03\xed\xff", 3))),
           err("WS_ERR_INVALID_CLOSE_CODE", 1002, std::string(kPrefix) + "invalid status code 1005"));
  FrameParserOptions skip;
  skip.skipUtf8Validation = true;
  CHECK_EQ(parseAll(frame(kClose, std::string("\x03\xe8\xff", 3)), skip), (Events{"close 1000 \xff"}));
  // Max reason length.
  const std::string reason(123, 'r');
  CHECK_EQ(parseAll(frame(kClose, std::string("\x03\xe8", 2) + reason)), (Events{"close 1000 " + reason}));
  // Close between fragments, and nothing is parsed after the close frame.
  Bytes in = fragment(kText, "a", false);
  append(in, frame(kClose, std::string("\x03\xe8", 2)));
  append(in, frame(kPing, "after"));
  FrameParserState state;
  Recorder r;
  const size_t consumed = parseFrames(state, FrameParserOptions(), in.data(), in.size(), r);
  CHECK_EQ(r.events, (Events{"start text", "close 1000 "}));
  CHECK_EQ(consumed, in.size() - frame(kPing, "after").size());
  // Error metadata.
  FrameParserState s2;
  Recorder r2;
  Bytes bad = frame(kClose, std::string("\x03\xe8\xff", 3));
  parseFrames(s2, FrameParserOptions(), bad.data(), bad.size(), r2);
  CHECK(r2.hasError);
  CHECK(!r2.error.isRangeError);
  CHECK(r2.error.kind == ProtocolErrorKind::kInvalidUtf8);
}

UWS_TEST(frame_handler_false_stops_parsing) {
  Bytes in = frame(kPing, "1");
  append(in, frame(kPing, "2"));
  append(in, frame(kText, "abc"));
  append(in, frame(kPong, "3"));
  for (size_t stopAt = 1; stopAt <= 4; ++stopAt) {
    FrameParserState state;
    Recorder r;
    r.stopAfterEvents = stopAt;
    parseFrames(state, FrameParserOptions(), in.data(), in.size(), r);
    CHECK_EQ(r.events.size(), stopAt);
  }
  // onMessageData returning false (at message end) stops too.
  FrameParserState state;
  Recorder r;
  r.stopAfterEvents = 2;
  Bytes two = frame(kText, "a");
  append(two, frame(kText, "b"));
  const size_t consumed = parseFrames(state, FrameParserOptions(), two.data(), two.size(), r);
  CHECK_EQ(r.events, (Events{"start text", "message a"}));
  CHECK_EQ(consumed, frame(kText, "a").size());
}

UWS_TEST(frame_utf8_valid_text) {
  const std::string text = "ascii \xc2\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf \xef\xbf\xbf end";
  Bytes in = frame(kText, text);
  for (size_t step : {size_t(0), size_t(1), size_t(2), size_t(3)}) {
    CHECK_EQ(parseAll(in, FrameParserOptions(), step), (Events{"start text", "message " + text}));
  }
  // A multi-byte character split across fragments is fine.
  Bytes frag = fragment(kText, "a\xe2", false);
  append(frag, frame(kPing, ""));
  append(frag, fragment(kContinuation, "\x82", false));
  append(frag, fragment(kContinuation, "", false));
  append(frag, fragment(kContinuation, "\xac" "b", true));
  CHECK_EQ(parseAll(frag, FrameParserOptions(), 1), (Events{"start text", "ping ", "message a\xe2\x82\xac" "b"}));
}

UWS_TEST(frame_utf8_fail_fast) {
  const std::string bad = err("WS_ERR_INVALID_UTF8", 1007, std::string(kPrefix) + "invalid UTF-8 sequence");
  struct Case {
    std::string payload;
    size_t badIndex;  // payload byte whose arrival makes the text invalid
  };
  const std::vector<Case> cases = {
      {"\xff" "abcdef", 0},
      {"abc\xc0\x80" "def", 3},          // overlong: C0 is never valid
      {"abc\xe0\x80\x80" "def", 4},      // overlong 3-byte
      {"abc\xed\xa0\x80" "def", 4},      // surrogate
      {"abc\xf4\x90\x80\x80" "d", 4},    // above U+10FFFF
      {"abcdefghijklmnop\x80", 16},      // stray continuation at the end
      {"abc\xe2\x82" "d", 5},            // sequence interrupted
      {"abcdefghijklmnopqrstu\xf5", 21},
  };
  for (const Case& c : cases) {
    const Bytes in = frame(kText, c.payload);
    const size_t header = in.size() - c.payload.size();
    FrameParserState state;
    Recorder r;
    const size_t fed = feedInChunks(state, FrameParserOptions(), in, 1, r);
    CHECK_EQ(r.events, (Events{"start text", bad}));
    CHECK_EQ(fed, header + c.badIndex + 1);
    // Bytes of the bad piece are not delivered.
    std::string delivered;
    for (const std::string& p : r.pieces) delivered += p;
    CHECK_EQ(delivered, c.payload.substr(0, c.badIndex));
    // All at once: error too, and nothing delivered.
    FrameParserState s2;
    Recorder r2;
    Bytes copy = in;
    parseFrames(s2, FrameParserOptions(), copy.data(), copy.size(), r2);
    CHECK_EQ(r2.events, (Events{"start text", bad}));
    CHECK(r2.pieces.empty());
  }
}

UWS_TEST(frame_utf8_across_fragments) {
  const std::string bad = err("WS_ERR_INVALID_UTF8", 1007, std::string(kPrefix) + "invalid UTF-8 sequence");
  // Bad byte at the start of a continuation frame, right after a pending lead byte.
  Bytes in = fragment(kText, "ok\xe2\x82", false);
  append(in, fragment(kContinuation, "Xrest", true));
  const size_t firstFrame = fragment(kText, "ok\xe2\x82", false).size();
  FrameParserState state;
  Recorder r;
  const size_t fed = feedInChunks(state, FrameParserOptions(), in, 1, r);
  CHECK_EQ(r.events, (Events{"start text", bad}));
  CHECK_EQ(fed, firstFrame + 6 + 1);  // the 'X' right after the second header
  // Error raised in the middle of a non-final fragment, without waiting for the end.
  Bytes mid = fragment(kText, "abc\xff" "defgh", false);
  FrameParserState s2;
  Recorder r2;
  const size_t fed2 = feedInChunks(s2, FrameParserOptions(), mid, 1, r2);
  CHECK_EQ(r2.events, (Events{"start text", bad}));
  CHECK_EQ(fed2, size_t(6 + 4));
  // Incomplete sequence at message end.
  CHECK_EQ(errorOf(frame(kText, "abc\xe2\x82")), bad);
  CHECK_EQ(errorOf(frame(kText, "\xf0")), bad);
  Bytes endFrag = fragment(kText, "a\xf0\x9f", false);
  append(endFrag, fragment(kContinuation, "\x98", false));
  append(endFrag, fragment(kContinuation, "", true));
  CHECK_EQ(parseAll(endFrag), (Events{"start text", bad}));
  // ... but not at the end of a non-final fragment.
  CHECK_EQ(parseAll(fragment(kText, "\xf0\x9f", false)), (Events{"start text"}));
  // Binary messages are not validated.
  CHECK_EQ(parseAll(frame(kBinary, "\xff\xfe")), (Events{"start binary", "message \xff\xfe"}));
  // The validator restarts with each message.
  Bytes two = frame(kBinary, "\xe2");
  append(two, frame(kText, "ok"));
  CHECK_EQ(parseAll(two), (Events{"start binary", "message \xe2", "start text", "message ok"}));
}

UWS_TEST(frame_utf8_skipped_when_compressed_or_disabled) {
  FrameParserOptions skip;
  skip.skipUtf8Validation = true;
  CHECK_EQ(parseAll(frame(kText, "\xff\xe2"), skip), (Events{"start text", "message \xff\xe2"}));
  CHECK_EQ(parseAll(frame(kText, "\xff", FrameSpec{true, true, true}), deflateOptions()),
           (Events{"start text compressed", "message \xff"}));
  // A compressed message followed by an uncompressed one: validation is back on.
  Bytes in = frame(kText, "\xff", FrameSpec{true, true, true});
  append(in, frame(kText, "\xff"));
  CHECK_EQ(parseAll(in, deflateOptions()),
           (Events{"start text compressed", "message \xff", "start text",
                   err("WS_ERR_INVALID_UTF8", 1007, std::string(kPrefix) + "invalid UTF-8 sequence")}));
}

UWS_TEST(frame_state_is_small_and_resettable) {
  CHECK(sizeof(FrameParserState) <= 40);
  FrameParserState state;
  Recorder r;
  Bytes in = fragment(kText, "abc", false);
  parseFrames(state, FrameParserOptions(), in.data(), in.size() - 1, r);
  CHECK(state.remaining != 0);
  state.reset();
  CHECK_EQ(state.remaining, uint64_t(0));
  CHECK_EQ(state.messageOpcode, 0);
  Bytes next = frame(kBinary, "x");
  Recorder r2;
  parseFrames(state, FrameParserOptions(), next.data(), next.size(), r2);
  CHECK_EQ(r2.events, (Events{"start binary", "message x"}));
}

UWS_TEST(frame_error_messages) {
  struct Case {
    ProtocolErrorKind kind;
    uint64_t detail;
    const char* code;
    int closeCode;
    bool range;
    const char* message;
  };
  const Case cases[] = {
      {ProtocolErrorKind::kUnexpectedRsv23, 0, "WS_ERR_UNEXPECTED_RSV_2_3", 1002, true,
       "Invalid WebSocket frame: RSV2 and RSV3 must be clear"},
      {ProtocolErrorKind::kUnexpectedRsv1, 0, "WS_ERR_UNEXPECTED_RSV_1", 1002, true,
       "Invalid WebSocket frame: RSV1 must be clear"},
      {ProtocolErrorKind::kInvalidOpcode, 5, "WS_ERR_INVALID_OPCODE", 1002, true,
       "Invalid WebSocket frame: invalid opcode 5"},
      {ProtocolErrorKind::kExpectedFin, 0, "WS_ERR_EXPECTED_FIN", 1002, true, "Invalid WebSocket frame: FIN must be set"},
      {ProtocolErrorKind::kInvalidControlPayloadLength, 126, "WS_ERR_INVALID_CONTROL_PAYLOAD_LENGTH", 1002, true,
       "Invalid WebSocket frame: invalid payload length 126"},
      {ProtocolErrorKind::kExpectedMask, 0, "WS_ERR_EXPECTED_MASK", 1002, true,
       "Invalid WebSocket frame: MASK must be set"},
      {ProtocolErrorKind::kUnexpectedMask, 0, "WS_ERR_UNEXPECTED_MASK", 1002, true,
       "Invalid WebSocket frame: MASK must be clear"},
      {ProtocolErrorKind::kUnsupportedDataPayloadLength, 0, "WS_ERR_UNSUPPORTED_DATA_PAYLOAD_LENGTH", 1009, true,
       "Unsupported WebSocket frame: payload length > 2^53 - 1"},
      {ProtocolErrorKind::kMaxPayloadExceeded, 0, "WS_ERR_UNSUPPORTED_MESSAGE_LENGTH", 1009, true,
       "Max payload size exceeded"},
      {ProtocolErrorKind::kTooManyFragments, 0, "WS_ERR_TOO_MANY_BUFFERED_PARTS", 1008, true,
       "Too many message fragments"},
      {ProtocolErrorKind::kInvalidCloseCode, 1004, "WS_ERR_INVALID_CLOSE_CODE", 1002, true,
       "Invalid WebSocket frame: invalid status code 1004"},
      {ProtocolErrorKind::kInvalidUtf8, 0, "WS_ERR_INVALID_UTF8", 1007, false,
       "Invalid WebSocket frame: invalid UTF-8 sequence"},
  };
  for (const Case& c : cases) {
    const ProtocolError e = makeProtocolError(c.kind, c.detail);
    CHECK(e.kind == c.kind);
    CHECK_EQ(std::string(e.code), std::string(c.code));
    CHECK_EQ(static_cast<int>(e.closeCode), c.closeCode);
    CHECK_EQ(e.isRangeError, c.range);
    CHECK_EQ(std::string(e.message), std::string(c.message));
  }
}

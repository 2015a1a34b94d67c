#include "selftest.hpp"

#include <cstdio>
#include <cstring>
#include <string>

#include "base64.hpp"
#include "frame.hpp"
#include "handshake.hpp"
#include "payload.hpp"
#include "sha1.hpp"

namespace {

int g_failures = 0;

void check(bool condition, const char* what) {
  if (!condition) {
    std::fprintf(stderr, "selftest FAILED: %s\n", what);
    ++g_failures;
  }
}

std::string hex(const uint8_t* data, size_t length) {
  static const char digits[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < length; ++i) {
    out += digits[data[i] >> 4];
    out += digits[data[i] & 15];
  }
  return out;
}

}  // namespace

int run_selftest() {
  // FIPS 180 examples.
  auto abc = sha1("abc", 3);
  check(hex(abc.data(), 20) == "a9993e364706816aba3e25717850c26c9cd0d89d", "sha1(abc)");
  const char* two_blocks = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
  auto long_digest = sha1(two_blocks, std::strlen(two_blocks));
  check(hex(long_digest.data(), 20) == "84983e441c3bd26ebaae4aa1f95129e5e54670f1", "sha1(448 bits)");
  auto empty = sha1("", 0);
  check(hex(empty.data(), 20) == "da39a3ee5e6b4b0d3255bfef95601890afd80709", "sha1(empty)");

  // RFC 4648 section 10.
  check(base64_encode(reinterpret_cast<const uint8_t*>("foob"), 4) == "Zm9vYg==", "base64 foob");
  check(base64_encode(reinterpret_cast<const uint8_t*>("fooba"), 5) == "Zm9vYmE=", "base64 fooba");
  check(base64_encode(reinterpret_cast<const uint8_t*>("foobar"), 6) == "Zm9vYmFy", "base64 foobar");

  // RFC 6455 section 1.3.
  check(compute_accept("dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", "accept of RFC example");

  std::string response =
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n";
  check(check_handshake_response(response, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=").status == HandshakeStatus::Accepted,
        "accept a valid 101");
  check(check_handshake_response(response, "wrong").status == HandshakeStatus::Rejected,
        "reject a wrong accept");
  check(check_handshake_response("HTTP/1.1 400 Bad\r\n\r\n", "x").status == HandshakeStatus::Rejected,
        "reject 400");
  check(check_handshake_response("HTTP/1.1 101 Sw", "x").status == HandshakeStatus::Incomplete,
        "incomplete head");

  // A masked frame of each length encoding decodes back to the same header.
  for (size_t length : {size_t(5), size_t(126), size_t(70000)}) {
    PayloadPattern pattern(length, true);
    uint8_t tag[PayloadPattern::kTagLength];
    pattern.make_tag(7, 9, tag);
    std::vector<uint8_t> frame;
    append_masked_frame(frame, opcode::kBinary, pattern.parts(tag), 0x11223344);
    FrameHeader header = decode_frame_header(frame.data());
    check(header.fin && header.masked && header.opcode == opcode::kBinary, "frame flags");
    check(header.payload_length == length, "frame length");
    check(frame.size() == header.header_length + length, "frame size");
    // Unmask and compare with the expected message.
    const uint8_t* key = frame.data() + header.header_length - 4;
    std::vector<uint8_t> payload(frame.begin() + long(header.header_length), frame.end());
    for (size_t i = 0; i < payload.size(); ++i) payload[i] ^= key[i % 4];
    check(pattern.matches(tag, 0, payload.data(), payload.size()), "masked payload round trip");
    payload[payload.size() - 1] ^= 1;
    check(!pattern.matches(tag, 0, payload.data(), payload.size()), "corruption detected");
  }

  if (g_failures == 0) std::printf("{\"selftest\":\"ok\"}\n");
  return g_failures == 0 ? 0 : 1;
}

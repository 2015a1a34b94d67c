// Client side of the RFC 6455 opening handshake: builds the upgrade request
// and checks the server's 101 response, including Sec-WebSocket-Accept.
#pragma once

#include <cstdint>
#include <string>

struct HandshakeRequest {
  std::string text;             // bytes to send
  std::string expected_accept;  // base64(sha1(key + GUID))
};

// `nonce` supplies the 16 random bytes of Sec-WebSocket-Key.
HandshakeRequest build_handshake_request(const std::string& host_header,
                                         const uint8_t nonce[16]);

// Outcome of looking at the bytes received so far.
enum class HandshakeStatus { Incomplete, Accepted, Rejected };

struct HandshakeResult {
  HandshakeStatus status = HandshakeStatus::Incomplete;
  size_t header_length = 0;  // bytes of the response head, incl. CRLFCRLF
  std::string reason;        // why it was rejected
};

// Response heads larger than this are rejected (a test server never needs more).
constexpr size_t kMaxResponseHead = 16 * 1024;

HandshakeResult check_handshake_response(const std::string& received,
                                         const std::string& expected_accept);

// Exposed for the self-test: the RFC 6455 section 1.3 example.
std::string compute_accept(const std::string& key);

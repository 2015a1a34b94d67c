#include "handshake.hpp"

#include <cctype>

#include "base64.hpp"
#include "sha1.hpp"

namespace {

const char kWebSocketGuid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

std::string lower(std::string s) {
  for (char& c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string trim(const std::string& s) {
  size_t begin = s.find_first_not_of(" \t");
  if (begin == std::string::npos) return "";
  size_t end = s.find_last_not_of(" \t");
  return s.substr(begin, end - begin + 1);
}

// True if the comma-separated header value contains `token` (case-insensitive).
bool has_token(const std::string& value, const std::string& token) {
  size_t start = 0;
  while (start <= value.size()) {
    size_t comma = value.find(',', start);
    if (comma == std::string::npos) comma = value.size();
    if (lower(trim(value.substr(start, comma - start))) == token) return true;
    start = comma + 1;
  }
  return false;
}

}  // namespace

std::string compute_accept(const std::string& key) {
  std::string input = key + kWebSocketGuid;
  auto digest = sha1(input.data(), input.size());
  return base64_encode(digest.data(), digest.size());
}

HandshakeRequest build_handshake_request(const std::string& host_header,
                                         const uint8_t nonce[16]) {
  std::string key = base64_encode(nonce, 16);
  HandshakeRequest request;
  request.text =
      "GET / HTTP/1.1\r\n"
      "Host: " + host_header + "\r\n"
      "Upgrade: websocket\r\n"
      "Connection: Upgrade\r\n"
      "Sec-WebSocket-Key: " + key + "\r\n"
      "Sec-WebSocket-Version: 13\r\n"
      "\r\n";
  request.expected_accept = compute_accept(key);
  return request;
}

HandshakeResult check_handshake_response(const std::string& received,
                                         const std::string& expected_accept) {
  HandshakeResult result;
  size_t end = received.find("\r\n\r\n");
  if (end == std::string::npos) {
    if (received.size() > kMaxResponseHead) {
      result.status = HandshakeStatus::Rejected;
      result.reason = "response head too large";
    }
    return result;
  }
  result.header_length = end + 4;
  result.status = HandshakeStatus::Rejected;

  size_t line_end = received.find("\r\n");
  std::string status_line = received.substr(0, line_end);
  if (status_line.compare(0, 13, "HTTP/1.1 101 ") != 0 && status_line != "HTTP/1.1 101") {
    result.reason = "expected 101, got: " + status_line.substr(0, 80);
    return result;
  }

  bool upgrade_ok = false, connection_ok = false, accept_ok = false;
  size_t pos = line_end + 2;
  while (pos < end) {
    size_t next = received.find("\r\n", pos);
    std::string line = received.substr(pos, next - pos);
    pos = next + 2;
    size_t colon = line.find(':');
    if (colon == std::string::npos) {
      result.reason = "malformed header line";
      return result;
    }
    std::string name = lower(trim(line.substr(0, colon)));
    std::string value = trim(line.substr(colon + 1));
    if (name == "upgrade") {
      upgrade_ok = lower(value) == "websocket";
    } else if (name == "connection") {
      connection_ok = has_token(value, "upgrade");
    } else if (name == "sec-websocket-accept") {
      accept_ok = value == expected_accept;
      if (!accept_ok) {
        result.reason = "wrong Sec-WebSocket-Accept: " + value;
        return result;
      }
    } else if (name == "sec-websocket-extensions") {
      // We offered none; RFC 6455 section 4.1 says fail the connection.
      result.reason = "server chose an extension that was not offered: " + value;
      return result;
    } else if (name == "sec-websocket-protocol") {
      result.reason = "server chose a subprotocol that was not offered";
      return result;
    }
  }
  if (!upgrade_ok) result.reason = "missing or wrong Upgrade header";
  else if (!connection_ok) result.reason = "missing Connection: upgrade";
  else if (!accept_ok) result.reason = "missing Sec-WebSocket-Accept";
  else result.status = HandshakeStatus::Accepted;
  return result;
}

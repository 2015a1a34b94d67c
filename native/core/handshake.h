// The server side of the WebSocket opening handshake, with the checks, order
// and messages of ws 8.x (websocket-server.js handleUpgrade) and the
// responses Node's HTTP server and ws write.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/http_request_parser.h"

namespace uws::core {

// What makes Node emit 'upgrade' instead of 'request': the Connection header
// holds the token "upgrade" (case-insensitive, comma-separated list, any of
// its lines) and an Upgrade header with a non-empty value is present.
bool isUpgradeRequest(const HttpRequestParser& request);

struct HandshakeCheck {
  int status = 0;                  // 0 = valid, else 405 or 400
  const char* message = nullptr;   // ws message (also the response body)
  bool sendVersionHeader = false;  // add "Sec-WebSocket-Version: 13, 8"
};

// The headers of an upgrade request the handshake reads, joined as Node
// shows them (joinedHeader): read once, in one pass, for the check and JS.
struct UpgradeHeaders {
  std::optional<std::string> upgrade;
  std::optional<std::string> key;
  std::optional<std::string> version;
  std::optional<std::string> protocol;
};
UpgradeHeaders readUpgradeHeaders(const HttpRequestParser& request);

// ws handleUpgrade order: method, Upgrade, Sec-WebSocket-Key,
// Sec-WebSocket-Version.
HandshakeCheck checkUpgradeRequest(const HttpRequestParser& request, const UpgradeHeaders& headers);
HandshakeCheck checkUpgradeHeaders(std::string_view method, const std::optional<std::string>& upgrade,
                                   const std::optional<std::string>& key,
                                   const std::optional<std::string>& version);

// JS Number(text): what ws compares with 13 and 8 (+req.headers[...]).
double jsNumber(std::string_view text);

// ws subprotocol.parse: false on any violation (bad character, empty
// element, duplicate). The views point into header.
bool parseSubprotocols(std::string_view header, std::vector<std::string_view>* protocols);

// base64(SHA-1(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")): 28 chars, no NUL.
void computeAcceptKey(std::string_view key, char out[28]);

// The 101 head ws writes when no 'headers' listener changed it: status
// line, Upgrade, Connection, Sec-WebSocket-Accept and, when `protocol` is
// not empty, Sec-WebSocket-Protocol.
std::string upgradeResponse(std::string_view accept, std::string_view protocol);

// What Node's HTTP server writes on a client error before closing:
// "HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n" (431, 408 alike).
std::string clientErrorResponse(int status);

// Node's HTTP server answers an HTTP/1.1 request without a Host header with
// 400 (requireHostHeader, on by default) instead of passing it on; upgrade
// requests are not checked. lacksRequiredHost tells whether the request is
// such a request (HTTP/1.1, no Host header); missingHostResponse is Node's
// exact answer (httpDate as for upgradeRequiredResponse), then it closes.
bool lacksRequiredHost(const HttpRequestParser& request);
std::string missingHostResponse(std::string_view httpDate = {});

// ws's answer to a request that is not an upgrade (426). httpDate, when not
// empty, is put in a Date header where Node puts it (see formatHttpDate).
// keepAlive false: "Connection: close" (HTTP/1.0 requests, or a body we do
// not read), and the caller closes after it.
std::string upgradeRequiredResponse(std::string_view httpDate = {}, bool keepAlive = true);

// ws abortHandshake for a failed check: status line, Connection: close,
// Content-Type: text/html, Content-Length, [Sec-WebSocket-Version: 13, 8],
// then the message as body.
std::string handshakeErrorResponse(const HandshakeCheck& check);

// RFC 7231 IMF-fixdate ("Thu, 01 Jan 1970 00:00:00 GMT", 29 chars, no NUL)
// of a Unix time in seconds, like Node's Date header.
void formatHttpDate(int64_t unixSeconds, char out[29]);

// Reason phrase Node uses for a status code (http.STATUS_CODES), "Unknown"
// for codes not listed here.
const char* httpStatusText(int status);

}  // namespace uws::core

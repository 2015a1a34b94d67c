// Handshake checks (ws handleUpgrade order), accept key, subprotocols and
// the canned HTTP responses.
#include <optional>
#include <string>
#include <vector>

#include "core/handshake.h"
#include "core/http_request_parser.h"
#include "test/test_harness.h"

using namespace uws::core;

namespace {

using Opt = std::optional<std::string>;

const char* kKey = "dGhlIHNhbXBsZSBub25jZQ==";

HandshakeCheck check(std::string_view method, Opt upgrade, Opt key, Opt version) {
  return checkUpgradeHeaders(method, upgrade, key, version);
}

int versionStatus(const char* version) { return check("GET", "websocket", kKey, std::string(version)).status; }

bool parseRequest(HttpRequestParser& parser, const std::string& input) {
  size_t consumed = 0;
  return parser.feed(reinterpret_cast<const uint8_t*>(input.data()), input.size(), &consumed) ==
         HttpRequestParser::Status::kComplete;
}

std::vector<std::string> subprotocols(std::string_view header, bool* ok) {
  std::vector<std::string_view> views;
  *ok = parseSubprotocols(header, &views);
  return std::vector<std::string>(views.begin(), views.end());
}

}  // namespace

UWS_TEST(handshake_accept_key_rfc6455_example) {
  char out[28];
  computeAcceptKey("dGhlIHNhbXBsZSBub25jZQ==", out);
  CHECK_EQ(std::string(out, 28), std::string("s3pPLMBiTxaQ9kYGzzhZRbK+xOo="));  // RFC 6455 section 1.3
  computeAcceptKey("x3JJHMbDL1EzLkh9GBhXDw==", out);
  CHECK_EQ(std::string(out, 28), std::string("HSmrc0sMlYUkAGmm5OPpG2HaGWk="));
}

UWS_TEST(handshake_checks_in_ws_order) {
  HandshakeCheck ok = check("GET", "websocket", kKey, "13");
  CHECK_EQ(ok.status, 0);
  CHECK(ok.message == nullptr);
  CHECK_EQ(check("GET", "WebSocket", kKey, "8").status, 0);
  // Method first, even if everything else is wrong too.
  HandshakeCheck m = check("POST", std::nullopt, std::nullopt, std::nullopt);
  CHECK_EQ(m.status, 405);
  CHECK_EQ(std::string(m.message), std::string("Invalid HTTP method"));
  CHECK(!m.sendVersionHeader);
  CHECK_EQ(check("get", "websocket", kKey, "13").status, 405);
  // Upgrade.
  for (const Opt& upgrade : {Opt(), Opt(""), Opt("websocket, h2c"), Opt("web socket"), Opt(" websocket")}) {
    HandshakeCheck u = check("GET", upgrade, std::nullopt, std::nullopt);
    CHECK_EQ(u.status, 400);
    CHECK_EQ(std::string(u.message), std::string("Invalid Upgrade header"));
  }
  // Key.
  for (const Opt& key : {Opt(), Opt(""), Opt("dGhlIHNhbXBsZSBub25jZQ="), Opt("dGhlIHNhbXBsZSBub25jZQ==="),
                         Opt("dGhlIHNhbXBsZSBub25jZ-=="), Opt("dGhlIHNhbXBsZSBub25jZQ=a"),
                         Opt("dGhlIHNhbXBsZSBub25jZQ==, dGhlIHNhbXBsZSBub25jZQ==")}) {
    HandshakeCheck k = check("GET", "websocket", key, std::nullopt);
    CHECK_EQ(k.status, 400);
    CHECK_EQ(std::string(k.message), std::string("Missing or invalid Sec-WebSocket-Key header"));
  }
  CHECK_EQ(check("GET", "websocket", "++++++++++++++++++++//==", "13").status, 0);
  // Version.
  HandshakeCheck v = check("GET", "websocket", kKey, std::nullopt);
  CHECK_EQ(v.status, 400);
  CHECK_EQ(std::string(v.message), std::string("Missing or invalid Sec-WebSocket-Version header"));
  CHECK(v.sendVersionHeader);
}

UWS_TEST(handshake_version_uses_js_number_semantics) {
  for (const char* good : {"13", "8", " 13 ", "\t13", "13.0", "13.", "+13", "013", "0013", "1.3e1", "1.3E+1", "130e-1",
                           ".8e1", "8.000", "0xd", "0XD", "0x0d", "0o15", "0b1101", "0b1000", "13\xa0"}) {
    if (versionStatus(good) != 0) ::uws::test::recordFailure(__FILE__, __LINE__, std::string("rejected ") + ::uws::test::show(good));
  }
  for (const char* bad : {"", " ", "12", "14", "7", "9", "-13", "13, 8", "13,13", "13a", "0x", "0xg", "+0xd", "0o18",
                          "0b2", "Infinity", "NaN", "1 3", "13e", "e13", ".", "13..", "thirteen", "0x1p3", "13\xc2\xa0"}) {
    if (versionStatus(bad) != 400) ::uws::test::recordFailure(__FILE__, __LINE__, std::string("accepted ") + ::uws::test::show(bad));
  }
}

UWS_TEST(handshake_check_parsed_request) {
  HttpRequestParser parser;
  CHECK(parseRequest(parser,
                     "GET / HTTP/1.1\r\nConnection: keep-alive, Upgrade\r\nUpgrade: websocket\r\n"
                     "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"));
  CHECK(isUpgradeRequest(parser));
  CHECK_EQ(checkUpgradeRequest(parser, readUpgradeHeaders(parser)).status, 0);

  HttpRequestParser dupVersion;
  CHECK(parseRequest(dupVersion,
                     "GET / HTTP/1.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
                     "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
                     "Sec-WebSocket-Version: 8\r\n\r\n"));
  HandshakeCheck c = checkUpgradeRequest(dupVersion, readUpgradeHeaders(dupVersion));
  CHECK_EQ(c.status, 400);
  CHECK(c.sendVersionHeader);

  HttpRequestParser dupUpgrade;
  CHECK(parseRequest(dupUpgrade, "GET / HTTP/1.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nUpgrade: websocket\r\n\r\n"));
  CHECK(isUpgradeRequest(dupUpgrade));
  CHECK_EQ(std::string(checkUpgradeRequest(dupUpgrade, readUpgradeHeaders(dupUpgrade)).message), std::string("Invalid Upgrade header"));

  HttpRequestParser post;
  CHECK(parseRequest(post, "POST / HTTP/1.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n"));
  CHECK(isUpgradeRequest(post));
  CHECK_EQ(checkUpgradeRequest(post, readUpgradeHeaders(post)).status, 405);
}

UWS_TEST(handshake_is_upgrade_request) {
  struct Case {
    const char* headers;
    bool upgrade;
  };
  const Case cases[] = {
      {"Connection: Upgrade\r\nUpgrade: websocket\r\n", true},
      {"connection: upgrade\r\nupgrade: foo\r\n", true},
      {"Connection: keep-alive, Upgrade\r\nUpgrade: websocket\r\n", true},
      {"Connection: keep-alive,upgrade\r\nUpgrade: websocket\r\n", true},
      {"Connection: ,upgrade,\r\nUpgrade: websocket\r\n", true},
      {"Connection: close, upgrade \r\nUpgrade: websocket\r\n", true},
      {"Connection: foo\r\nConnection: upgrade\r\nUpgrade: websocket\r\n", true},
      {"Connection: upgradex\r\nUpgrade: websocket\r\n", false},
      {"Connection:\t upgrade\r\nUpgrade: websocket\r\n", true},
      {"Connection: foo,\tupgrade ,x\r\nUpgrade: websocket\r\n", true},
      {"Connection: upgrade\t\r\nUpgrade: websocket\r\n", false},  // llhttp: no HTAB after the token
      {"Connection: upgrade \t, x\r\nUpgrade: websocket\r\n", false},
      {"Connection: upgrade\r\nUpgrade: \t\r\nUpgrade: x\r\n", true},
      {"Connection: upgrade\r\nUpgrades: websocket\r\n", false},
      {"Connection: x upgrade\r\nUpgrade: websocket\r\n", false},
      {"Connection: Upgrade\r\n", false},
      {"Upgrade: websocket\r\n", false},
      {"Connection: Upgrade\r\nUpgrade:\r\n", false},
      {"", false},
  };
  for (const Case& c : cases) {
    HttpRequestParser parser;
    CHECK(parseRequest(parser, std::string("GET / HTTP/1.1\r\nHost: x\r\n") + c.headers + "\r\n"));
    if (isUpgradeRequest(parser) != c.upgrade) ::uws::test::recordFailure(__FILE__, __LINE__, std::string("wrong for ") + ::uws::test::show(c.headers));
  }
}

UWS_TEST(handshake_subprotocols) {
  bool ok = false;
  CHECK_EQ(subprotocols("foo", &ok), (std::vector<std::string>{"foo"}));
  CHECK(ok);
  CHECK_EQ(subprotocols("foo,bar,baz", &ok), (std::vector<std::string>{"foo", "bar", "baz"}));
  CHECK(ok);
  CHECK_EQ(subprotocols("foo , bar,\tbaz\t,  qux", &ok), (std::vector<std::string>{"foo", "bar", "baz", "qux"}));
  CHECK(ok);
  CHECK_EQ(subprotocols("chat.v1!#$%&'*+-.^_`|~", &ok), (std::vector<std::string>{"chat.v1!#$%&'*+-.^_`|~"}));
  CHECK(ok);
  for (const char* bad : {"", " ", " foo", "\tfoo", "foo ", "foo,", "foo, ", ",foo", "foo,,bar", "foo bar", "foo, bar baz",
                          "foo;bar", "fo\"o", "foo/bar", "foo,foo", "a, b, a", "f\xc3\xa9", "foo,\xff"}) {
    std::vector<std::string_view> out;
    if (parseSubprotocols(bad, &out)) ::uws::test::recordFailure(__FILE__, __LINE__, std::string("accepted ") + ::uws::test::show(bad));
  }
  // Case-sensitive: not duplicates.
  CHECK_EQ(subprotocols("foo,FOO", &ok), (std::vector<std::string>{"foo", "FOO"}));
  CHECK(ok);
}

UWS_TEST(handshake_responses) {
  CHECK_EQ(clientErrorResponse(400), std::string("HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n"));
  CHECK_EQ(clientErrorResponse(431),
           std::string("HTTP/1.1 431 Request Header Fields Too Large\r\nConnection: close\r\n\r\n"));
  CHECK_EQ(clientErrorResponse(408), std::string("HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n"));
  CHECK_EQ(upgradeRequiredResponse(),
           std::string("HTTP/1.1 426 Upgrade Required\r\nContent-Length: 16\r\nContent-Type: text/plain\r\n"
                       "Connection: keep-alive\r\nKeep-Alive: timeout=5\r\n\r\nUpgrade Required"));
  CHECK_EQ(upgradeRequiredResponse("Thu, 26 Nov 2026 03:31:15 GMT"),
           std::string("HTTP/1.1 426 Upgrade Required\r\nContent-Length: 16\r\nContent-Type: text/plain\r\n"
                       "Date: Thu, 26 Nov 2026 03:31:15 GMT\r\n"
                       "Connection: keep-alive\r\nKeep-Alive: timeout=5\r\n\r\nUpgrade Required"));
  HandshakeCheck version = check("GET", "websocket", kKey, "7");
  CHECK_EQ(handshakeErrorResponse(version),
           std::string("HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Type: text/html\r\n"
                       "Content-Length: 47\r\nSec-WebSocket-Version: 13, 8\r\n\r\n"
                       "Missing or invalid Sec-WebSocket-Version header"));
  HandshakeCheck method = check("PUT", "websocket", kKey, "13");
  CHECK_EQ(handshakeErrorResponse(method),
           std::string("HTTP/1.1 405 Method Not Allowed\r\nConnection: close\r\nContent-Type: text/html\r\n"
                       "Content-Length: 19\r\n\r\nInvalid HTTP method"));
  HandshakeCheck plain;
  plain.status = 401;
  CHECK_EQ(handshakeErrorResponse(plain),
           std::string("HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Type: text/html\r\n"
                       "Content-Length: 12\r\n\r\nUnauthorized"));
  CHECK_EQ(std::string(httpStatusText(101)), std::string("Switching Protocols"));
  CHECK_EQ(std::string(httpStatusText(426)), std::string("Upgrade Required"));
}

UWS_TEST(handshake_missing_host) {
  struct Case {
    const char* request;
    bool lacks;
  };
  const Case cases[] = {
      {"GET / HTTP/1.1\r\n\r\n", true},
      {"GET / HTTP/1.1\r\nX: y\r\n\r\n", true},
      {"GET / HTTP/1.1\r\nHost:\r\n\r\n", false},
      {"GET / HTTP/1.1\r\nhOST: a\r\n\r\n", false},
      {"GET / HTTP/1.0\r\n\r\n", false},
      {"GET / HTTP/2.0\r\n\r\n", false},
      {"GET /\r\n\r\n", false},
  };
  for (const Case& c : cases) {
    HttpRequestParser parser;
    CHECK(parseRequest(parser, c.request));
    if (lacksRequiredHost(parser) != c.lacks) ::uws::test::recordFailure(__FILE__, __LINE__, std::string("wrong for ") + ::uws::test::show(c.request));
  }
  CHECK_EQ(missingHostResponse(), std::string("HTTP/1.1 400 Bad Request\r\nConnection: close\r\n"
                                              "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n"));
  CHECK_EQ(missingHostResponse("Thu, 26 Nov 2026 03:46:26 GMT"),
           std::string("HTTP/1.1 400 Bad Request\r\nConnection: close\r\nDate: Thu, 26 Nov 2026 03:46:26 GMT\r\n"
                       "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n"));
}

UWS_TEST(handshake_http_date) {
  char out[29];
  formatHttpDate(0, out);
  CHECK_EQ(std::string(out, 29), std::string("Thu, 01 Jan 1970 00:00:00 GMT"));
  formatHttpDate(1798255875, out);
  CHECK_EQ(std::string(out, 29), std::string("Sat, 26 Dec 2026 03:31:15 GMT"));
  formatHttpDate(951782400, out);  // leap day
  CHECK_EQ(std::string(out, 29), std::string("Tue, 29 Feb 2000 00:00:00 GMT"));
  formatHttpDate(1709251199, out);
  CHECK_EQ(std::string(out, 29), std::string("Thu, 29 Feb 2024 23:59:59 GMT"));
  formatHttpDate(4102444800, out);
  CHECK_EQ(std::string(out, 29), std::string("Fri, 01 Jan 2100 00:00:00 GMT"));
}

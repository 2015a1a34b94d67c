// HTTP request-head parser. Accept/reject cases were checked against Node 20's
// HTTP server (llhttp 9, strict mode).
#include <string>
#include <vector>

#include "core/http_request_parser.h"
#include "test/test_harness.h"

using namespace uws::core;

namespace {

using Status = HttpRequestParser::Status;

const uint8_t* bytes(const std::string& s) { return reinterpret_cast<const uint8_t*>(s.data()); }

struct Result {
  Status status;
  size_t consumed;  // total bytes consumed over all calls
  int errorStatus;
};

Result parse(HttpRequestParser& parser, const std::string& input, size_t step = 0) {
  if (step == 0) step = input.empty() ? 1 : input.size();
  size_t total = 0;
  Status status = Status::kNeedMore;
  for (size_t i = 0; i < input.size(); i += step) {
    const size_t n = std::min(step, input.size() - i);
    size_t consumed = 0;
    status = parser.feed(bytes(input) + i, n, &consumed);
    total += consumed;
    if (status != Status::kNeedMore) break;
  }
  return {status, total, parser.errorStatus()};
}

int statusOf(const std::string& input) {
  HttpRequestParser parser;
  Result r = parse(parser, input);
  if (r.status == Status::kComplete) return 0;
  if (r.status == Status::kNeedMore) return -1;
  return r.errorStatus;
}

const std::string kUpgrade =
    "GET /chat?x=1 HTTP/1.1\r\n"
    "Host: example.com\r\n"
    "Upgrade: websocket\r\n"
    "Connection: Upgrade\r\n"
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
    "Sec-WebSocket-Version: 13\r\n"
    "X-Spaces: \t  padded value \t \r\n"
    "X-Empty:\r\n"
    "\r\n";

}  // namespace

UWS_TEST(http_parses_upgrade_request) {
  HttpRequestParser parser;
  Result r = parse(parser, kUpgrade);
  CHECK(r.status == Status::kComplete);
  CHECK_EQ(r.consumed, kUpgrade.size());
  CHECK_EQ(parser.method(), std::string_view("GET"));
  CHECK_EQ(parser.target(), std::string_view("/chat?x=1"));
  CHECK_EQ(parser.versionMajor(), 1);
  CHECK_EQ(parser.versionMinor(), 1);
  CHECK_EQ(parser.headerCount(), size_t(7));
  CHECK_EQ(parser.headerName(0), std::string_view("Host"));
  CHECK_EQ(parser.headerValue(0), std::string_view("example.com"));
  CHECK_EQ(parser.headerName(3), std::string_view("Sec-WebSocket-Key"));
  CHECK_EQ(parser.headerValue(3), std::string_view("dGhlIHNhbXBsZSBub25jZQ=="));
  CHECK_EQ(parser.headerValue(5), std::string_view("padded value"));
  CHECK_EQ(parser.headerName(6), std::string_view("X-Empty"));
  CHECK_EQ(parser.headerValue(6), std::string_view(""));
  CHECK_EQ(parser.joinedHeader("x-empty"), std::optional<std::string>(""));
  CHECK_EQ(parser.joinedHeader("sec-websocket-version"), std::optional<std::string>("13"));
  CHECK_EQ(parser.joinedHeader("upgrade"), std::optional<std::string>("websocket"));
  CHECK_EQ(parser.joinedHeader("missing"), std::optional<std::string>());
}

UWS_TEST(http_one_byte_at_a_time_and_pipelined_bytes) {
  const std::string frames = "\x81\x85\x01\x02\x03\x04 more frame bytes";
  const std::string input = kUpgrade + frames;
  for (size_t step : {size_t(1), size_t(2), size_t(7), size_t(100), input.size()}) {
    HttpRequestParser parser;
    size_t total = 0;
    Status status = Status::kNeedMore;
    size_t i = 0;
    for (; i < input.size(); i += step) {
      const size_t n = std::min(step, input.size() - i);
      size_t consumed = 0;
      status = parser.feed(bytes(input) + i, n, &consumed);
      total += consumed;
      if (status != Status::kNeedMore) {
        CHECK(status == Status::kComplete);
        // Bytes of this call after the head were not consumed.
        CHECK_EQ(i + consumed, kUpgrade.size());
        break;
      }
      CHECK_EQ(consumed, n);
    }
    CHECK(status == Status::kComplete);
    CHECK_EQ(total, kUpgrade.size());
    CHECK_EQ(parser.joinedHeader("sec-websocket-key"), std::optional<std::string>("dGhlIHNhbXBsZSBub25jZQ=="));
    CHECK_EQ(parser.headerValue(5), std::string_view("padded value"));
    // Further calls consume nothing.
    size_t consumed = 99;
    CHECK(parser.feed(bytes(frames), frames.size(), &consumed) == Status::kComplete);
    CHECK_EQ(consumed, size_t(0));
  }
}

UWS_TEST(http_duplicate_headers_joined_like_node) {
  HttpRequestParser parser;
  const std::string input =
      "GET / HTTP/1.1\r\n"
      "Host: a\r\nhost: b\r\n"
      "Upgrade: websocket\r\nUPGRADE: h2c\r\n"
      "Cookie: a=1\r\ncookie: b=2\r\n"
      "Sec-WebSocket-Key: k1\r\nSec-WebSocket-Key: k2\r\n"
      "User-Agent: ua1\r\nUser-Agent: ua2\r\n"
      "Sec-WebSocket-Protocol: a\r\nSec-WebSocket-Protocol: b, c\r\n"
      "Content-Type: x\r\nContent-Type: y\r\n"
      "\r\n";
  CHECK(parse(parser, input).status == Status::kComplete);
  CHECK_EQ(parser.joinedHeader("host"), std::optional<std::string>("a"));
  CHECK_EQ(parser.joinedHeader("upgrade"), std::optional<std::string>("websocket, h2c"));
  CHECK_EQ(parser.joinedHeader("cookie"), std::optional<std::string>("a=1; b=2"));
  CHECK_EQ(parser.joinedHeader("sec-websocket-key"), std::optional<std::string>("k1, k2"));
  CHECK_EQ(parser.joinedHeader("user-agent"), std::optional<std::string>("ua1"));
  CHECK_EQ(parser.joinedHeader("sec-websocket-protocol"), std::optional<std::string>("a, b, c"));
  CHECK_EQ(parser.joinedHeader("content-type"), std::optional<std::string>("x"));
  CHECK_EQ(parser.headerCount(), size_t(14));
  CHECK_EQ(parser.headerName(1), std::string_view("host"));  // names kept as sent
}

UWS_TEST(http_accepts_like_llhttp) {
  const std::vector<std::string> accepted = {
      "GET / HTTP/1.1\r\n\r\n",
      "GET / HTTP/1.0\r\nHost: x\r\n\r\n",
      "GET / HTTP/2.0\r\nHost: x\r\n\r\n",
      "GET / HTTP/0.9\r\nHost: x\r\n\r\n",
      "GET /\r\nHost: x\r\n\r\n",                       // HTTP/0.9 request line
      "GET /\nHost: x\r\n\r\n",                         // ... may end with a bare LF
      "GET  / HTTP/1.1\r\nHost: x\r\n\r\n",             // several spaces
      "GET /  HTTP/1.1\r\nHost: x\r\n\r\n",
      "\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n",      // empty lines before the request line
      "\n\nGET / HTTP/1.1\r\nHost: x\r\n\r\n",
      "\r\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n",
      "GET /a{|}\"<>^`\\b?x=%zz#frag HTTP/1.1\r\nHost: x\r\n\r\n",
      "GET * HTTP/1.1\r\nHost: x\r\n\r\n",
      "GET http://a.b/c HTTP/1.1\r\nHost: x\r\n\r\n",
      "GET https://u@[::1]:443/c?d#e HTTP/1.1\r\n\r\n",
      "GET http:///?x HTTP/1.1\r\n\r\n",
      "CONNECT a.b:443 HTTP/1.1\r\n\r\n",
      "POST / HTTP/1.1\r\nHost: x\r\n\r\n",
      "M-SEARCH * HTTP/1.1\r\n\r\n",
      "GET / HTTP/1.1\r\nX-A: a\tb\r\n\r\n",
      "GET / HTTP/1.1\r\nX-A: caf\xe9\xff\r\n\r\n",    // obs-text
      "GET / HTTP/1.1\r\nX-A:v\r\n\r\n",
      "GET / HTTP/1.1\r\nHost:\tx\r\n\r\n",
      "GET / HTTP/1.1\r\nX-A: a b  c\r\n\r\n",
      "GET / HTTP/1.1\r\n!#$%&'*+-.^_`|~09azAZ: v\r\n\r\n",
      "GET / HTTP/1.1\r\nContent-Length:  12 \r\n\r\n",
      "GET / HTTP/1.1\r\nContent-Length: 007\r\n\r\n",
      "GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nX: y\r\n\r\n",
      "GET / HTTP/1.1\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n",
      "GET / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
  };
  for (const std::string& input : accepted) {
    const int status = statusOf(input);
    if (status != 0) ::uws::test::recordFailure(__FILE__, __LINE__, "rejected (" + std::to_string(status) + "): " + ::uws::test::show(input));
  }
  HttpRequestParser parser;
  parse(parser, "GET /\r\nHost: x\r\n\r\n");
  CHECK_EQ(parser.versionMajor(), 0);
  CHECK_EQ(parser.versionMinor(), 9);
  CHECK_EQ(parser.target(), std::string_view("/"));
}

UWS_TEST(http_rejects_like_llhttp) {
  const std::vector<std::string> rejected = {
      "GET / HTTP/1.1\nHost: x\n\n",                    // bare LF
      "GET / HTTP/1.1\r\nHost: x\nX: y\r\n\r\n",
      "GET / HTTP/1.1\r\n\n",
      "GET /\nHost: x\n\r\n",
      "GET / HTTP/1.1\rHost: x\r\n\r\n",                // bare CR
      "GET / HTTP/1.1\r\nX-A: a\rb\r\n\r\n",
      "GET / HTTP/1.1\r\nX-A: v\r\r\n\r\n",
      "GET / HTTP/1.1\r\nHost : x\r\n\r\n",             // whitespace before colon
      "GET / HTTP/1.1\r\nHost\t: x\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n",   // obs-fold
      "GET / HTTP/1.1\r\nHost: x\r\n\tfolded\r\n\r\n",
      "GET / HTTP/1.1\r\nX-A: a\x01" "b\r\n\r\n",       // control chars in values
      "GET / HTTP/1.1\r\nX-A: a\x7f" "b\r\n\r\n",
      std::string("GET / HTTP/1.1\r\nX-A: v\0w\r\n\r\n", 28),
      "GET / HTTP/1.1\r\nX-A\r\n\r\n",                  // no colon
      "GET / HTTP/1.1\r\n: v\r\n\r\n",                  // empty name
      "GET / HTTP/1.1\r\nX(A: v\r\n\r\n",               // not a token
      "GET / HTTP/1.1\r\nX-\xe9: v\r\n\r\n",
      "FOO / HTTP/1.1\r\n\r\n",                         // unknown method
      "get / HTTP/1.1\r\n\r\n",
      " GET / HTTP/1.1\r\n\r\n",
      "GET\t/ HTTP/1.1\r\n\r\n",
      "GET\r\n\r\n",
      "GET / HTTP/1.2\r\n\r\n",                         // versions
      "GET / HTTP/3.0\r\n\r\n",
      "GET / HTTP/1.10\r\n\r\n",
      "GET / HTTP/01.1\r\n\r\n",
      "GET / HTTP/1.1x\r\n\r\n",
      "GET / HTTP/1.\r\n\r\n",
      "GET / HTTP\r\n\r\n",
      "GET / http/1.1\r\n\r\n",
      "GET / HTTP/1.1 \r\n\r\n",
      "GET / \r\n\r\n",
      "GET /a\xe9" "b HTTP/1.1\r\n\r\n",                // request target characters
      "GET /a\x01" "b HTTP/1.1\r\n\r\n",
      "GET /a\tb HTTP/1.1\r\n\r\n",
      "GET /a\x7f" "b HTTP/1.1\r\n\r\n",
      "GET  HTTP/1.1\r\n\r\n",
      "GET mailto:x HTTP/1.1\r\n\r\n",
      "GET http://a<b/ HTTP/1.1\r\n\r\n",
      "GET http://#/ HTTP/1.1\r\n\r\n",
      "CONNECT #x HTTP/1.1\r\n\r\n",
      "GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n",
      "GET / HTTP/1.1\r\nContent-Length: 1 2\r\n\r\n",
      "GET / HTTP/1.1\r\nContent-Length: \r\n\r\n",
      "GET / HTTP/1.1\r\nContent-Length: +7\r\n\r\n",
      "GET / HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n",
      "GET / HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
      "GET / HTTP/1.1\r\nTransfer-Encoding: chunked, gzip\r\n\r\n",
      "GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
  };
  for (const std::string& input : rejected) {
    for (size_t step : {size_t(0), size_t(1)}) {
      HttpRequestParser parser;
      const Result r = parse(parser, input, step);
      if (r.status != Status::kError || r.errorStatus != 400) {
        ::uws::test::recordFailure(__FILE__, __LINE__,
                                   "not rejected with 400 (step " + std::to_string(step) + "): " + ::uws::test::show(input));
      }
    }
  }
}

UWS_TEST(http_error_is_final) {
  HttpRequestParser parser;
  size_t consumed = 0;
  const std::string bad = "FOO / HTTP/1.1\r\n";
  CHECK(parser.feed(bytes(bad), bad.size(), &consumed) == Status::kError);
  CHECK_EQ(parser.errorStatus(), 400);
  CHECK_EQ(consumed, bad.size());
  CHECK(parser.feed(bytes(kUpgrade), kUpgrade.size(), &consumed) == Status::kError);
  CHECK_EQ(consumed, size_t(0));
  parser.reset();
  CHECK_EQ(parser.errorStatus(), 0);
  CHECK(parse(parser, kUpgrade).status == Status::kComplete);
  CHECK_EQ(parser.headerCount(), size_t(7));
  parser.reset();
  CHECK_EQ(parser.headerCount(), size_t(0));
  CHECK(parse(parser, "GET /x HTTP/1.1\r\n\r\n").status == Status::kComplete);
  CHECK_EQ(parser.target(), std::string_view("/x"));
}

UWS_TEST(http_head_size_limit) {
  HttpLimits limits;
  limits.maxHeadBytes = 100;
  // Exactly at the limit: accepted.
  std::string head = "GET / HTTP/1.1\r\nX: ";
  head += std::string(100 - head.size() - 4, 'a');
  head += "\r\n\r\n";
  CHECK_EQ(head.size(), size_t(100));
  for (size_t step : {size_t(0), size_t(1)}) {
    HttpRequestParser parser(limits);
    Result r = parse(parser, head + "extra", step);
    CHECK(r.status == Status::kComplete);
    CHECK_EQ(r.consumed, size_t(100));
  }
  // One more byte: 431, as soon as the limit is crossed (no need for a line end).
  const std::string over = "GET / HTTP/1.1\r\nX: " + std::string(100, 'a');
  for (size_t step : {size_t(0), size_t(1)}) {
    HttpRequestParser parser(limits);
    Result r = parse(parser, over, step);
    CHECK(r.status == Status::kError);
    CHECK_EQ(r.errorStatus, 431);
  }
  HttpRequestParser big(limits);
  CHECK_EQ(parse(big, head.substr(0, 98) + "a\r\n\r\n").errorStatus, 431);
  // Empty lines before the request line count too.
  HttpRequestParser crlf(limits);
  CHECK_EQ(parse(crlf, std::string(101, '\n')).errorStatus, 431);
  // Default: 16 KiB.
  HttpRequestParser def;
  CHECK_EQ(parse(def, "GET / HTTP/1.1\r\nX: " + std::string(16 * 1024, 'a') + "\r\n\r\n").errorStatus, 431);
  HttpRequestParser fits;
  CHECK(parse(fits, "GET / HTTP/1.1\r\nX: " + std::string(16 * 1024 - 30, 'a') + "\r\n\r\n").status == Status::kComplete);
}

UWS_TEST(http_header_count_limit) {
  HttpLimits limits;
  limits.maxHeaders = 3;
  const std::string three = "GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n";
  const std::string four = "GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n";
  HttpRequestParser ok(limits);
  CHECK(parse(ok, three).status == Status::kComplete);
  HttpRequestParser tooMany(limits);
  CHECK_EQ(parse(tooMany, four, 1).errorStatus, 431);
  std::string hundred = "GET / HTTP/1.1\r\n";
  for (int i = 0; i < 100; ++i) hundred += "H" + std::to_string(i) + ": v\r\n";
  HttpRequestParser def;
  CHECK(parse(def, hundred + "\r\n").status == Status::kComplete);
  HttpRequestParser def2;
  CHECK_EQ(parse(def2, hundred + "Z: 1\r\n\r\n").errorStatus, 431);
}

UWS_TEST(http_body_framing) {
  HttpRequestParser none;
  CHECK(parse(none, "GET / HTTP/1.1\r\n\r\n").status == Status::kComplete);
  CHECK(!none.contentLength().has_value());
  CHECK(!none.chunked());
  HttpRequestParser length;
  CHECK(parse(length, "POST / HTTP/1.1\r\ncontent-length: 0042\r\n\r\n").status == Status::kComplete);
  CHECK_EQ(length.contentLength().value_or(0), uint64_t(42));
  HttpRequestParser chunked;
  CHECK(parse(chunked, "POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: Chunked\r\n\r\n").status ==
        Status::kComplete);
  CHECK(chunked.chunked());
  HttpRequestParser notChunked;
  CHECK(parse(notChunked, "POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n").status == Status::kComplete);
  CHECK(!notChunked.chunked());
  CHECK(!notChunked.contentLength().has_value());
}

UWS_TEST(http_need_more) {
  HttpRequestParser parser;
  size_t consumed = 0;
  const std::string part = "GET / HTTP/1.1\r\nHost: x\r\n";
  CHECK(parser.feed(bytes(part), part.size(), &consumed) == Status::kNeedMore);
  CHECK_EQ(consumed, part.size());
  const std::string cr = "\r";
  CHECK(parser.feed(bytes(cr), 1, &consumed) == Status::kNeedMore);
  const std::string lf = "\nabc";
  CHECK(parser.feed(bytes(lf), lf.size(), &consumed) == Status::kComplete);
  CHECK_EQ(consumed, size_t(1));
  CHECK(parser.feed(nullptr, 0, &consumed) == Status::kComplete);
  HttpRequestParser empty;
  CHECK(empty.feed(nullptr, 0, &consumed) == Status::kNeedMore);
  CHECK_EQ(consumed, size_t(0));
}

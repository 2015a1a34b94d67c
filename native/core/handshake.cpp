#include "core/handshake.h"

#include <openssl/evp.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <limits>

#include "core/http_token.h"

namespace uws::core {

namespace {

bool isKeyChar(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '+' || c == '/';
}

// /^[+/0-9A-Za-z]{22}==$/
bool isValidKey(std::string_view key) {
  if (key.size() != 24 || key[22] != '=' || key[23] != '=') return false;
  for (size_t i = 0; i < 22; ++i) {
    if (!isKeyChar(key[i])) return false;
  }
  return true;
}

// JS StrWhiteSpaceChar in a Latin-1 string.
bool isJsSpace(uint8_t c) { return c == ' ' || (c >= 0x09 && c <= 0x0D) || c == 0xA0; }

bool isDigit(char c) { return c >= '0' && c <= '9'; }

struct StatusText {
  int code;
  const char* text;
};

constexpr StatusText kStatusTexts[] = {
    {100, "Continue"},
    {101, "Switching Protocols"},
    {102, "Processing"},
    {103, "Early Hints"},
    {200, "OK"},
    {201, "Created"},
    {202, "Accepted"},
    {203, "Non-Authoritative Information"},
    {204, "No Content"},
    {205, "Reset Content"},
    {206, "Partial Content"},
    {207, "Multi-Status"},
    {208, "Already Reported"},
    {226, "IM Used"},
    {300, "Multiple Choices"},
    {301, "Moved Permanently"},
    {302, "Found"},
    {303, "See Other"},
    {304, "Not Modified"},
    {305, "Use Proxy"},
    {307, "Temporary Redirect"},
    {308, "Permanent Redirect"},
    {400, "Bad Request"},
    {401, "Unauthorized"},
    {402, "Payment Required"},
    {403, "Forbidden"},
    {404, "Not Found"},
    {405, "Method Not Allowed"},
    {406, "Not Acceptable"},
    {407, "Proxy Authentication Required"},
    {408, "Request Timeout"},
    {409, "Conflict"},
    {410, "Gone"},
    {411, "Length Required"},
    {412, "Precondition Failed"},
    {413, "Payload Too Large"},
    {414, "URI Too Long"},
    {415, "Unsupported Media Type"},
    {416, "Range Not Satisfiable"},
    {417, "Expectation Failed"},
    {418, "I'm a Teapot"},
    {421, "Misdirected Request"},
    {422, "Unprocessable Entity"},
    {423, "Locked"},
    {424, "Failed Dependency"},
    {425, "Too Early"},
    {426, "Upgrade Required"},
    {428, "Precondition Required"},
    {429, "Too Many Requests"},
    {431, "Request Header Fields Too Large"},
    {451, "Unavailable For Legal Reasons"},
    {500, "Internal Server Error"},
    {501, "Not Implemented"},
    {502, "Bad Gateway"},
    {503, "Service Unavailable"},
    {504, "Gateway Timeout"},
    {505, "HTTP Version Not Supported"},
    {506, "Variant Also Negotiates"},
    {507, "Insufficient Storage"},
    {508, "Loop Detected"},
    {509, "Bandwidth Limit Exceeded"},
    {510, "Not Extended"},
    {511, "Network Authentication Required"},
};

}  // namespace

// Number(s) for a Latin-1 string s (one byte per character); NaN when s is
// not a StringNumericLiteral.
double jsNumber(std::string_view s) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  while (!s.empty() && isJsSpace(static_cast<uint8_t>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && isJsSpace(static_cast<uint8_t>(s.back()))) s.remove_suffix(1);
  if (s.empty()) return 0;

  // 0x / 0o / 0b integers (no sign allowed).
  if (s.size() >= 2 && s[0] == '0') {
    const char p = static_cast<char>(s[1] | 0x20);
    const int radix = p == 'x' ? 16 : p == 'o' ? 8 : p == 'b' ? 2 : 0;
    if (radix != 0) {
      if (s.size() == 2) return nan;
      double value = 0;
      for (size_t i = 2; i < s.size(); ++i) {
        const char c = s[i];
        int d;
        if (isDigit(c)) d = c - '0';
        else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f') d = (c | 0x20) - 'a' + 10;
        else return nan;
        if (d >= radix) return nan;
        value = value * radix + d;  // exact while small; large values are never 8 or 13
      }
      return value;
    }
  }

  bool negative = false;
  std::string_view body = s;
  if (body[0] == '+' || body[0] == '-') {
    negative = body[0] == '-';
    body.remove_prefix(1);
  }
  if (body == "Infinity") return negative ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity();

  // StrUnsignedDecimalLiteral: digits [. digits*] | . digits, then [eE][+-]digits.
  size_t i = 0;
  size_t intDigits = 0, fracDigits = 0;
  while (i < body.size() && isDigit(body[i])) ++i, ++intDigits;
  if (i < body.size() && body[i] == '.') {
    ++i;
    while (i < body.size() && isDigit(body[i])) ++i, ++fracDigits;
  }
  if (intDigits == 0 && fracDigits == 0) return nan;
  if (i < body.size() && (body[i] | 0x20) == 'e') {
    ++i;
    if (i < body.size() && (body[i] == '+' || body[i] == '-')) ++i;
    size_t expDigits = 0;
    while (i < body.size() && isDigit(body[i])) ++i, ++expDigits;
    if (expDigits == 0) return nan;
  }
  if (i != body.size()) return nan;

  double value = 0;
  const auto result = std::from_chars(body.data(), body.data() + body.size(), value, std::chars_format::general);
  if (result.ptr != body.data() + body.size()) {
    // Out of range: overflow gives a huge value, underflow a tiny one.
    if (result.ec != std::errc::result_out_of_range) return nan;
  }
  return negative ? -value : value;
}

const char* httpStatusText(int status) {
  for (const StatusText& s : kStatusTexts) {
    if (s.code == status) return s.text;
  }
  return "Unknown";
}

bool isUpgradeRequest(const HttpRequestParser& request) {
  bool connectionUpgrade = false;
  bool hasUpgrade = false;
  for (size_t i = 0; i < request.headerCount(); ++i) {
    const std::string_view name = request.headerName(i);
    if (!hasUpgrade && equalsIgnoreCase(name, "upgrade")) {
      hasUpgrade = !request.headerValue(i).empty();
    } else if (!connectionUpgrade && equalsIgnoreCase(name, "connection")) {
      // Like llhttp: an element matches when it is "upgrade" after optional
      // SP/HTAB, followed by nothing but SP up to the comma or the line end.
      std::string_view rest = request.headerRawValue(i);
      for (;;) {
        const size_t comma = rest.find(',');
        std::string_view element = rest.substr(0, comma);
        while (!element.empty() && (element.front() == ' ' || element.front() == '\t')) element.remove_prefix(1);
        while (!element.empty() && element.back() == ' ') element.remove_suffix(1);
        if (equalsIgnoreCase(element, "upgrade")) {
          connectionUpgrade = true;
          break;
        }
        if (comma == std::string_view::npos) break;
        rest.remove_prefix(comma + 1);
      }
    }
  }
  return connectionUpgrade && hasUpgrade;
}

HandshakeCheck checkUpgradeHeaders(std::string_view method, const std::optional<std::string>& upgrade,
                                   const std::optional<std::string>& key,
                                   const std::optional<std::string>& version) {
  HandshakeCheck check;
  if (method != "GET") {
    check.status = 405;
    check.message = "Invalid HTTP method";
  } else if (!upgrade || !equalsIgnoreCase(*upgrade, "websocket")) {
    check.status = 400;
    check.message = "Invalid Upgrade header";
  } else if (!key || !isValidKey(*key)) {
    check.status = 400;
    check.message = "Missing or invalid Sec-WebSocket-Key header";
  } else {
    const double v = version ? jsNumber(*version) : std::numeric_limits<double>::quiet_NaN();
    if (!(v == 13 || v == 8)) {
      check.status = 400;
      check.message = "Missing or invalid Sec-WebSocket-Version header";
      check.sendVersionHeader = true;
    }
  }
  return check;
}

UpgradeHeaders readUpgradeHeaders(const HttpRequestParser& request) {
  static constexpr std::string_view kNames[] = {"upgrade", "sec-websocket-key", "sec-websocket-version",
                                                "sec-websocket-protocol"};
  std::optional<std::string> values[4];
  request.joinedHeaders(kNames, 4, values);
  UpgradeHeaders headers;
  headers.upgrade = std::move(values[0]);
  headers.key = std::move(values[1]);
  headers.version = std::move(values[2]);
  headers.protocol = std::move(values[3]);
  return headers;
}

HandshakeCheck checkUpgradeRequest(const HttpRequestParser& request, const UpgradeHeaders& headers) {
  return checkUpgradeHeaders(request.method(), headers.upgrade, headers.key, headers.version);
}

bool parseSubprotocols(std::string_view header, std::vector<std::string_view>* protocols) {
  protocols->clear();
  const size_t npos = std::string_view::npos;
  size_t start = npos, end = npos, i = 0;
  for (; i < header.size(); ++i) {
    const uint8_t c = static_cast<uint8_t>(header[i]);
    if (end == npos && isTokenChar(c)) {
      if (start == npos) start = i;
    } else if (i != 0 && (c == ' ' || c == '\t')) {
      if (end == npos && start != npos) end = i;
    } else if (c == ',') {
      if (start == npos) return false;
      if (end == npos) end = i;
      protocols->push_back(header.substr(start, end - start));
      start = end = npos;
    } else {
      return false;
    }
  }
  if (start == npos || end != npos) return false;
  protocols->push_back(header.substr(start, i - start));

  // No duplicates.
  if (protocols->size() > 1) {
    std::vector<std::string_view> sorted(*protocols);
    std::sort(sorted.begin(), sorted.end());
    for (size_t k = 1; k < sorted.size(); ++k) {
      if (sorted[k] == sorted[k - 1]) return false;
    }
  }
  return true;
}

namespace {

// SHA-1 as an EVP_MD. OpenSSL 3 looks EVP_sha1() up in its provider tables
// (locks, hash lookups) on every use unless the algorithm is fetched once;
// it is immutable and may be shared by threads.
const EVP_MD* sha1() {
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
  static EVP_MD* const fetched = EVP_MD_fetch(nullptr, "SHA1", nullptr);
  if (fetched) return fetched;
#endif
  return EVP_sha1();
}

// One digest context per thread (each loop runs on its own), reset by
// EVP_DigestInit_ex: no allocation and free per handshake.
EVP_MD_CTX* digestContext() {
  struct Owned {
    EVP_MD_CTX* context = EVP_MD_CTX_new();
    ~Owned() { EVP_MD_CTX_free(context); }
  };
  thread_local Owned owned;
  return owned.context;
}

}  // namespace

void computeAcceptKey(std::string_view key, char out[28]) {
  static constexpr char kGuid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digestLength = 0;
  EVP_MD_CTX* context = digestContext();
  const bool hashed = context && EVP_DigestInit_ex(context, sha1(), nullptr) == 1 &&
                      EVP_DigestUpdate(context, key.data(), key.size()) == 1 &&
                      EVP_DigestUpdate(context, kGuid, sizeof(kGuid) - 1) == 1 &&
                      EVP_DigestFinal_ex(context, digest, &digestLength) == 1;
  if (!hashed || digestLength != 20) {
    // Only when OpenSSL cannot allocate; an accept value no client takes.
    std::memset(out, '=', 28);
    return;
  }
  unsigned char encoded[32];  // 4 * ceil(20 / 3) + NUL = 29
  EVP_EncodeBlock(encoded, digest, static_cast<int>(digestLength));
  std::memcpy(out, encoded, 28);
}

std::string upgradeResponse(std::string_view accept, std::string_view protocol) {
  static constexpr std::string_view kHead =
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Accept: ";
  static constexpr std::string_view kProtocol = "\r\nSec-WebSocket-Protocol: ";
  std::string response;
  response.reserve(kHead.size() + accept.size() + kProtocol.size() + protocol.size() + 4);
  response += kHead;
  response += accept;
  if (!protocol.empty()) {
    response += kProtocol;
    response += protocol;
  }
  response += "\r\n\r\n";
  return response;
}

std::string clientErrorResponse(int status) {
  std::string response = "HTTP/1.1 ";
  response += std::to_string(status);
  response += ' ';
  response += httpStatusText(status);
  response += "\r\nConnection: close\r\n\r\n";
  return response;
}

bool lacksRequiredHost(const HttpRequestParser& request) {
  if (request.versionMajor() != 1 || request.versionMinor() != 1) return false;
  for (size_t i = 0; i < request.headerCount(); ++i) {
    if (equalsIgnoreCase(request.headerName(i), "host")) return false;
  }
  return true;
}

std::string missingHostResponse(std::string_view httpDate) {
  std::string response = "HTTP/1.1 400 Bad Request\r\nConnection: close\r\n";
  if (!httpDate.empty()) {
    response += "Date: ";
    response += httpDate;
    response += "\r\n";
  }
  response += "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n";
  return response;
}

std::string upgradeRequiredResponse(std::string_view httpDate, bool keepAlive) {
  std::string response =
      "HTTP/1.1 426 Upgrade Required\r\n"
      "Content-Length: 16\r\n"
      "Content-Type: text/plain\r\n";
  if (!httpDate.empty()) {
    response += "Date: ";
    response += httpDate;
    response += "\r\n";
  }
  response += keepAlive ? "Connection: keep-alive\r\nKeep-Alive: timeout=5\r\n" : "Connection: close\r\n";
  response += "\r\nUpgrade Required";
  return response;
}

std::string handshakeErrorResponse(const HandshakeCheck& check) {
  const char* text = httpStatusText(check.status);
  const std::string_view message = check.message != nullptr ? check.message : text;
  std::string response = "HTTP/1.1 ";
  response += std::to_string(check.status);
  response += ' ';
  response += text;
  response += "\r\nConnection: close\r\nContent-Type: text/html\r\nContent-Length: ";
  response += std::to_string(message.size());
  if (check.sendVersionHeader) response += "\r\nSec-WebSocket-Version: 13, 8";
  response += "\r\n\r\n";
  response += message;
  return response;
}

void formatHttpDate(int64_t unixSeconds, char out[29]) {
  static constexpr char kDays[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr char kMonths[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  if (unixSeconds < 0) unixSeconds = 0;
  int64_t days = unixSeconds / 86400;
  const int64_t secs = unixSeconds % 86400;
  const int64_t weekday = (days + 4) % 7;  // 1970-01-01 was a Thursday
  int64_t year = 1970;
  for (;;) {
    const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    const int64_t yearDays = leap ? 366 : 365;
    if (days < yearDays) break;
    days -= yearDays;
    ++year;
  }
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  static constexpr int kMonthDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int64_t month = 1;
  for (int m = 0; m < 12; ++m) {
    const int64_t monthDays = kMonthDays[m] + (m == 1 && leap ? 1 : 0);
    if (days < monthDays) break;
    days -= monthDays;
    ++month;
  }
  const int64_t day = days + 1;
  char buffer[160];
  std::snprintf(buffer, sizeof(buffer), "%s, %02d %s %04d %02d:%02d:%02d GMT", kDays[weekday],
                static_cast<int>(day), kMonths[month - 1], static_cast<int>(year), static_cast<int>(secs / 3600),
                static_cast<int>((secs / 60) % 60), static_cast<int>(secs % 60));
  std::memcpy(out, buffer, 29);
}

}  // namespace uws::core

#include "core/http_request_parser.h"

#include <cstring>

#include "core/http_token.h"

namespace uws::core {

namespace {

bool isAlpha(uint8_t c) { return (c | 0x20) >= 'a' && (c | 0x20) <= 'z'; }

// Characters llhttp accepts in the authority of a request target.
bool isAuthorityChar(uint8_t c) {
  if (c >= '0' && c <= '9') return true;
  if (isAlpha(c)) return true;
  switch (c) {
    case '-': case '.': case '_': case '~': case '!': case '$': case '&': case '\'': case '(': case ')':
    case '*': case '+': case ',': case ';': case '=': case ':': case '@': case '[': case ']': case '%':
      return true;
    default:
      return false;
  }
}

// Authority of an absolute-form target, up to the first '/' or '?'.
bool isValidAuthority(std::string_view s) {
  for (char ch : s) {
    const uint8_t c = static_cast<uint8_t>(ch);
    if (c == '/' || c == '?') return true;
    if (!isAuthorityChar(c)) return false;
  }
  return true;
}

// The methods Node's HTTP parser accepts (http.METHODS on Node 20). Views,
// not C strings: comparing needs no strlen.
constexpr std::string_view kMethods[] = {
    "ACL",    "BIND",     "CHECKOUT",   "CONNECT",    "COPY",   "DELETE",    "GET",       "HEAD",   "LINK",
    "LOCK",   "M-SEARCH", "MERGE",      "MKACTIVITY", "MKCALENDAR", "MKCOL", "MOVE",      "NOTIFY", "OPTIONS",
    "PATCH",  "POST",     "PROPFIND",   "PROPPATCH",  "PURGE",  "PUT",       "QUERY",     "REBIND", "REPORT",
    "SEARCH", "SOURCE",   "SUBSCRIBE",  "TRACE",      "UNBIND", "UNLINK",    "UNLOCK",    "UNSUBSCRIBE",
};

bool isKnownMethod(std::string_view method) {
  for (std::string_view m : kMethods) {
    if (method == m) return true;
  }
  return false;
}

// Headers whose duplicates Node's IncomingMessage discards (first wins).
constexpr std::string_view kFirstValueOnly[] = {
    "age",  "authorization", "content-length", "content-type", "etag", "expires", "from", "host",
    "if-modified-since", "if-unmodified-since", "last-modified", "location", "max-forwards",
    "proxy-authorization", "referer", "retry-after", "server", "user-agent",
};

bool isFirstValueOnly(std::string_view lowerCaseName) {
  for (std::string_view name : kFirstValueOnly) {
    if (lowerCaseName == name) return true;
  }
  return false;
}

std::string_view trimOws(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

HttpRequestParser::HttpRequestParser(HttpLimits limits) : limits_(limits) {}

void HttpRequestParser::reset() {
  HttpLimits limits = limits_;
  std::string buffer = std::move(buffer_);
  std::vector<HeaderSpan> headers = std::move(headers_);
  *this = HttpRequestParser(limits);
  buffer.clear();
  headers.clear();
  buffer_ = std::move(buffer);  // keep the capacity
  headers_ = std::move(headers);
}

HttpRequestParser::Status HttpRequestParser::fail(int status, const char* reason) {
  status_ = Status::kError;
  errorStatus_ = status;
  errorReason_ = reason;
  return status_;
}

HttpRequestParser::Status HttpRequestParser::feed(const uint8_t* data, size_t length, size_t* consumed) {
  *consumed = 0;
  if (status_ != Status::kNeedMore) return status_;
  // Room for a typical upgrade request at once: one allocation each instead
  // of growing line by line.
  if (buffer_.capacity() < kTypicalHeadBytes) buffer_.reserve(kTypicalHeadBytes);
  if (headers_.capacity() < kTypicalHeaders) headers_.reserve(kTypicalHeaders);
  size_t i = 0;
  while (i < length) {
    if (!sawRequestLine_ && buffer_.empty()) {
      // Like llhttp, skip empty lines (CR and LF bytes) before the request line.
      while (i < length && (data[i] == '\r' || data[i] == '\n')) {
        ++i;
        ++skippedBytes_;
      }
      if (skippedBytes_ > limits_.maxHeadBytes) {
        *consumed = i;
        return fail(431, "request head too large");
      }
      if (i == length) break;
    }
    const void* lf = std::memchr(data + i, '\n', length - i);
    const size_t end = lf != nullptr ? static_cast<size_t>(static_cast<const uint8_t*>(lf) - data) + 1 : length;
    const size_t chunk = end - i;
    if (skippedBytes_ + buffer_.size() + chunk > limits_.maxHeadBytes) {
      *consumed = i;
      return fail(431, "request head too large");
    }
    buffer_.append(reinterpret_cast<const char*>(data + i), chunk);
    i = end;
    if (lf == nullptr) break;
    bool headEnd = false;
    if (!processLine(&headEnd)) {
      *consumed = i;
      return status_;
    }
    if (headEnd) {
      *consumed = i;
      status_ = Status::kComplete;
      return status_;
    }
  }
  *consumed = i;
  return Status::kNeedMore;
}

bool HttpRequestParser::processLine(bool* headEnd) {
  const size_t start = lineStart_;
  const size_t size = buffer_.size();
  lineStart_ = size;
  // The line ends with LF; llhttp (strict) requires CR before it, except
  // after a request line without a version (HTTP/0.9 form).
  const bool crlf = size - start >= 2 && buffer_[size - 2] == '\r';
  if (!crlf && sawRequestLine_) {
    fail(400, "line not terminated by CRLF");
    return false;
  }
  const size_t end = crlf ? size - 2 : size - 1;
  if (std::memchr(buffer_.data() + start, '\r', end - start) != nullptr) {
    fail(400, "bare CR");
    return false;
  }
  if (!sawRequestLine_) {
    sawRequestLine_ = true;
    if (!processRequestLine(start, end)) return false;
    if (!crlf && versionMajor_ != 0) {
      fail(400, "line not terminated by CRLF");
      return false;
    }
    return true;
  }
  if (start == end) {
    *headEnd = true;
    return finishHead();
  }
  return processHeaderLine(start, end);
}

bool HttpRequestParser::processRequestLine(size_t start, size_t end) {
  const char* s = buffer_.data();
  size_t i = start;
  while (i < end && s[i] != ' ') ++i;
  const std::string_view method(s + start, i - start);
  if (i == end || !isKnownMethod(method)) {
    fail(400, "invalid method");
    return false;
  }
  methodOffset_ = static_cast<uint32_t>(start);
  methodLength_ = static_cast<uint32_t>(i - start);
  while (i < end && s[i] == ' ') ++i;

  const size_t targetStart = i;
  while (i < end && s[i] != ' ') {
    const uint8_t c = static_cast<uint8_t>(s[i]);
    if (c < 0x21 || c > 0x7E) {
      fail(400, "invalid request target");
      return false;
    }
    ++i;
  }
  const std::string_view target(s + targetStart, i - targetStart);
  bool targetOk = !target.empty();
  if (targetOk && method == "CONNECT") {
    targetOk = target[0] != '#';  // llhttp is lenient with CONNECT targets
  } else if (targetOk && target[0] != '/' && target[0] != '*') {
    // absolute-form: scheme "://" authority [path]
    size_t k = 0;
    while (k < target.size() && isAlpha(static_cast<uint8_t>(target[k]))) ++k;
    targetOk = k > 0 && target.substr(k, 3) == "://" && isValidAuthority(target.substr(k + 3));
  }
  if (!targetOk) {
    fail(400, "invalid request target");
    return false;
  }
  targetOffset_ = static_cast<uint32_t>(targetStart);
  targetLength_ = static_cast<uint32_t>(i - targetStart);

  if (i == end) {  // HTTP/0.9 request line: no version
    versionMajor_ = 0;
    versionMinor_ = 9;
    return true;
  }
  while (i < end && s[i] == ' ') ++i;
  const std::string_view version(s + i, end - i);
  if (version.size() != 8 || version.substr(0, 5) != "HTTP/" || version[5] < '0' || version[5] > '9' ||
      version[6] != '.' || version[7] < '0' || version[7] > '9') {
    fail(400, "invalid HTTP version");
    return false;
  }
  versionMajor_ = version[5] - '0';
  versionMinor_ = version[7] - '0';
  const int v = versionMajor_ * 10 + versionMinor_;
  if (v != 9 && v != 10 && v != 11 && v != 20) {
    fail(400, "invalid HTTP version");
    return false;
  }
  return true;
}

bool HttpRequestParser::processHeaderLine(size_t start, size_t end) {
  const char* s = buffer_.data();
  size_t i = start;
  while (i < end && isTokenChar(static_cast<uint8_t>(s[i]))) ++i;
  if (i == start || i == end || s[i] != ':') {
    // Also covers obs-fold (a line starting with SP or HTAB) and whitespace
    // between the name and the colon.
    fail(400, "invalid header name");
    return false;
  }
  const size_t nameEnd = i;
  ++i;
  for (size_t k = i; k < end; ++k) {
    const uint8_t c = static_cast<uint8_t>(s[k]);
    if ((c < 0x20 && c != '\t') || c == 0x7F) {
      fail(400, "invalid header value");
      return false;
    }
  }
  if (headers_.size() >= limits_.maxHeaders) {
    fail(431, "too many headers");
    return false;
  }
  const std::string_view name(s + start, nameEnd - start);
  const std::string_view value = trimOws(std::string_view(s + i, end - i));

  if (equalsIgnoreCase(name, "content-length")) {
    if (sawContentLength_ || value.empty()) {
      fail(400, "invalid Content-Length");
      return false;
    }
    uint64_t n = 0;
    for (char c : value) {
      if (c < '0' || c > '9' || n > (UINT64_MAX - 9) / 10) {
        fail(400, "invalid Content-Length");
        return false;
      }
      n = n * 10 + static_cast<uint64_t>(c - '0');
    }
    sawContentLength_ = true;
    contentLength_ = n;
  } else if (equalsIgnoreCase(name, "transfer-encoding")) {
    sawTransferEncoding_ = true;
    std::string_view rest = value;
    for (;;) {
      const size_t comma = rest.find(',');
      const std::string_view token = trimOws(rest.substr(0, comma));
      if (!token.empty()) {
        if (chunked_) {  // "chunked" must be the last transfer coding
          fail(400, "invalid Transfer-Encoding");
          return false;
        }
        chunked_ = equalsIgnoreCase(token, "chunked");
      }
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }

  HeaderSpan span;
  span.nameOffset = static_cast<uint32_t>(start);
  span.nameLength = static_cast<uint32_t>(nameEnd - start);
  span.valueOffset = static_cast<uint32_t>(value.data() - s);
  span.valueLength = static_cast<uint32_t>(value.size());
  headers_.push_back(span);
  return true;
}

bool HttpRequestParser::finishHead() {
  if (sawContentLength_ && sawTransferEncoding_) {
    fail(400, "both Content-Length and Transfer-Encoding");
    return false;
  }
  return true;
}

std::string_view HttpRequestParser::headerRawValue(size_t i) const {
  const size_t start = headers_[i].valueOffset;
  size_t end = start + headers_[i].valueLength;
  while (end < buffer_.size() && buffer_[end] != '\r') ++end;  // header lines end with CRLF
  return std::string_view(buffer_.data() + start, end - start);
}

std::optional<std::string> HttpRequestParser::joinedHeader(std::string_view lowerCaseName) const {
  std::optional<std::string> value;
  joinedHeaders(&lowerCaseName, 1, &value);
  return value;
}

void HttpRequestParser::joinedHeaders(const std::string_view* lowerCaseNames, size_t count,
                                      std::optional<std::string>* values) const {
  for (size_t n = 0; n < count; ++n) values[n].reset();
  for (size_t i = 0; i < headers_.size(); ++i) {
    const std::string_view name = headerName(i);
    for (size_t n = 0; n < count; ++n) {
      if (!equalsIgnoreCase(name, lowerCaseNames[n])) continue;
      std::optional<std::string>& value = values[n];
      if (!value) {
        value.emplace(headerValue(i));
      } else if (!isFirstValueOnly(lowerCaseNames[n])) {
        value->append(lowerCaseNames[n] == "cookie" ? "; " : ", ");
        value->append(headerValue(i));
      }
      break;
    }
  }
}

}  // namespace uws::core

// Incremental HTTP/1.x request-head parser with limits. It accepts and
// rejects what Node 20's HTTP server (llhttp, strict mode) accepts and
// rejects for a request head; the request body, if any, is not parsed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace uws::core {

struct HttpLimits {
  size_t maxHeadBytes = 16 * 1024;  // request line + headers + line endings
  size_t maxHeaders = 100;
};

class HttpRequestParser {
 public:
  enum class Status { kNeedMore, kComplete, kError };

  explicit HttpRequestParser(HttpLimits limits = {});

  // Consumes bytes of the request head. Copies them into an internal buffer
  // (at most maxHeadBytes). kNeedMore: every byte was consumed. kComplete:
  // *consumed = the bytes of THIS call that belong to the head; the rest
  // (frames sent right behind the request) was not touched. kError: see
  // errorStatus(); nothing more is accepted until reset(). After kComplete,
  // further calls return kComplete with *consumed = 0.
  Status feed(const uint8_t* data, size_t length, size_t* consumed);

  Status status() const { return status_; }
  int errorStatus() const { return errorStatus_; }  // 400 or 431 (0 when no error)
  // A short description of the error, for logs and tests.
  const char* errorReason() const { return errorReason_; }

  std::string_view method() const { return view(methodOffset_, methodLength_); }
  std::string_view target() const { return view(targetOffset_, targetLength_); }
  int versionMajor() const { return versionMajor_; }
  int versionMinor() const { return versionMinor_; }

  size_t headerCount() const { return headers_.size(); }
  std::string_view headerName(size_t i) const { return view(headers_[i].nameOffset, headers_[i].nameLength); }
  std::string_view headerValue(size_t i) const { return view(headers_[i].valueOffset, headers_[i].valueLength); }
  // The value without its leading whitespace but with its trailing
  // whitespace (llhttp's Connection-token matching depends on it).
  std::string_view headerRawValue(size_t i) const;

  // Request body framing, for a transport that must skip the body of a
  // plain HTTP request: Content-Length if present, and whether the last
  // Transfer-Encoding coding is "chunked".
  std::optional<uint64_t> contentLength() const {
    return sawContentLength_ ? std::optional<uint64_t>(contentLength_) : std::nullopt;
  }
  bool chunked() const { return chunked_; }

  // The value Node's IncomingMessage.headers shows for this (lower-case)
  // name: duplicates joined with ", " ("; " for cookie), or only the first
  // value for the names Node does not join (host, content-length,
  // user-agent, authorization, ...). nullopt when absent.
  std::optional<std::string> joinedHeader(std::string_view lowerCaseName) const;
  // The same for `count` names at once, in one pass over the headers.
  void joinedHeaders(const std::string_view* lowerCaseNames, size_t count,
                     std::optional<std::string>* values) const;

  void reset();

 private:
  static constexpr size_t kTypicalHeadBytes = 512;
  static constexpr size_t kTypicalHeaders = 16;

  struct HeaderSpan {
    uint32_t nameOffset, nameLength, valueOffset, valueLength;
  };

  std::string_view view(uint32_t offset, uint32_t length) const {
    return std::string_view(buffer_.data() + offset, length);
  }
  Status fail(int status, const char* reason);
  // Processes the complete line buffer_[lineStart_, buffer_.size()), which
  // ends with CRLF. Returns false on error (already recorded).
  bool processLine(bool* headEnd);
  bool processRequestLine(size_t start, size_t end);
  bool processHeaderLine(size_t start, size_t end);
  bool finishHead();

  HttpLimits limits_;
  Status status_ = Status::kNeedMore;
  int errorStatus_ = 0;
  const char* errorReason_ = "";
  std::string buffer_;
  size_t lineStart_ = 0;     // offset in buffer_ of the line being received
  size_t skippedBytes_ = 0;  // empty lines before the request line (counted against the limit)
  bool sawRequestLine_ = false;
  uint32_t methodOffset_ = 0, methodLength_ = 0, targetOffset_ = 0, targetLength_ = 0;
  int versionMajor_ = 0, versionMinor_ = 0;
  std::vector<HeaderSpan> headers_;
  bool sawContentLength_ = false;
  uint64_t contentLength_ = 0;
  bool sawTransferEncoding_ = false;
  bool chunked_ = false;
};

}  // namespace uws::core

// Counts every failure by kind. Any count above zero fails the run: a
// benchmark of a server that answers wrongly is not a result.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

enum class ErrorKind {
  Connect,    // socket/bind/connect failed or refused
  Handshake,  // bad or missing 101 / Sec-WebSocket-Accept
  Protocol,   // malformed or unexpected frame, unexpected close or EOF
  Mismatch,   // echoed message differs from what was sent
  Timeout,    // no progress within the time limit
  Io,         // read/write errors such as ECONNRESET
  kCount
};

class ErrorLog {
 public:
  void record(ErrorKind kind, uint32_t connection, const std::string& detail);
  uint64_t count(ErrorKind kind) const { return counts_[int(kind)]; }
  uint64_t total() const;
  // {"connect":0,...} and the first few samples as a JSON array.
  std::string counts_json() const;
  std::string samples_json() const;

 private:
  static constexpr size_t kMaxSamples = 10;
  uint64_t counts_[int(ErrorKind::kCount)] = {};
  std::vector<std::string> samples_;
};

const char* error_kind_name(ErrorKind kind);
std::string json_escape(const std::string& text);

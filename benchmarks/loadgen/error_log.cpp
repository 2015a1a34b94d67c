#include "error_log.hpp"

#include <cstdio>

const char* error_kind_name(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::Connect: return "connect";
    case ErrorKind::Handshake: return "handshake";
    case ErrorKind::Protocol: return "protocol";
    case ErrorKind::Mismatch: return "mismatch";
    case ErrorKind::Timeout: return "timeout";
    case ErrorKind::Io: return "io";
    case ErrorKind::kCount: break;
  }
  return "unknown";
}

std::string json_escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += c;
    }
  }
  return out;
}

void ErrorLog::record(ErrorKind kind, uint32_t connection, const std::string& detail) {
  counts_[int(kind)]++;
  if (samples_.size() < kMaxSamples) {
    samples_.push_back(std::string(error_kind_name(kind)) + " (connection " +
                       std::to_string(connection) + "): " + detail);
  }
}

uint64_t ErrorLog::total() const {
  uint64_t sum = 0;
  for (uint64_t c : counts_) sum += c;
  return sum;
}

std::string ErrorLog::counts_json() const {
  std::string out = "{";
  for (int i = 0; i < int(ErrorKind::kCount); ++i) {
    if (i) out += ",";
    out += "\"" + std::string(error_kind_name(ErrorKind(i))) + "\":" + std::to_string(counts_[i]);
  }
  return out + "}";
}

std::string ErrorLog::samples_json() const {
  std::string out = "[";
  for (size_t i = 0; i < samples_.size(); ++i) {
    if (i) out += ",";
    out += "\"" + json_escape(samples_[i]) + "\"";
  }
  return out + "]";
}

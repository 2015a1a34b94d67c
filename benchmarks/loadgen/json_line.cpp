#include "json_line.hpp"

#include <cmath>
#include <cstdio>

#include "error_log.hpp"

void JsonLine::key(const std::string& name) {
  if (!body_.empty()) body_ += ",";
  body_ += "\"" + json_escape(name) + "\":";
}

JsonLine& JsonLine::add(const std::string& name, double value) {
  return add_nullable(name, value, std::isfinite(value));
}

JsonLine& JsonLine::add_nullable(const std::string& name, double value, bool present) {
  key(name);
  if (!present || !std::isfinite(value)) {
    body_ += "null";
  } else {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.9g", value);
    body_ += buf;
  }
  return *this;
}

JsonLine& JsonLine::add(const std::string& name, long long value) {
  key(name);
  body_ += std::to_string(value);
  return *this;
}

JsonLine& JsonLine::add(const std::string& name, unsigned long long value) {
  key(name);
  body_ += std::to_string(value);
  return *this;
}

JsonLine& JsonLine::add(const std::string& name, bool value) {
  key(name);
  body_ += value ? "true" : "false";
  return *this;
}

JsonLine& JsonLine::add(const std::string& name, const char* value) {
  return add(name, std::string(value));
}

JsonLine& JsonLine::add(const std::string& name, const std::string& value) {
  key(name);
  body_ += "\"" + json_escape(value) + "\"";
  return *this;
}

JsonLine& JsonLine::add_raw(const std::string& name, const std::string& json) {
  key(name);
  body_ += json;
  return *this;
}

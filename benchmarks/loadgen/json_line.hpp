// Builds the single JSON result line the runner parses.
#pragma once

#include <string>

class JsonLine {
 public:
  JsonLine& add(const std::string& key, double value);  // negative/NaN -> null when nullable
  JsonLine& add_nullable(const std::string& key, double value, bool present);
  JsonLine& add(const std::string& key, long long value);
  JsonLine& add(const std::string& key, unsigned long long value);
  JsonLine& add(const std::string& key, bool value);
  JsonLine& add(const std::string& key, const char* value);
  JsonLine& add(const std::string& key, const std::string& value);
  JsonLine& add_raw(const std::string& key, const std::string& json);
  std::string str() const { return "{" + body_ + "}"; }

 private:
  void key(const std::string& name);
  std::string body_;
};

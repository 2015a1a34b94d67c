// A minimal self-registering test harness for the protocol core.
//   UWS_TEST(name) { CHECK(cond); CHECK_EQ(a, b); }
// Failures are recorded (file:line and message) and the test goes on.
#pragma once

#include <cstdint>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace uws::test {

using TestFunction = void (*)();

struct TestCase {
  const char* name;
  TestFunction function;
};

inline std::vector<TestCase>& registry() {
  static std::vector<TestCase> tests;
  return tests;
}

struct Registrar {
  Registrar(const char* name, TestFunction function) { registry().push_back({name, function}); }
};

struct FailureLog {
  std::string text;
  int count = 0;
};

inline FailureLog& failures() {
  static FailureLog log;
  return log;
}

inline void recordFailure(const char* file, int line, const std::string& message) {
  FailureLog& log = failures();
  ++log.count;
  if (log.count > 20) return;  // enough to diagnose; keep the report short
  std::string_view path(file);
  const size_t slash = path.find("native/");
  if (slash != std::string_view::npos) path.remove_prefix(slash);
  log.text += std::string(path) + ":" + std::to_string(line) + ": " + message + "\n";
}

// Printable form of a checked value.
template <class T>
std::string show(const T& value) {
  using U = std::decay_t<T>;
  if constexpr (std::is_same_v<U, bool>) {
    return value ? "true" : "false";
  } else if constexpr (std::is_same_v<U, std::string> || std::is_same_v<U, std::string_view> ||
                       std::is_same_v<U, const char*> || std::is_same_v<U, char*>) {
    if constexpr (std::is_pointer_v<U>) {
      if (value == nullptr) return "nullptr";
    }
    std::string s = "\"";
    for (char c : std::string_view(value)) {
      const unsigned char u = static_cast<unsigned char>(c);
      if (u >= 0x20 && u < 0x7F && c != '"' && c != '\\') {
        s += c;
      } else {
        static const char* hex = "0123456789abcdef";
        s += "\\x";
        s += hex[u >> 4];
        s += hex[u & 15];
      }
    }
    return s + "\"";
  } else if constexpr (std::is_same_v<U, std::optional<std::string>>) {
    return value ? show(*value) : std::string("nullopt");
  } else if constexpr (std::is_enum_v<U>) {
    return std::to_string(static_cast<long long>(value));
  } else if constexpr (std::is_same_v<U, char> || std::is_same_v<U, signed char> || std::is_same_v<U, unsigned char>) {
    return std::to_string(static_cast<int>(value));
  } else if constexpr (std::is_arithmetic_v<U>) {
    std::ostringstream out;
    out << value;
    return out.str();
  } else if constexpr (std::is_same_v<U, std::vector<std::string>>) {
    std::string s = "[";
    for (size_t i = 0; i < value.size(); ++i) s += (i ? ", " : "") + show(value[i]);
    return s + "]";
  } else {
    return "<value>";
  }
}

}  // namespace uws::test

#define UWS_TEST(name)                                                                        \
  static void uws_test_##name();                                                              \
  static const ::uws::test::Registrar uws_test_registrar_##name(#name, &uws_test_##name);     \
  static void uws_test_##name()

#define CHECK(cond)                                                                           \
  do {                                                                                        \
    if (!(cond)) ::uws::test::recordFailure(__FILE__, __LINE__, "CHECK(" #cond ") failed");   \
  } while (0)

#define CHECK_EQ(a, b)                                                                        \
  do {                                                                                        \
    const auto& uws_check_a = (a);                                                            \
    const auto& uws_check_b = (b);                                                            \
    if (!(uws_check_a == uws_check_b))                                                        \
      ::uws::test::recordFailure(__FILE__, __LINE__,                                          \
                                 "CHECK_EQ(" #a ", " #b ") failed: " +                        \
                                     ::uws::test::show(uws_check_a) + " != " +                \
                                     ::uws::test::show(uws_check_b));                         \
  } while (0)

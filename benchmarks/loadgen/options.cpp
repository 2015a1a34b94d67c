#include "options.hpp"

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace {

[[noreturn]] void usage(const char* problem) {
  if (problem) std::fprintf(stderr, "loadgen: %s\n\n", problem);
  std::fprintf(stderr,
               "usage: loadgen <echo|connrate|idle|selftest> --port N [options]\n"
               "  --host A                  target, must be in 127.0.0.0/8 (default 127.0.0.1)\n"
               "  --connections N           echo/idle connections (default 1)\n"
               "  --in-flight K             echo: messages outstanding per connection (1)\n"
               "  --size B                  message size in bytes (32)\n"
               "  --binary                  binary messages (default text)\n"
               "  --warmup S --duration S   warm-up and measured window in seconds (1, 5)\n"
               "  --cpu-pid P               measure this server process's CPU time\n"
               "  --source-addresses N      spread over 127.0.0.2..(N+1) (32)\n"
               "  --timeout S               max seconds without progress (10)\n"
               "  --workers N               connrate: connections in flight (32)\n"
               "  --connect-concurrency N   handshakes in flight while opening (256)\n"
               "  --deflate                 offer permessage-deflate (not yet supported)\n"
               "idle: opens the connections, prints {\"event\":\"ready\"}, closes them all\n"
               "cleanly when a line arrives on stdin (or stdin closes), prints the result.\n");
  std::exit(2);
}

double parse_number(const char* text, const char* name) {
  char* end = nullptr;
  double value = std::strtod(text, &end);
  if (!end || *end != '\0' || value < 0) {
    std::fprintf(stderr, "loadgen: bad value for %s: %s\n", name, text);
    std::exit(2);
  }
  return value;
}

}  // namespace

Options parse_options(int argc, char** argv) {
  Options options;
  if (argc < 2) usage(nullptr);
  options.mode = argv[1];
  for (int i = 2; i < argc; ++i) {
    const char* arg = argv[i];
    auto value = [&]() -> const char* {
      if (i + 1 >= argc) usage((std::string("missing value for ") + arg).c_str());
      return argv[++i];
    };
    if (!std::strcmp(arg, "--host")) options.host = value();
    else if (!std::strcmp(arg, "--port")) options.port = int(parse_number(value(), arg));
    else if (!std::strcmp(arg, "--connections")) options.connections = uint32_t(parse_number(value(), arg));
    else if (!std::strcmp(arg, "--in-flight")) options.in_flight = uint32_t(parse_number(value(), arg));
    else if (!std::strcmp(arg, "--size")) options.size = uint64_t(parse_number(value(), arg));
    else if (!std::strcmp(arg, "--binary")) options.binary = true;
    else if (!std::strcmp(arg, "--warmup")) options.warmup_s = parse_number(value(), arg);
    else if (!std::strcmp(arg, "--duration")) options.duration_s = parse_number(value(), arg);
    else if (!std::strcmp(arg, "--cpu-pid")) options.cpu_pid = int(parse_number(value(), arg));
    else if (!std::strcmp(arg, "--source-addresses")) options.source_addresses = uint32_t(parse_number(value(), arg));
    else if (!std::strcmp(arg, "--timeout")) options.timeout_s = parse_number(value(), arg);
    else if (!std::strcmp(arg, "--workers")) options.workers = uint32_t(parse_number(value(), arg));
    else if (!std::strcmp(arg, "--connect-concurrency")) options.connect_concurrency = uint32_t(parse_number(value(), arg));
    else if (!std::strcmp(arg, "--deflate")) options.deflate = true;
    else if (!std::strcmp(arg, "--help") || !std::strcmp(arg, "-h")) usage(nullptr);
    else usage((std::string("unknown option ") + arg).c_str());
  }
  if (options.mode != "echo" && options.mode != "connrate" && options.mode != "idle" &&
      options.mode != "selftest") {
    usage("unknown mode");
  }
  if (options.mode != "selftest" && (options.port <= 0 || options.port > 65535)) usage("--port is required");
  if (options.source_addresses < 1 || options.source_addresses > 250) usage("--source-addresses must be 1..250");
  if (options.connections < 1 || options.in_flight < 1 || options.workers < 1 ||
      options.connect_concurrency < 1) {
    usage("counts must be at least 1");
  }
  return options;
}

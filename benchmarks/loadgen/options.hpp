// Command line of the load generator. See usage() in options.cpp.
#pragma once

#include <cstdint>
#include <string>

struct Options {
  std::string mode;  // echo | connrate | idle | selftest
  std::string host = "127.0.0.1";
  int port = 0;
  uint32_t connections = 1;   // echo, idle
  uint32_t in_flight = 1;     // echo: messages outstanding per connection
  uint64_t size = 32;         // message size in bytes
  bool binary = false;
  double warmup_s = 1.0;
  double duration_s = 5.0;
  int cpu_pid = 0;            // server process whose CPU time is measured
  uint32_t source_addresses = 32;  // 127.0.0.2 .. 127.0.0.(1+N)
  double timeout_s = 10.0;    // longest wait for progress on any connection
  uint32_t workers = 32;      // connrate: connections in flight
  uint32_t connect_concurrency = 256;  // echo/idle: handshakes in flight while opening
  bool deflate = false;
};

// Parses argv; prints usage and exits 2 on bad input.
Options parse_options(int argc, char** argv);

// Native WebSocket load generator for the uws/ws benchmarks.
// Single thread, epoll, loopback only. Prints one JSON line of results and
// exits non-zero if any connection saw an error. See options.cpp for usage.
#include <arpa/inet.h>
#include <sys/resource.h>

#include <csignal>
#include <cstdio>
#include <memory>

#include "error_log.hpp"
#include "event_loop.hpp"
#include "options.hpp"
#include "payload.hpp"
#include "scenario_connrate.hpp"
#include "scenario_echo.hpp"
#include "scenario_idle.hpp"
#include "selftest.hpp"
#include "ws_client.hpp"

namespace {

// Tens of thousands of sockets need more than the usual 1024 descriptors.
void raise_file_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
  }
}

uint64_t file_limit() {
  rlimit limit{};
  getrlimit(RLIMIT_NOFILE, &limit);
  return limit.rlim_cur;
}

}  // namespace

int main(int argc, char** argv) {
  Options options = parse_options(argc, argv);
  if (options.mode == "selftest") return run_selftest();

  if (options.deflate) {
    std::fprintf(stderr,
                 "loadgen: --deflate: permessage-deflate is not yet supported by the load "
                 "generator (it would need its own inflate/deflate); run without --deflate.\n");
    return 2;
  }

  ClientConfig config;
  config.target.sin_family = AF_INET;
  config.target.sin_port = htons(uint16_t(options.port));
  if (inet_pton(AF_INET, options.host.c_str(), &config.target.sin_addr) != 1) {
    std::fprintf(stderr, "loadgen: --host must be an IPv4 address: %s\n", options.host.c_str());
    return 2;
  }
  // A load generator must never be pointed at someone else's machine.
  if ((ntohl(config.target.sin_addr.s_addr) >> 24) != 127) {
    std::fprintf(stderr, "loadgen: refusing non-loopback target %s (127.0.0.0/8 only)\n",
                 options.host.c_str());
    return 2;
  }
  config.host_header = options.host + ":" + std::to_string(options.port);
  config.timeout_ms = int64_t(options.timeout_s * 1000);
  config.nodelay = options.mode != "connrate";

  signal(SIGPIPE, SIG_IGN);
  raise_file_limit();
  uint64_t needed = (options.mode == "connrate" ? options.workers : options.connections) + 16;
  if (file_limit() < needed) {
    std::fprintf(stderr, "loadgen: need %llu file descriptors, limit is %llu\n",
                 (unsigned long long)needed, (unsigned long long)file_limit());
    return 2;
  }

  PayloadPattern payload(options.size, options.binary);
  config.payload = &payload;
  uint64_t verified_bytes = 0;
  config.verified_bytes = &verified_bytes;
  EventLoop loop;
  ErrorLog errors;
  std::unique_ptr<Scenario> scenario;
  if (options.mode == "echo") scenario = std::make_unique<EchoScenario>(options, loop, errors, config);
  else if (options.mode == "connrate") scenario = std::make_unique<ConnRateScenario>(options, loop, errors, config);
  else scenario = std::make_unique<IdleScenario>(options, loop, errors, config);
  return scenario->run();
}

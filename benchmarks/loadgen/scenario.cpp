#include "scenario.hpp"

#include <arpa/inet.h>

#include <cstdio>

#include "proc_cpu.hpp"

Scenario::Scenario(const Options& options, EventLoop& loop, ErrorLog& errors,
                   const ClientConfig& config)
    : options_(options), loop_(loop), errors_(errors), config_(config) {}

Client& Scenario::add_client() {
  clients_.push_back(std::make_unique<Client>(uint32_t(clients_.size()), loop_, *this, config_, errors_));
  return *clients_.back();
}

in_addr Scenario::next_source_address() {
  // 127.0.0.2, .3, ...: each source address has its own ephemeral port range
  // towards the server, so tens of thousands of connections fit.
  in_addr address;
  address.s_addr = htonl((127u << 24) | (2u + next_source_++ % options_.source_addresses));
  return address;
}

WindowEdge Scenario::edge(uint64_t count) const {
  WindowEdge e;
  e.time_s = EventLoop::monotonic_seconds();
  e.server_cpu_s = process_cpu_seconds(options_.cpu_pid);
  e.own_cpu_s = own_cpu_seconds();
  e.count = count;
  e.bytes = config_.verified_bytes ? *config_.verified_bytes : 0;
  return e;
}

bool Scenario::all_clients_stopped() const {
  for (const auto& client : clients_) {
    if (client->state() != Client::State::Done && client->state() != Client::State::Idle) return false;
  }
  return true;
}

void Scenario::add_window(JsonLine& line, const std::string& plural,
                          const std::string& singular) const {
  if (!window_measured_) {
    line.add("window_s", 0.0);
    return;
  }
  double seconds = window_end_.time_s - window_start_.time_s;
  uint64_t count = window_end_.count - window_start_.count;
  bool cpu_known = window_start_.server_cpu_s >= 0 && window_end_.server_cpu_s >= 0;
  double server_cpu = window_end_.server_cpu_s - window_start_.server_cpu_s;
  double own_cpu = window_end_.own_cpu_s - window_start_.own_cpu_s;
  line.add("window_s", seconds);
  line.add(plural, (unsigned long long)count);
  line.add(plural + "_per_s", seconds > 0 ? double(count) / seconds : 0.0);
  line.add_nullable("server_cpu_s", server_cpu, cpu_known);
  line.add_nullable("server_busy", seconds > 0 ? server_cpu / seconds : 0.0, cpu_known);
  line.add_nullable("server_cpu_us_per_" + singular,
                    count ? server_cpu * 1e6 / double(count) : 0.0, cpu_known && count > 0);
  line.add("loadgen_cpu_s", own_cpu);
  line.add("loadgen_busy", seconds > 0 ? own_cpu / seconds : 0.0);
}

int Scenario::run() {
  loop_.poll_once(0);
  begin();
  while (!finished()) {
    // Short waits keep the window edges within a few milliseconds.
    loop_.poll_once(5);
    if (loop_.now_ms() >= next_timeout_scan_ms_) {
      next_timeout_scan_ms_ = loop_.now_ms() + 100;
      for (auto& client : clients_) client->check_timeout(loop_.now_ms());
    }
    after_poll();
  }
  JsonLine line;
  line.add("mode", options_.mode);
  line.add("ok", errors_.total() == 0);
  add_results(line);
  line.add("error_total", (unsigned long long)errors_.total());
  line.add_raw("errors", errors_.counts_json());
  line.add_raw("error_samples", errors_.samples_json());
  // All of this process's CPU time: once it has exited, the runner cannot
  // read it from /proc any more, and would count it as someone else's.
  line.add("loadgen_total_cpu_s", own_cpu_seconds());
  std::printf("%s\n", line.str().c_str());
  std::fflush(stdout);
  return errors_.total() == 0 ? 0 : 1;
}

// What all load scenarios share: the loop, the clients, source-address
// spreading, timeout scanning, the measured window and the result line.
#pragma once

#include <memory>
#include <vector>

#include "error_log.hpp"
#include "event_loop.hpp"
#include "json_line.hpp"
#include "options.hpp"
#include "ws_client.hpp"

// Counters and clocks at one edge of the measured window.
struct WindowEdge {
  double time_s = 0;
  double server_cpu_s = -1;  // negative: not measured
  double own_cpu_s = 0;
  uint64_t count = 0;  // messages or completed connections
  uint64_t bytes = 0;  // echoed payload bytes verified
};

class Scenario : public ClientEvents {
 public:
  Scenario(const Options& options, EventLoop& loop, ErrorLog& errors, const ClientConfig& config);

  // Runs to completion, prints the JSON result line, returns the exit code.
  int run();

 protected:
  virtual void begin() = 0;
  virtual void after_poll() = 0;  // phase changes happen here, outside callbacks
  virtual bool finished() const = 0;
  virtual void add_results(JsonLine& line) = 0;

  Client& add_client();
  in_addr next_source_address();
  WindowEdge edge(uint64_t count) const;
  bool all_clients_stopped() const;  // every client Done or never started
  // Adds the window fields shared by echo and connrate.
  void add_window(JsonLine& line, const std::string& plural, const std::string& singular) const;

  const Options& options_;
  EventLoop& loop_;
  ErrorLog& errors_;
  const ClientConfig& config_;
  std::vector<std::unique_ptr<Client>> clients_;
  WindowEdge window_start_, window_end_;
  bool window_measured_ = false;

 private:
  uint32_t next_source_ = 0;
  int64_t next_timeout_scan_ms_ = 0;
};

// Connection rate: W workers, each repeatedly connects, upgrades, sends one
// message, verifies the echo, closes cleanly and waits for EOF. Counted are
// connections that completed this whole cycle inside the measured window.
#pragma once

#include <vector>

#include "scenario.hpp"

class ConnRateScenario final : public Scenario {
 public:
  using Scenario::Scenario;

 private:
  enum class Phase { Warmup, Measuring, Draining };

  void begin() override;
  void after_poll() override;
  bool finished() const override;
  void add_results(JsonLine& line) override;

  void on_open(Client& client) override;
  void on_message(Client& client) override;
  void on_closed(Client& client, bool clean) override;

  void start_draining();

  Phase phase_ = Phase::Warmup;
  uint64_t completed_ = 0;
  double phase_end_s_ = 0;
  // Clients whose connection finished; restarted after the current poll so
  // that no stale epoll event of the old socket reaches the new one.
  std::vector<Client*> restart_;
};

// Echo throughput: N connections, K messages in flight on each. Every reply
// triggers the next message on that connection. After warm-up, a window is
// measured; then sending stops, the last replies are verified and every
// connection is closed cleanly.
#pragma once

#include "scenario.hpp"

class EchoScenario final : public Scenario {
 public:
  using Scenario::Scenario;

 private:
  enum class Phase { Opening, Warmup, Measuring, Draining };

  void begin() override;
  void after_poll() override;
  bool finished() const override;
  void add_results(JsonLine& line) override;

  void on_open(Client& client) override;
  void on_message(Client& client) override;
  void on_closed(Client& client, bool clean) override;

  void start_next_connection();
  void start_draining();

  Phase phase_ = Phase::Opening;
  uint32_t started_ = 0;
  uint32_t opened_ = 0;
  uint32_t handshakes_pending_ = 0;
  uint64_t messages_ = 0;
  double opened_at_s_ = 0;
  double begun_at_s_ = 0;
  double phase_end_s_ = 0;
};

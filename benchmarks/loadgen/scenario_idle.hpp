// Idle connections for the memory measurement: opens N connections (no
// messages), prints {"event":"ready",...} and holds them until a line (or
// EOF) arrives on stdin, while the runner asks the server for its memory.
// Then closes every connection cleanly and prints the result line.
#pragma once

#include "scenario.hpp"

class IdleScenario final : public Scenario, private IoHandler {
 public:
  using Scenario::Scenario;

 private:
  enum class Phase { Opening, Holding, Draining };

  void begin() override;
  void after_poll() override;
  bool finished() const override;
  void add_results(JsonLine& line) override;

  void on_open(Client& client) override;
  void on_message(Client& client) override;
  void on_closed(Client& client, bool clean) override;

  void handle_io(uint32_t events) override;  // stdin
  void start_draining();

  Phase phase_ = Phase::Opening;
  uint32_t started_ = 0;
  uint32_t opened_ = 0;
  uint32_t closed_clean_ = 0;
  double begun_at_s_ = 0, opened_at_s_ = 0, drain_at_s_ = 0;
  double server_cpu_begin_ = -1, server_cpu_opened_ = -1;
  bool stdin_watched_ = false;
};

#include "scenario_connrate.hpp"

void ConnRateScenario::begin() {
  for (uint32_t i = 0; i < options_.workers; ++i) add_client().start(next_source_address());
  phase_end_s_ = EventLoop::monotonic_seconds() + options_.warmup_s;
}

void ConnRateScenario::on_open(Client& client) {
  if (phase_ == Phase::Draining) client.begin_close();
  else client.send_message();
}

void ConnRateScenario::on_message(Client& client) { client.begin_close(); }

void ConnRateScenario::on_closed(Client& client, bool clean) {
  if (!clean) return;  // recorded by the client; after_poll() stops the run
  ++completed_;
  if (phase_ != Phase::Draining) restart_.push_back(&client);
}

void ConnRateScenario::start_draining() {
  if (phase_ == Phase::Measuring) {
    window_end_ = edge(completed_);
    window_measured_ = true;
  }
  phase_ = Phase::Draining;
  restart_.clear();
  // Workers mid-cycle finish it (open ones close right after their echo).
}

void ConnRateScenario::after_poll() {
  if (phase_ != Phase::Draining && errors_.total() > 0) {
    start_draining();
    return;
  }
  for (Client* client : restart_) client->start(next_source_address());
  restart_.clear();
  double now = EventLoop::monotonic_seconds();
  if (phase_ == Phase::Warmup && now >= phase_end_s_) {
    window_start_ = edge(completed_);
    phase_ = Phase::Measuring;
    phase_end_s_ = now + options_.duration_s;
  } else if (phase_ == Phase::Measuring && now >= phase_end_s_) {
    start_draining();
  }
}

bool ConnRateScenario::finished() const {
  return phase_ == Phase::Draining && all_clients_stopped();
}

void ConnRateScenario::add_results(JsonLine& line) {
  line.add("workers", (unsigned long long)options_.workers);
  line.add("size", (unsigned long long)options_.size);
  add_window(line, "connections", "connection");
  line.add("connections_total", (unsigned long long)completed_);
}

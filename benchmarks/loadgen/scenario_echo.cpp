#include "scenario_echo.hpp"

void EchoScenario::begin() {
  begun_at_s_ = EventLoop::monotonic_seconds();
  for (uint32_t i = 0; i < options_.connections; ++i) add_client();
  while (started_ < options_.connections && handshakes_pending_ < options_.connect_concurrency) {
    start_next_connection();
  }
}

void EchoScenario::start_next_connection() {
  Client& client = *clients_[started_++];
  ++handshakes_pending_;
  client.start(next_source_address());
}

void EchoScenario::on_open(Client& client) {
  --handshakes_pending_;
  ++opened_;
  if (phase_ == Phase::Draining) client.begin_close();
}

void EchoScenario::on_message(Client& client) {
  ++messages_;
  if (phase_ == Phase::Draining) {
    if (client.in_flight() == 0) client.begin_close();
  } else {
    client.send_message();
  }
}

void EchoScenario::on_closed(Client& /*client*/, bool /*clean*/) {
  // Failures were already recorded by the client; after_poll() sees them
  // and stops the run. Clean closes only happen while draining.
}

void EchoScenario::start_draining() {
  if (phase_ == Phase::Measuring) {
    window_end_ = edge(messages_);
    window_measured_ = true;
  }
  phase_ = Phase::Draining;
  for (auto& client : clients_) {
    if (client->state() == Client::State::Open && client->in_flight() == 0) client->begin_close();
  }
}

void EchoScenario::after_poll() {
  if (phase_ != Phase::Draining && errors_.total() > 0) {
    start_draining();  // any error fails the run: stop loading, finish cleanly
    return;
  }
  double now = EventLoop::monotonic_seconds();
  switch (phase_) {
    case Phase::Opening:
      while (started_ < options_.connections && handshakes_pending_ < options_.connect_concurrency) {
        start_next_connection();
      }
      if (opened_ == options_.connections) {
        opened_at_s_ = now;
        phase_ = Phase::Warmup;
        phase_end_s_ = now + options_.warmup_s;
        for (auto& client : clients_) {
          for (uint32_t i = 0; i < options_.in_flight; ++i) client->send_message();
        }
      }
      break;
    case Phase::Warmup:
      if (now >= phase_end_s_) {
        window_start_ = edge(messages_);
        phase_ = Phase::Measuring;
        phase_end_s_ = now + options_.duration_s;
      }
      break;
    case Phase::Measuring:
      if (now >= phase_end_s_) start_draining();
      break;
    case Phase::Draining:
      break;
  }
}

bool EchoScenario::finished() const {
  return phase_ == Phase::Draining && all_clients_stopped();
}

void EchoScenario::add_results(JsonLine& line) {
  line.add("connections", (unsigned long long)options_.connections);
  line.add("in_flight", (unsigned long long)options_.in_flight);
  line.add("size", (unsigned long long)options_.size);
  line.add("binary", options_.binary);
  line.add("open_s", opened_at_s_ > 0 ? opened_at_s_ - begun_at_s_ : 0.0);
  add_window(line, "messages", "message");
  if (window_measured_) {
    double seconds = window_end_.time_s - window_start_.time_s;
    double bytes = double(window_end_.bytes - window_start_.bytes);
    line.add("payload_bytes", bytes);
    line.add("mb_per_s", seconds > 0 ? bytes / seconds / 1e6 : 0.0);
  }
  line.add("messages_total", (unsigned long long)messages_);
}

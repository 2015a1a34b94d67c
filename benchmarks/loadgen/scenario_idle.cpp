#include "scenario_idle.hpp"

#include <sys/epoll.h>
#include <unistd.h>

#include <cstdio>

#include "proc_cpu.hpp"

void IdleScenario::begin() {
  begun_at_s_ = EventLoop::monotonic_seconds();
  server_cpu_begin_ = process_cpu_seconds(options_.cpu_pid);
  for (uint32_t i = 0; i < options_.connections; ++i) add_client();
}

void IdleScenario::on_open(Client& client) {
  ++opened_;
  if (phase_ == Phase::Draining) client.begin_close();
}

void IdleScenario::on_message(Client& /*client*/) {}  // never sends any

void IdleScenario::on_closed(Client& /*client*/, bool clean) {
  if (clean) ++closed_clean_;
}

void IdleScenario::handle_io(uint32_t /*events*/) {
  char buffer[256];
  ssize_t n = read(STDIN_FILENO, buffer, sizeof buffer);
  if (n < 0) return;
  // Any line or EOF means "measured, close them now".
  loop_.remove(STDIN_FILENO);
  stdin_watched_ = false;
  start_draining();
}

void IdleScenario::start_draining() {
  if (phase_ == Phase::Draining) return;
  phase_ = Phase::Draining;
  drain_at_s_ = EventLoop::monotonic_seconds();
  for (auto& client : clients_) {
    if (client->state() == Client::State::Open) client->begin_close();
  }
}

void IdleScenario::after_poll() {
  if (phase_ != Phase::Draining && errors_.total() > 0) {
    if (stdin_watched_) loop_.remove(STDIN_FILENO);
    stdin_watched_ = false;
    start_draining();
    return;
  }
  if (phase_ != Phase::Opening) return;
  // Completed handshakes free slots for new ones.
  while (started_ < options_.connections && started_ - opened_ < options_.connect_concurrency) {
    clients_[started_++]->start(next_source_address());
  }
  if (opened_ == options_.connections) {
    phase_ = Phase::Holding;
    opened_at_s_ = EventLoop::monotonic_seconds();
    server_cpu_opened_ = process_cpu_seconds(options_.cpu_pid);
    JsonLine ready;
    ready.add("event", "ready");
    ready.add("connections", (unsigned long long)opened_);
    ready.add("open_s", opened_at_s_ - begun_at_s_);
    std::printf("%s\n", ready.str().c_str());
    std::fflush(stdout);
    // stdin that cannot be polled (e.g. /dev/null) means nobody will ask.
    stdin_watched_ = loop_.try_add(STDIN_FILENO, EPOLLIN, this);
    if (!stdin_watched_) start_draining();
  }
}

bool IdleScenario::finished() const {
  return phase_ == Phase::Draining && all_clients_stopped();
}

void IdleScenario::add_results(JsonLine& line) {
  line.add("connections", (unsigned long long)options_.connections);
  line.add("opened", (unsigned long long)opened_);
  line.add("closed_clean", (unsigned long long)closed_clean_);
  line.add("open_s", opened_at_s_ > 0 ? opened_at_s_ - begun_at_s_ : 0.0);
  line.add("close_s", drain_at_s_ > 0 ? EventLoop::monotonic_seconds() - drain_at_s_ : 0.0);
  bool cpu_known = server_cpu_begin_ >= 0 && server_cpu_opened_ >= 0 && opened_ > 0;
  line.add_nullable("server_cpu_us_per_open",
                    (server_cpu_opened_ - server_cpu_begin_) * 1e6 / double(opened_ ? opened_ : 1),
                    cpu_known);
}

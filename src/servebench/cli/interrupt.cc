// Copyright servebench authors.

#include "servebench/cli/interrupt.h"

#include <csignal>

namespace servebench {
namespace {

// A signal handler may only touch a lock-free atomic.
std::atomic<bool> g_interrupted{false};
static_assert(std::atomic<bool>::is_always_lock_free);

void OnSignal(int) { g_interrupted.store(true); }

}  // namespace

InterruptFlag::InterruptFlag() {
  g_interrupted.store(false);
  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);
}

InterruptFlag::~InterruptFlag() {
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
}

const std::atomic<bool>* InterruptFlag::flag() const { return &g_interrupted; }

}  // namespace servebench

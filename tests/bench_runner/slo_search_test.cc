// Copyright servebench authors.
//
// The SLO search driven by a simulated server whose truth is known: a single FIFO worker with a
// fixed service time under Poisson arrivals (M/D/1). A probe meets the SLO exactly when the exact
// sojourn-time distribution puts the percentile within the bound, and an overloaded probe
// achieves the server's capacity 1 / D. The search must land within its 5% tolerance of the
// highest such rate, from below.

#include "servebench/bench/slo_search.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <string>

#include "md1_queue.h"

namespace servebench {
namespace {

struct Server {
  double service_time;  // s
  double percentile;
  double bound;  // s

  ProbeOutcome Outcome(double rate) const {
    if (rate * service_time >= 1) return ProbeOutcome::kNotMet;  // unstable: latency grows forever
    const Md1Queue queue(service_time, rate);
    return queue.SojournCdf(bound) >= percentile / 100 ? ProbeOutcome::kMet : ProbeOutcome::kNotMet;
  }
  double Achieved(double rate) const { return std::min(rate, 1 / service_time); }
};

// Runs the search to its end against `server`; returns it.
SloSearch Drive(const Server& server, const SloSearchSettings& settings) {
  SloSearch search(settings);
  std::string error;
  while (!search.done()) {
    const double rate = search.NextRate();
    EXPECT_TRUE(search.Record(rate, server.Outcome(rate), server.Achieved(rate), &error)) << error;
  }
  return search;
}

void ExpectWithinTolerance(const Server& server, const SloSearchSettings& settings) {
  const double truth = HighestRateWithin(server.service_time, server.percentile, server.bound);
  const SloSearch search = Drive(server, settings);
  SCOPED_TRACE("D=" + std::to_string(server.service_time) + " p" +
               std::to_string(server.percentile) + " bound=" + std::to_string(server.bound) +
               " truth=" + std::to_string(truth) +
               " initial=" + std::to_string(settings.initial_rate));
  ASSERT_EQ(search.end(), SloSearchEnd::kConverged);
  ASSERT_TRUE(search.found());
  EXPECT_LE(search.best_rate(), truth);
  EXPECT_GE(search.best_rate(), truth / (1 + settings.tolerance));
  EXPECT_GT(search.upper_rate(), truth);
  EXPECT_LE(search.upper_rate(), search.best_rate() * (1 + settings.tolerance));
  EXPECT_EQ(search.best_throughput(), search.best_rate());  // below capacity: all of it served
  EXPECT_LE(static_cast<int>(search.probes().size()), 14);
}

SloSearchSettings StartingAt(double initial_rate) {
  SloSearchSettings settings;
  settings.initial_rate = initial_rate;
  settings.min_rate = std::min(settings.min_rate, initial_rate);
  return settings;
}

TEST(SloSearchTest, LandsWithinToleranceOfTheMd1Truth) {
  for (const Server& server :
       {Server{0.001, 99, 0.010}, Server{0.010, 99, 0.050}, Server{0.050, 90, 0.200},
        Server{0.002, 50, 0.004}, Server{0.0005, 99.9, 0.005}}) {
    ExpectWithinTolerance(server, StartingAt(100));
  }
}

TEST(SloSearchTest, LooseBoundFindsNearlyTheCapacity) {
  // p99 within 200 service times: the truth is within 2% of 1 / D = 1000/s.
  const Server server{0.001, 99, 0.200};
  const double truth = HighestRateWithin(server.service_time, server.percentile, server.bound);
  EXPECT_GT(truth, 0.98 * 1000);
  ExpectWithinTolerance(server, StartingAt(10));
  const SloSearch search = Drive(server, StartingAt(10));
  EXPECT_GT(search.best_rate(), 0.93 * 1000);
}

TEST(SloSearchTest, FirstProbeFarAboveCapacityShrinks) {
  // 50 ms of service: capacity 20/s. A first probe at 2000/s is a hundred times too much; the
  // overloaded probe's achieved throughput (20/s) takes the search straight to the capacity.
  const Server server{0.050, 99, 0.250};
  ExpectWithinTolerance(server, StartingAt(2000));
  const SloSearch search = Drive(server, StartingAt(2000));
  ASSERT_GE(search.probes().size(), 3u);
  EXPECT_EQ(search.probes()[0].outcome, ProbeOutcome::kNotMet);
  EXPECT_DOUBLE_EQ(search.probes()[1].rate, 20);  // the achieved throughput, not 2000 / 4
}

TEST(SloSearchTest, BisectionAimsBelowAnOverloadedUpperEnd) {
  // 1 ms of service, p99 within 10 ms: 100 and 400/s meet, 1600/s is overloaded and achieves the
  // capacity, 1000/s. The next probe is sqrt(400 * 1000), not sqrt(400 * 1600).
  const Server server{0.001, 99, 0.010};
  SloSearch search(StartingAt(100));
  std::string error;
  for (double rate : {100.0, 400.0, 1600.0}) {
    ASSERT_DOUBLE_EQ(search.NextRate(), rate);
    ASSERT_TRUE(search.Record(rate, server.Outcome(rate), server.Achieved(rate), &error)) << error;
  }
  EXPECT_NEAR(search.NextRate(), std::sqrt(400.0 * 1000), 1e-9);
  ExpectWithinTolerance(server, StartingAt(100));
}

TEST(SloSearchTest, FirstProbeFarBelowGrows) {
  ExpectWithinTolerance(Server{0.001, 99, 0.010}, StartingAt(0.5));
}

TEST(SloSearchTest, TighterToleranceLandsCloser) {
  SloSearchSettings settings = StartingAt(100);
  settings.tolerance = 0.005;
  ExpectWithinTolerance(Server{0.001, 99, 0.010}, settings);
}

TEST(SloSearchTest, ABoundBelowTheServiceTimeIsNeverMet) {
  const Server server{0.010, 99, 0.005};
  SloSearchSettings settings = StartingAt(100);
  settings.min_rate = 0.1;
  const SloSearch search = Drive(server, settings);
  EXPECT_EQ(search.end(), SloSearchEnd::kNoneMet);
  EXPECT_FALSE(search.found());
  EXPECT_EQ(search.best_rate(), 0);
  EXPECT_DOUBLE_EQ(search.upper_rate(), 0.1);  // it tried min_rate itself last
  for (const SloProbe& probe : search.probes()) EXPECT_EQ(probe.outcome, ProbeOutcome::kNotMet);
}

TEST(SloSearchTest, MaxRateCapsTheAnswer) {
  const Server server{0.001, 99, 0.200};  // truth about 990/s
  SloSearchSettings settings = StartingAt(100);
  settings.max_rate = 300;
  const SloSearch search = Drive(server, settings);
  EXPECT_EQ(search.end(), SloSearchEnd::kCapped);
  EXPECT_EQ(search.best_rate(), 300);
  ASSERT_EQ(search.probes().size(), 2u);  // 100, then min(400, 300)
}

TEST(SloSearchTest, OutOfProbesKeepsTheBestMetRate) {
  SloSearchSettings settings = StartingAt(1);
  settings.max_probes = 3;  // 1, 4, 16: all met, far below the truth
  const SloSearch search = Drive(Server{0.001, 99, 0.010}, settings);
  EXPECT_EQ(search.end(), SloSearchEnd::kOutOfProbes);
  EXPECT_EQ(search.best_rate(), 16);
  EXPECT_EQ(search.probes().size(), 3u);
}

TEST(SloSearchTest, InconclusiveBoundsFromAbove) {
  SloSearch search(StartingAt(100));
  std::string error;
  ASSERT_TRUE(search.Record(100, ProbeOutcome::kMet, 100, &error));
  EXPECT_EQ(search.NextRate(), 400);
  ASSERT_TRUE(search.Record(400, ProbeOutcome::kInconclusive, 390, &error));
  EXPECT_EQ(search.best_rate(), 100);
  EXPECT_EQ(search.upper_rate(), 400);
  EXPECT_DOUBLE_EQ(search.NextRate(), 200);  // the geometric mean
}

TEST(SloSearchTest, RejectsProbesOutsideTheBracket) {
  SloSearch search(StartingAt(100));
  std::string error;
  ASSERT_TRUE(search.Record(100, ProbeOutcome::kMet, 100, &error));
  ASSERT_TRUE(search.Record(400, ProbeOutcome::kNotMet, 300, &error));
  EXPECT_FALSE(search.Record(50, ProbeOutcome::kMet, 50, &error));
  EXPECT_NE(error.find("outside the open bracket (100, 400)"), std::string::npos) << error;
  EXPECT_FALSE(search.Record(400, ProbeOutcome::kMet, 400, &error));
  EXPECT_FALSE(search.Record(std::nan(""), ProbeOutcome::kMet, 1, &error));
  EXPECT_FALSE(search.Record(200, ProbeOutcome::kMet, -1, &error));
  EXPECT_NE(error.find("throughput"), std::string::npos) << error;
  EXPECT_EQ(search.probes().size(), 2u);
}

TEST(SloSearchTest, GuaranteesHoldWhateverTheOutcomes) {
  // Outcomes drawn at random, not monotone in the rate: every met probe is still at or below
  // best_rate(), every other at or above upper_rate(), and nothing was measured in between.
  std::mt19937 generator(7);
  std::bernoulli_distribution coin(0.5);
  for (int trial = 0; trial < 200; ++trial) {
    SloSearch search(StartingAt(100));
    std::string error;
    while (!search.done()) {
      const double rate = search.NextRate();
      const ProbeOutcome outcome = coin(generator) ? ProbeOutcome::kMet : ProbeOutcome::kNotMet;
      ASSERT_TRUE(search.Record(rate, outcome, rate, &error)) << error;
    }
    for (const SloProbe& probe : search.probes()) {
      if (probe.outcome == ProbeOutcome::kMet) {
        EXPECT_LE(probe.rate, search.best_rate());
      } else {
        EXPECT_GE(probe.rate, search.upper_rate());
      }
    }
    if (search.end() == SloSearchEnd::kConverged) {
      EXPECT_LE(search.upper_rate(), search.best_rate() * 1.05);
    }
  }
}

TEST(SloSearchTest, RejectsBadSettingsNamingTheField) {
  std::string error;
  EXPECT_TRUE(ValidateSloSearchSettings(SloSearchSettings{}, &error));
  SloSearchSettings bad;
  bad.growth = 1;
  EXPECT_FALSE(ValidateSloSearchSettings(bad, &error));
  EXPECT_NE(error.find("growth"), std::string::npos) << error;
  bad = SloSearchSettings{};
  bad.tolerance = 0;
  EXPECT_FALSE(ValidateSloSearchSettings(bad, &error));
  EXPECT_NE(error.find("tolerance"), std::string::npos) << error;
  bad = SloSearchSettings{};
  bad.initial_rate = std::numeric_limits<double>::quiet_NaN();
  EXPECT_FALSE(ValidateSloSearchSettings(bad, &error));
  EXPECT_NE(error.find("initial_rate"), std::string::npos) << error;
  bad = SloSearchSettings{};
  bad.min_rate = 1000;
  EXPECT_FALSE(ValidateSloSearchSettings(bad, &error));
  EXPECT_NE(error.find("min_rate"), std::string::npos) << error;
  bad = SloSearchSettings{};
  bad.max_rate = 10;
  EXPECT_FALSE(ValidateSloSearchSettings(bad, &error));
  EXPECT_NE(error.find("max_rate"), std::string::npos) << error;
  bad = SloSearchSettings{};
  bad.max_probes = 0;
  EXPECT_FALSE(ValidateSloSearchSettings(bad, &error));
  EXPECT_NE(error.find("max_probes"), std::string::npos) << error;
}

}  // namespace
}  // namespace servebench

// Copyright servebench authors.
//
// RunProgram: a helper program run to its end, its output in a log, its time bounded, its
// failure explained.

#include "servebench/lifecycle/run_program.h"

#include <gtest/gtest.h>

#include <fstream>

#include "servebench/core/clock.h"
#include "temp_dir.h"

namespace servebench {
namespace {

using testing::TempDir;

TEST(RunProgramTest, SucceedsWithItsOutputInTheLogAndTheEnvironmentAdded) {
  TempDir dir;
  const std::string log = dir.file("helper.log");
  std::string error;
  ASSERT_TRUE(RunProgram({"sh", "-c", "echo \"made $SERVEBENCH_TEST_THING\"; echo note >&2"},
                         {"SERVEBENCH_TEST_THING=archive"}, log, 5 * kNanosPerSecond, &error))
      << error;
  std::string text;
  std::ifstream in(log);
  ASSERT_TRUE(std::getline(in, text));
  EXPECT_EQ(text, "made archive");
}

TEST(RunProgramTest, FailureSaysHowItEndedAndQuotesTheLog) {
  TempDir dir;
  std::string error;
  EXPECT_FALSE(RunProgram({"/bin/sh", "-c", "echo 'no such model file' >&2; exit 3"}, {},
                          dir.file("helper.log"), 5 * kNanosPerSecond, &error));
  EXPECT_NE(error.find("/bin/sh exited with status 3"), std::string::npos) << error;
  EXPECT_NE(error.find("no such model file"), std::string::npos) << error;

  EXPECT_FALSE(RunProgram({dir.file("no-such-helper")}, {}, dir.file("helper.log"),
                          5 * kNanosPerSecond, &error));
  EXPECT_NE(error.find("cannot run " + dir.file("no-such-helper")), std::string::npos) << error;
}

TEST(RunProgramTest, IsKilledAtItsTimeBound) {
  TempDir dir;
  std::string error;
  const int64_t start = MonotonicNanos();
  EXPECT_FALSE(
      RunProgram({"/bin/sleep", "10"}, {}, dir.file("helper.log"), 300 * kNanosPerMilli, &error));
  EXPECT_LT(MonotonicNanos() - start, 3 * kNanosPerSecond);
  EXPECT_NE(error.find("did not finish within"), std::string::npos) << error;
}

}  // namespace
}  // namespace servebench

// Copyright servebench authors.
//
// The "hardware" warning: cells of one run (a Slurm run records each node's environment)
// measured on different hardware are flagged, each naming its node and hardware; cells on the
// same hardware, or recording no environment (a local run), are not.

#include "servebench/report/run_warnings.h"

#include <gtest/gtest.h>

namespace servebench {
namespace {

CellRecord CellOn(const std::string& id, const std::string& host, const std::string& cpu, int cores,
                  double memory_bytes, const std::string& kernel) {
  CellRecord cell;
  cell.cell_id = id;
  cell.environment = {{"hostname", host}, {"cpu_model", cpu},
                      {"cores", cores},   {"memory_bytes", memory_bytes},
                      {"kernel", kernel}, {"gpu", nlohmann::json::array()}};
  return cell;
}

std::vector<RunWarning> HardwareWarnings(const std::vector<CellRecord>& cells) {
  std::vector<RunWarning> out;
  for (const RunWarning& w : CollectWarnings(cells)) {
    if (w.kind == "hardware") out.push_back(w);
  }
  return out;
}

TEST(RunWarningsTest, CellsOnDifferentHardwareAreFlagged) {
  const double gib = 1 << 30;
  const std::vector<CellRecord> cells = {
      CellOn("a/s/x", "node1", "Intel Xeon 6338", 64, 251.4 * gib, "Linux 6.1"),
      CellOn("a/s/y", "node2", "AMD EPYC 7763", 128, 503.2 * gib, "Linux 6.1")};
  const std::vector<RunWarning> w = HardwareWarnings(cells);
  ASSERT_EQ(w.size(), 2u);
  EXPECT_EQ(w[0].cell_id, "a/s/x");
  EXPECT_EQ(w[0].message,
            "measured on node1 (Intel Xeon 6338, 64 cores, 251 GiB), one of 2 kinds of hardware "
            "in this run: compare its numbers with cells on the same hardware only");
  EXPECT_EQ(HardwareOf(cells[1]), "AMD EPYC 7763, 128 cores, 503 GiB");
}

TEST(RunWarningsTest, SameHardwareOrNoEnvironmentIsNotFlagged) {
  const double gib = 1 << 30;
  // Identical nodes whose MemTotal differs by a few MiB, on different kernels: one kind.
  std::vector<CellRecord> cells = {
      CellOn("a/s/x", "node1", "Intel Xeon 6338", 64, 251.40 * gib, "Linux 6.1"),
      CellOn("a/s/y", "node2", "Intel Xeon 6338", 64, 251.41 * gib, "Linux 6.5")};
  EXPECT_TRUE(HardwareWarnings(cells).empty());
  CellRecord local;
  local.cell_id = "a/s/z";
  EXPECT_EQ(HardwareOf(local), "");
  cells.push_back(local);
  EXPECT_TRUE(HardwareWarnings(cells).empty());
}

}  // namespace
}  // namespace servebench

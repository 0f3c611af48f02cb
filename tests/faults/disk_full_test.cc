// Copyright servebench authors.
//
// The disk fills while `servebench run` records its results: a small tmpfs holds the run folder
// and the test fills it at the second cell's first inference. The run must stop with an error
// naming the file it could not write, exit non-zero, keep every finished cell in the journal,
// and `--resume` must complete the run once there is space again.
//
// The tmpfs is mounted in a mount namespace of this test process's own (root in a container, or
// an unprivileged user namespace where the kernel allows it); where neither is possible the test
// is skipped, saying so.

#include <errno.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sched.h>
#include <sys/mount.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "fake_kserve.h"
#include "fault_harness.h"
#include "test_http_server.h"

namespace servebench::faults {
namespace {

using nlohmann::json;
using testing::FakeKServe;
using testing::FakeKServeOptions;
using testing::TestHttpServer;

// A private mount namespace with a tmpfs of `megabytes` at `where`; false with *why when this
// process may not have one.
bool MountPrivateTmpfs(const fs::path& where, int megabytes, std::string* why) {
  if (unshare(CLONE_NEWNS) != 0) {
    *why = std::string("unshare(CLONE_NEWNS): ") + std::strerror(errno);
    return false;
  }
  // Mounts made here must not propagate to the machine's namespace.
  if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
    *why = std::string("making / private: ") + std::strerror(errno);
    return false;
  }
  fs::create_directories(where);
  const std::string options = "size=" + std::to_string(megabytes) + "m";
  if (mount("tmpfs", where.c_str(), "tmpfs", 0, options.c_str()) != 0) {
    *why = std::string("mount tmpfs: ") + std::strerror(errno);
    return false;
  }
  return true;
}

// Writes `path` until the file system is full; returns the bytes written.
int64_t FillUp(const fs::path& path) {
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return 0;
  static const std::string chunk(64 * 1024, 'x');
  int64_t total = 0;
  while (true) {
    const ssize_t n = write(fd, chunk.data(), chunk.size());
    if (n <= 0) break;
    total += n;
  }
  // The last pages' remainder, a byte at a time.
  while (write(fd, "x", 1) == 1) ++total;
  close(fd);
  return total;
}

TEST(DiskFullTest, ClearErrorKeepsFinishedCellsAndResumeCompletes) {
  TempDir dir;
  const fs::path disk = dir.path() / "disk";
  std::string why;
  if (!MountPrivateTmpfs(disk, 8, &why)) GTEST_SKIP() << "no private tmpfs here: " << why;
  struct Unmount {
    fs::path at;
    ~Unmount() { umount2(at.c_str(), MNT_DETACH); }
  } unmount{disk};

  const fs::path runs = disk / "runs";
  std::atomic<bool> filled{false};
  FakeKServeOptions fake;
  // At the first inference after the first cell is journaled, fill the disk.
  fake.on_infer = [&](int64_t) {
    if (filled.load() || !fs::exists(runs) || fs::is_empty(runs)) return;
    for (const auto& e : fs::directory_iterator(runs)) {
      if (JournalCells(e.path()).size() == 1 && FillUp(disk / "filler") > 0) filled = true;
    }
  };
  TestHttpServer server(FakeKServe(fake));
  const fs::path config = dir.path() / "experiment.yaml";
  std::ofstream(config) << Experiment(
      dir.path(),
      "  - {name: fake, kind: external, url: \"http://127.0.0.1:" + std::to_string(server.port()) +
          "\"}\n",
      "  - {name: a, kind: concurrency_sweep, levels: [1]}\n"
      "  - {name: b, kind: concurrency_sweep, levels: [1]}\n"
      "  - {name: c, kind: concurrency_sweep, levels: [1]}\n",
      "  warmup: 200ms\n  window: 200ms\n  min_duration: 600ms\n  min_requests: 20\n"
      "  max_duration: 1s\n  request_timeout: 1s\n");

  Servebench run({"run", config.string(), "--out", runs.string()}, dir.path());
  EXPECT_EQ(run.Wait(60), 3) << run.err();
  ASSERT_TRUE(filled.load());
  const fs::path run_dir = OnlyRunDir(runs);
  const std::string err = run.err();
  EXPECT_NE(err.find("No space left on device"), std::string::npos) << err;
  const bool names_file =
      err.find("cannot record mlp/fake/b in " + (run_dir / "journal.jsonl").string() + ": ") !=
          std::string::npos ||
      err.find("cannot record mlp/fake/b in " + (run_dir / "results.db").string() + ": ") !=
          std::string::npos;
  EXPECT_TRUE(names_file) << err;
  EXPECT_NE(err.find("servebench run --resume " + run_dir.string()), std::string::npos) << err;
  // The finished cell is in the journal, whole; the run stopped there (no cell c).
  const std::vector<json> before = JournalCells(run_dir);
  ASSERT_GE(before.size(), 1u);
  for (const json& cell : before) EXPECT_NE(cell["cell_id"], "mlp/fake/c");
  EXPECT_EQ(before[0]["cell_id"], "mlp/fake/a");
  EXPECT_EQ(before[0]["status"], "ok");

  // Space again: --resume finishes the run; every cell is recorded once.
  fs::remove(disk / "filler");
  Servebench resume({"run", "--resume", run_dir.string()}, dir.path());
  ASSERT_EQ(resume.Wait(60), 0) << resume.err();
  std::map<std::string, int> times;
  for (const json& cell : JournalCells(run_dir)) {
    EXPECT_EQ(cell["status"], "ok");
    ++times[cell["cell_id"]];
  }
  EXPECT_EQ(times.size(), 3u);
  for (const auto& [id, n] : times) EXPECT_EQ(n, 1) << id;
  const json results = json::parse(Slurp(run_dir / "results.json"));
  EXPECT_EQ(results["cells"].size(), 3u);
  EXPECT_EQ(ResultCell(run_dir, "mlp/fake/a")["started_at"], before[0]["started_at"]);
}

}  // namespace
}  // namespace servebench::faults

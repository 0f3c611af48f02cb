// Copyright servebench authors.
//
// What servebench exposes while it runs: the servers it starts listen on 127.0.0.1 only; config
// values reach a server as argv entries, never through a shell, however many shell
// metacharacters they hold; the run folder and everything in it are created with the user's
// umask; and secrets in servebench's environment are written nowhere in the run folder.

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>

#include "fault_harness.h"

namespace servebench::faults {
namespace {

using nlohmann::json;

// A name that a shell would treat as several commands, expansions and redirections.
const char kHostile[] = "x $(touch pwned-a) `touch pwned-b`; touch pwned-c | & > pwned-d 'q\" *?";

// The local addresses (hex "ADDR:PORT" as /proc/net/tcp writes them) of the listening TCP
// sockets that process `pid` holds.
std::set<std::string> ListeningAddresses(pid_t pid) {
  std::set<std::string> inodes;
  std::error_code ec;
  for (const auto& fd : fs::directory_iterator("/proc/" + std::to_string(pid) + "/fd", ec)) {
    const std::string target = fs::read_symlink(fd.path(), ec).string();
    if (target.rfind("socket:[", 0) == 0) inodes.insert(target.substr(8, target.size() - 9));
  }
  std::set<std::string> out;
  for (const char* table : {"/proc/net/tcp", "/proc/net/tcp6"}) {
    std::istringstream lines(Slurp(table));
    std::string line;
    std::getline(lines, line);  // header
    while (std::getline(lines, line)) {
      std::istringstream fields(line);
      std::string slot, local, remote, state, queues, timer, retransmits, uid, timeout, inode;
      fields >> slot >> local >> remote >> state >> queues >> timer >> retransmits >> uid >>
          timeout >> inode;
      if (state == "0A" && inodes.count(inode)) out.insert(local);  // 0A: LISTEN
    }
  }
  return out;
}

TEST(SecurityTest, LoopbackOnlyArgvOnlyUmaskHonouredNoSecretWritten) {
  TempDir dir;
  // The server's program and the run folder live under a folder named like a shell attack.
  const fs::path hostile = dir.path() / kHostile;
  const fs::path binary = FaultServer(hostile, "ok");
  const fs::path runs = hostile / "runs";
  const fs::path config = dir.path() / "experiment.yaml";
  std::string escaped;  // as a double-quoted YAML string
  for (char c : binary.string()) {
    if (c == '"' || c == '\\') escaped += '\\';
    escaped += c;
  }
  std::ofstream(config) << Experiment(
      dir.path(), "  - {name: plain, kind: torchscript, binary: \"" + escaped + "\"}\n",
      "  - {name: conc, kind: concurrency_sweep, levels: [1, 2]}\n",
      "  warmup: 200ms\n  window: 200ms\n  min_duration: 1s\n  min_requests: 20\n"
      "  max_duration: 1500ms\n  stop_grace: 1s\n");
  const std::string secret = "s3cr3t-4f0d2c9e7b";
  const mode_t old_umask = umask(077);
  Servebench run(
      {"run", config.string(), "--out", runs.string()}, dir.path(),
      {"SERVEBENCH_TEST_TOKEN=" + secret, "AWS_SECRET_ACCESS_KEY=" + secret, "HF_TOKEN=" + secret});
  umask(old_umask);

  // While it serves, the server listens on 127.0.0.1 and nowhere else.
  fs::path log;
  ASSERT_TRUE(WaitFor(
      [&] {
        if (!fs::exists(runs) || fs::is_empty(runs)) return false;
        log = OnlyRunDir(runs) / "logs" / "mlp_plain_conc.log";
        return Slurp(log).find("serving:") != std::string::npos;
      },
      60))
      << run.err();
  const pid_t server = ServerPidInLog(log);
  const std::set<std::string> listening = ListeningAddresses(server);
  EXPECT_FALSE(listening.empty());
  for (const std::string& local : listening) {
    EXPECT_EQ(local.substr(0, 9), "0100007F:") << local;  // 127.0.0.1, little-endian hex
  }
  ASSERT_EQ(run.Wait(60), 0) << run.err();
  const fs::path run_dir = OnlyRunDir(runs);

  // No shell ran any part of a value: nothing named pwned-* exists anywhere, and the server got
  // its program and repository as single, exact arguments.
  for (const fs::path& where : {dir.path(), hostile, fs::current_path()}) {
    for (const char* name : {"pwned-a", "pwned-b", "pwned-c", "pwned-d"}) {
      EXPECT_FALSE(fs::exists(where / name)) << where / name;
    }
  }
  const std::string server_log = Slurp(log);
  // (Appended piece by piece: GCC 12 warns falsely of overlapping copies in a + b + c here.)
  std::string program_line = "argv[0]=";
  program_line.append(binary.string()).append("\n");
  std::string repository_arg = "=";
  repository_arg.append((run_dir / "work").string());
  EXPECT_NE(server_log.find(program_line), std::string::npos) << server_log;
  EXPECT_NE(server_log.find(repository_arg), std::string::npos) << server_log;

  // Everything in the run folder obeys umask 077: nothing readable or writable by others.
  int checked = 0;
  for (const auto& entry : fs::recursive_directory_iterator(run_dir)) {
    struct stat st;
    ASSERT_EQ(lstat(entry.path().c_str(), &st), 0);
    if (S_ISLNK(st.st_mode)) continue;  // a link's own mode means nothing
    EXPECT_EQ(st.st_mode & 077, 0u)
        << entry.path() << " has mode " << std::oct << (st.st_mode & 0777);
    ++checked;
  }
  EXPECT_GT(checked, 8);  // journal, database, outputs, logs, work folders

  // The secret is in no file of the run folder.
  for (const auto& entry : fs::recursive_directory_iterator(run_dir)) {
    if (!entry.is_regular_file()) continue;
    EXPECT_EQ(Slurp(entry.path()).find(secret), std::string::npos) << entry.path();
  }
}

}  // namespace
}  // namespace servebench::faults

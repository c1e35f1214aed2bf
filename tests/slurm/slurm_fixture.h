// A one-node Slurm for one test process: started before its tests, always stopped after.
#ifndef HEYHI_TESTS_SLURM_SLURM_FIXTURE_H_
#define HEYHI_TESTS_SLURM_SLURM_FIXTURE_H_

#include <stdlib.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "gtest/gtest.h"
#include "heyhi/launch/slurm/client.h"
#include "tests/scoped_env.h"

namespace heyhi {

class SlurmTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (geteuid() != 0) {
      skip_reason_ = "the one-node Slurm runs its daemons as root; not root here";
      return;
    }
    char dir_template[] = "/tmp/heyhi-slurm-test.XXXXXX";
    ASSERT_NE(mkdtemp(dir_template), nullptr);
    dir_ = dir_template;
    std::atexit([] { StopSlurm(); });
    const auto start = std::chrono::steady_clock::now();
    absl::StatusOr<ProgramResult> started =
        RunProgram({"bash", absl::StrCat(HEYHI_SOURCE_DIR, "/tools/slurm/start.sh"), dir_},
                   std::chrono::seconds(60));
    ASSERT_TRUE(started.ok()) << started.status();
    ASSERT_EQ(started->exit_code, 0) << started->err;
    start_seconds_ =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    absl::string_view line = absl::StripAsciiWhitespace(started->out);
    ASSERT_TRUE(absl::ConsumePrefix(&line, "export SLURM_CONF=")) << started->out;
    slurm_conf_.emplace("SLURM_CONF", std::string(line));
    started_ = true;
  }

  static void TearDownTestSuite() {
    StopSlurm();
    slurm_conf_.reset();  // SLURM_CONF as it was before the suite
  }

  static void StopSlurm() {
    if (dir_.empty()) return;
    absl::StatusOr<ProgramResult> stopped =
        RunProgram({"bash", absl::StrCat(HEYHI_SOURCE_DIR, "/tools/slurm/stop.sh"), dir_},
                   std::chrono::seconds(60));
    EXPECT_TRUE(stopped.ok() && stopped->exit_code == 0)
        << (stopped.ok() ? stopped->err : stopped.status().ToString());
    // Keep the folder (logs, job output) only when something failed.
    if (stopped.ok() && ::testing::UnitTest::GetInstance()->Passed()) {
      RunProgram({"rm", "-rf", dir_}, std::chrono::seconds(60)).IgnoreError();
    }
    dir_.clear();
  }

  void SetUp() override {
    if (!skip_reason_.empty()) GTEST_SKIP() << skip_reason_;
    ASSERT_TRUE(started_) << "tools/slurm/start.sh failed; see the suite's set-up failure";
  }

  // A folder under `scratch` holding an executable `sbatch` running `body`
  // (bash); put it first in PATH to stand in for the real one.
  static std::string FakeSbatchFolder(const std::string& scratch, const std::string& name,
                                      const std::string& body) {
    const std::string bin = absl::StrCat(scratch, "/", name);
    std::filesystem::create_directories(bin);
    std::ofstream(bin + "/sbatch") << "#!/bin/bash\n" << body;
    std::filesystem::permissions(bin + "/sbatch", std::filesystem::perms::owner_all);
    return bin;
  }

  // The real sbatch, for the fakes to call.
  static std::string RealSbatch() {
    absl::StatusOr<ProgramResult> found =
        RunProgram({"bash", "-c", "command -v sbatch"}, std::chrono::seconds(10));
    return found.ok() ? std::string(absl::StripAsciiWhitespace(found->out)) : "sbatch";
  }

  // A job script in the Slurm folder; returns its path.
  static std::string WriteScript(const std::string& name, const std::string& text) {
    std::string path = absl::StrCat(dir_, "/", name);
    std::ofstream(path) << text;
    return path;
  }

  static std::string ReadFile(const std::string& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

  // Polls `done` every 50 ms until true or `seconds` pass.
  template <typename Predicate>
  static bool WaitFor(Predicate done, double seconds = 60) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    while (std::chrono::steady_clock::now() < deadline) {
      if (done()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return done();
  }

  // Waits until the job's state is `state`; the last seen state otherwise.
  std::string WaitForState(const std::string& job_id, const std::string& state,
                           double seconds = 60) {
    std::string seen;
    WaitFor(
        [&] {
          absl::StatusOr<SlurmJobState> now = client_.QueryJob(job_id);
          seen = now.ok() ? now->state : now.status().ToString();
          return seen == state;
        },
        seconds);
    return seen;
  }

  // Slurm holds a requeued job back (its BeginTime lies ~2 min ahead); waits
  // until the job is pending again and its old run has left the node, then
  // moves its start to now. slurmd refuses a credential issued within the
  // second it revoked the old run's ("Job credential revoked"), hence the 2 s.
  void StartRequeuedJobNow(const std::string& job_id) {
    ASSERT_EQ(WaitForState(job_id, "PENDING"), "PENDING");
    const auto requeued = std::chrono::steady_clock::now();
    ASSERT_TRUE(WaitFor([] {
      absl::StatusOr<ProgramResult> node =
          RunProgram({"sinfo", "-h", "-N", "-o", "%t"}, std::chrono::seconds(30));
      return node.ok() && absl::StripAsciiWhitespace(node->out) == "idle";
    })) << "the node did not become idle after the requeue";
    std::this_thread::sleep_until(requeued + std::chrono::seconds(2));
    absl::StatusOr<ProgramResult> released = RunProgram(
        {"scontrol", "update", "JobId=" + job_id, "StartTime=now"}, std::chrono::seconds(30));
    ASSERT_TRUE(released.ok() && released->exit_code == 0)
        << (released.ok() ? released->err : released.status().ToString());
  }

  static inline std::string dir_;
  static inline std::string skip_reason_;
  static inline bool started_ = false;
  static inline double start_seconds_ = 0;
  static inline std::optional<ScopedEnv> slurm_conf_;
  SlurmClient client_;
};

}  // namespace heyhi

#endif  // HEYHI_TESTS_SLURM_SLURM_FIXTURE_H_

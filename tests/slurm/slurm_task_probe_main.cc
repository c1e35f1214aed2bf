// What one Slurm task sees: prints "rank=R world=W nodes=N args=..." on one line.
#include <cstdio>
#include <cstdlib>
#include <string>

int main(int argc, char** argv) {
  auto env = [](const char* name) {
    const char* value = std::getenv(name);
    return std::string(value ? value : "-");
  };
  std::string args;
  for (int i = 1; i < argc; ++i) args += (i > 1 ? " " : "") + std::string(argv[i]);
  std::printf("rank=%s world=%s nodes=%s args=%s\n", env("SLURM_PROCID").c_str(),
              env("SLURM_NTASKS").c_str(), env("SLURM_JOB_NODELIST").c_str(), args.c_str());
  return 0;
}

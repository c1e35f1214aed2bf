// `run grid NAME|FILE [PATTERN...]` and `run -c CFG --sweep TOKEN...`: compose
// and sign every member of a grid, launch what is missing, show them in one
// table (SPEC §12).
#ifndef HEYHI_CLI_GRID_H_
#define HEYHI_CLI_GRID_H_

#include "google/protobuf/descriptor.h"

namespace heyhi {

// Whether run's command line is a grid (`run grid ...`) or a sweep (holds
// `--sweep`).
bool IsGridCommandLine(int argc, char** argv);

// Runs the grid or sweep of run's command line (argv[0] is run's own name);
// returns the exit code (0 ok, 1 failed, 2 bad usage).
int GridMain(int argc, char** argv, const google::protobuf::Descriptor* root_type);

}  // namespace heyhi

#endif  // HEYHI_CLI_GRID_H_

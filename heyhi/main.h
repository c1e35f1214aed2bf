// The `run` command (SPEC §6-§8): compose a config, name the experiment,
// decide from the mode and the experiment's status, and launch the task.
// Any project's `run` binary is a main() that calls heyhi::Main with its
// schema's root message and links the files that register its tasks.
#ifndef HEYHI_MAIN_H_
#define HEYHI_MAIN_H_

#include "google/protobuf/descriptor.h"

namespace heyhi {

// Runs the `run` command line `argv` against the schema whose root message is
// `root_type` (MetaCfg). `run --worker <exp dir>` is the entry point of the
// worker processes that launchers start. Returns the process exit code: 0
// when the experiment ran to the end, was skipped, or is being run by
// another process; non-zero on bad input or when the task failed.
int Main(int argc, char** argv, const google::protobuf::Descriptor* root_type);

}  // namespace heyhi

#endif  // HEYHI_MAIN_H_

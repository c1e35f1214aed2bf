// Shared by the fuzz targets: a temporary copy of the repository's conf tree, file writing, and
// the flat-lines round-trip check that aborts with the lines when a message does not rebuild.
#ifndef HEYHI_TESTS_FUZZ_FUZZ_SUPPORT_H_
#define HEYHI_TESTS_FUZZ_FUZZ_SUPPORT_H_

#include <string>
#include <vector>

#include "google/protobuf/message.h"

namespace heyhi::fuzz {

// A folder made once per process under $TMPDIR (removed at exit) holding
// conf/: a copy of the repository's conf/ tree plus a few fixed include
// files in conf/common (agent, all_kinds_chunk, self: an include cycle).
const std::string& TempRoot();

// Writes `content` to `path` (folders created); aborts when it cannot.
void WriteFile(const std::string& path, const std::string& content);

// Whether `a` and `b` hold the same fields and values: floats bit for bit,
// except that any NaN equals any NaN (the flat form writes every NaN `nan`).
bool SameMessage(const google::protobuf::Message& a, const google::protobuf::Message& b);

// The words a POSIX shell (/bin/sh) reads from `lines` written on one
// command line; false when a line cannot be a shell word at all (a NUL byte).
bool ShellWords(const std::vector<std::string>& lines, std::vector<std::string>* words);

// The property of README "Printing and previewing": Flatten's lines of
// `original`, shell-unquoted, applied by ApplyOverrides to an empty message of
// its type, rebuild `original`. With `through_shell` the lines also go through
// /bin/sh, which must read the same words. On any failure: prints the lines,
// both messages and what went wrong to stderr, then abort(). With
// HEYHI_FUZZ_VERBOSE set in the environment the lines are always printed.
void CheckRoundTrip(const google::protobuf::Message& original, bool through_shell);

}  // namespace heyhi::fuzz

#endif  // HEYHI_TESTS_FUZZ_FUZZ_SUPPORT_H_

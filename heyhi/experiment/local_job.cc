// Local job ids: "local:<pid>@<host>".
#include "heyhi/experiment/local_job.h"

#include <unistd.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "heyhi/base/subprocess.h"

namespace heyhi {

std::string LocalJobId() { return absl::StrCat("local:", getpid(), "@", HostName()); }

absl::StatusOr<LocalJob> ParseLocalJobId(const std::string& job_id) {
  absl::string_view rest = job_id;
  const size_t at = rest.find('@');
  int pid = 0;
  if (!absl::ConsumePrefix(&rest, "local:") || at == absl::string_view::npos ||
      !absl::SimpleAtoi(rest.substr(0, rest.find('@')), &pid) || pid <= 0 ||
      at + 1 == job_id.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("job id '", job_id, "' is not a local job (expected local:<pid>@<host>)"));
  }
  return LocalJob{static_cast<pid_t>(pid), job_id.substr(at + 1)};
}

}  // namespace heyhi

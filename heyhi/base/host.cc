// This machine's fully qualified host name.
#include "heyhi/base/host.h"

#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

#include "absl/strings/ascii.h"

namespace heyhi {

std::string ThisHostFqdn() {
  char name[256] = {};
  if (gethostname(name, sizeof(name) - 1) != 0 || name[0] == '\0') return "localhost";
  std::string host = name;
  if (host.find('.') == std::string::npos) {
    addrinfo hints;
    std::memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_flags = AI_CANONNAME;
    addrinfo* found = nullptr;
    if (getaddrinfo(host.c_str(), nullptr, &hints, &found) == 0 && found != nullptr) {
      if (found->ai_canonname != nullptr && found->ai_canonname[0] != '\0') {
        host = found->ai_canonname;
      }
      freeaddrinfo(found);
    }
  }
  return absl::AsciiStrToLower(host);
}

}  // namespace heyhi

// This machine's host name, as env files match it (SPEC §13).
#ifndef HEYHI_BASE_HOST_H_
#define HEYHI_BASE_HOST_H_

#include <string>

namespace heyhi {

// The fully qualified name of this machine, lower case: gethostname() when it
// already holds a dot, else the canonical name the resolver gives it
// (/etc/hosts, then DNS), else the plain host name; "localhost" when even
// that cannot be read.
std::string ThisHostFqdn();

}  // namespace heyhi

#endif  // HEYHI_BASE_HOST_H_

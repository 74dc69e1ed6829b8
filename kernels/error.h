// Error type and checks shared by every layer of mgr.
#pragma once

#include <sstream>
#include <stdexcept>
#include <string>

namespace mgr {

// Every failure in mgr is reported as an mgr::Error whose message names what failed and why.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

[[noreturn]] inline void fail_at(const std::string& msg, const char* file, int line) {
  std::ostringstream os;
  os << msg << " (" << file << ":" << line << ")";
  throw Error(os.str());
}

}  // namespace mgr

// MGR_CHECK(cond, "message " << value): throws mgr::Error with the streamed message.
#define MGR_CHECK(cond, msg)                                   \
  do {                                                         \
    if (!(cond)) {                                             \
      std::ostringstream mgr_check_os_;                        \
      mgr_check_os_ << msg;                                    \
      ::mgr::fail_at(mgr_check_os_.str(), __FILE__, __LINE__); \
    }                                                          \
  } while (0)

#define MGR_FAIL(msg) MGR_CHECK(false, msg)

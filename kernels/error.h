// Error type and checks shared by every layer of mgr.
#pragma once

#include <cstdlib>
#include <sstream>
#include <stdexcept>
#include <string>

namespace mgr {

// Every failure in mgr is reported as an mgr::Error whose message names what failed and why.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The source location is for developers: MGR_DEBUG_ERRORS=1 appends " (file:line)" to every
// error. Users see the message alone; the absolute path of a build tree is noise to them (and a
// leak of where the binary was built).
inline bool debug_errors() {
  const char* v = std::getenv("MGR_DEBUG_ERRORS");
  return v && *v && std::string(v) != "0";
}

[[noreturn]] inline void fail_at(const std::string& msg, const char* file, int line) {
  if (!debug_errors()) throw Error(msg);
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

# Script mode: cmake -DIN=<text file> -DOUT=<.cpp> -DNAME=<IN as the sources name it>
#   -DHEADER=<header declaring the function> -DNAMESPACE=<a::b> -DFUNCTION=<name> -P embed_text.cmake
# Writes a .cpp defining `std::string_view NAMESPACE::FUNCTION()` that returns IN's text
# byte for byte, so a binary carries the file and never reads the source tree at run time.
# Run as a custom command that depends on IN: the text is re-embedded whenever IN changes.
foreach(v IN ITEMS IN OUT NAME HEADER NAMESPACE FUNCTION)
  if(NOT ${v})
    message(FATAL_ERROR "embed_text: -D${v}=... is required")
  endif()
endforeach()
file(READ ${IN} text)
# The text goes in a raw string literal; it must not hold the literal's closing delimiter.
set(delim "mgr_embed")
string(FIND "${text}" ")${delim}\"" clash)
if(NOT clash EQUAL -1)
  message(FATAL_ERROR "embed_text: ${IN} contains ')${delim}\"', which would end the literal")
endif()
file(WRITE ${OUT}
"// Generated from ${NAME} by cmake/embed_text.cmake at build time; do not edit.
#include \"${HEADER}\"

namespace ${NAMESPACE} {

std::string_view ${FUNCTION}() {
  static constexpr char text[] = R\"${delim}(${text})${delim}\";
  return {text, sizeof text - 1};
}

}  // namespace ${NAMESPACE}
")

# The floors of mgr (docs/architecture.md): each one a library target that links only the floors
# below it. Linking alone would refuse nothing (every archive meets at the executable, and every
# header is reachable from the one include root), so every source and header of a floor is also
# checked, before anything compiles, to include only its own floor and the floors it links,
# directly or through them (cmake/check_floors.cmake). The allowed sets come from the same
# mgr_floor() calls that make the targets: there is no second table to keep in step.
#
#   mgr_floor(<target> DIRS <folder>... [LINKS <floor>...] [EXTERNAL <target or flag>...])
#
# DIRS are folders relative to the project root (their *.cpp, and *.cu in CUDA builds, make the
# library; none makes an INTERFACE target); LINKS are floors; EXTERNAL are other link items.

set_property(GLOBAL PROPERTY MGR_FLOORS "")

function(mgr_floor name)
  cmake_parse_arguments(F "" "" "DIRS;LINKS;EXTERNAL" ${ARGN})
  set(sources "")
  foreach(d IN LISTS F_DIRS)
    file(GLOB s CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/${d}/*.cpp)
    list(APPEND sources ${s})
    if(MGR_WITH_CUDA)
      file(GLOB cu CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/${d}/*.cu)
      list(APPEND sources ${cu})
    endif()
  endforeach()
  if(sources)
    add_library(${name} STATIC ${sources})
    target_link_libraries(${name} PUBLIC ${F_LINKS} ${F_EXTERNAL})
    target_compile_options(${name} PRIVATE $<$<COMPILE_LANGUAGE:CXX>:${MGR_CXX_WARNINGS}>)
    add_dependencies(${name} mgr_floors_check)
  else()
    add_library(${name} INTERFACE)
    target_link_libraries(${name} INTERFACE ${F_LINKS} ${F_EXTERNAL})
  endif()
  # The allowed set: this floor's folders and every floor below it through LINKS.
  set(allowed ${F_DIRS})
  foreach(l IN LISTS F_LINKS)
    get_property(below GLOBAL PROPERTY MGR_FLOOR_ALLOWED_${l})
    list(APPEND allowed ${below})
  endforeach()
  list(REMOVE_DUPLICATES allowed)
  set_property(GLOBAL PROPERTY MGR_FLOOR_ALLOWED_${name} ${allowed})
  set_property(GLOBAL PROPERTY MGR_FLOOR_DIRS_${name} ${F_DIRS})
  set_property(GLOBAL APPEND PROPERTY MGR_FLOORS ${name})
endfunction()

# After every mgr_floor(): writes the floor table for the check and adds the check itself, which
# runs when any file of any floor changes.
function(mgr_floors_finish)
  get_property(floors GLOBAL PROPERTY MGR_FLOORS)
  set(table "")
  set(files "")
  foreach(f IN LISTS floors)
    get_property(dirs GLOBAL PROPERTY MGR_FLOOR_DIRS_${f})
    get_property(allowed GLOBAL PROPERTY MGR_FLOOR_ALLOWED_${f})
    string(REPLACE ";" "," dirs_c "${dirs}")
    string(REPLACE ";" "," allowed_c "${allowed}")
    string(APPEND table "${f}|${dirs_c}|${allowed_c}\n")
    foreach(d IN LISTS dirs)
      file(GLOB g CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/${d}/*.h ${PROJECT_SOURCE_DIR}/${d}/*.cpp
           ${PROJECT_SOURCE_DIR}/${d}/*.cu ${PROJECT_SOURCE_DIR}/${d}/*.cuh)
      list(APPEND files ${g})
    endforeach()
  endforeach()
  set(MGR_FLOORS_TABLE ${CMAKE_BINARY_DIR}/floors.txt PARENT_SCOPE)
  file(WRITE ${CMAKE_BINARY_DIR}/floors.txt "${table}")
  add_custom_command(
    OUTPUT ${CMAKE_BINARY_DIR}/floors.ok
    COMMAND ${CMAKE_COMMAND} -DTABLE=${CMAKE_BINARY_DIR}/floors.txt -DROOT=${PROJECT_SOURCE_DIR}
            -DSTAMP=${CMAKE_BINARY_DIR}/floors.ok -P ${PROJECT_SOURCE_DIR}/cmake/check_floors.cmake
    DEPENDS ${files} ${CMAKE_BINARY_DIR}/floors.txt ${PROJECT_SOURCE_DIR}/cmake/check_floors.cmake
    COMMENT "Checking that no file includes a floor above its own (docs/architecture.md)")
  add_custom_target(mgr_floors_check DEPENDS ${CMAKE_BINARY_DIR}/floors.ok)
endfunction()

# heyhi_link_static(TARGET [LIBSTDCXX]): links TARGET with protobuf, Abseil
# and OpenSSL from their static archives (tools/link_static.sh says why, and
# which binaries may: none that loads LibTorch, which has a shared protobuf
# of its own). LIBSTDCXX: libstdc++ and libgcc too, for a binary that links
# no other C++ library shared. HEYHI_STATIC_LINK=OFF links everything shared.
option(HEYHI_STATIC_LINK "Link pp and the test run binary against static protobuf, Abseil and OpenSSL" ON)

function(heyhi_link_static target)
  cmake_parse_arguments(ARG "LIBSTDCXX" "" "" ${ARGN})
  if(NOT HEYHI_STATIC_LINK OR NOT CMAKE_SYSTEM_NAME STREQUAL "Linux" OR
     NOT CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
    return()
  endif()
  set(launcher "${PROJECT_SOURCE_DIR}/tools/link_static.sh")
  if(ARG_LIBSTDCXX)
    list(APPEND launcher "--libstdc++")
  endif()
  set_target_properties(${target} PROPERTIES CXX_LINKER_LAUNCHER "${launcher}")
endfunction()

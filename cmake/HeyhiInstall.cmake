# What `cmake --install` puts under the prefix: public headers, libraries, tools, heyhi.proto, CMake package.
#
#   include/heyhi/   the public headers (heyhi/*.h only, not the layer folders),
#                    heyhi.pb.h, heyhi.cfg.h and heyhi.proto (`-I <prefix>/include`)
#   lib/             libheyhi*.a
#   lib/cmake/heyhi/ heyhiConfig.cmake, its version file, the exported targets
#                    (heyhi::heyhi, heyhi::config, ...) and HeyhiSchema.cmake
#   bin/             pp, protoc-gen-heyhi
# Every path is relative to the prefix, so the installed tree can be moved.
include(CMakePackageConfigHelpers)

set(HEYHI_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/heyhi)

file(GLOB heyhi_public_headers ${PROJECT_SOURCE_DIR}/heyhi/*.h)
install(FILES ${heyhi_public_headers}
  ${CMAKE_BINARY_DIR}/proto/heyhi/heyhi.pb.h
  ${CMAKE_BINARY_DIR}/proto/heyhi/heyhi.cfg.h
  ${PROJECT_SOURCE_DIR}/proto/heyhi/heyhi.proto
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/heyhi)

# heyhi.pb.h and heyhi.proto sit in include/heyhi/ once installed.
target_include_directories(heyhi_proto INTERFACE $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)

install(TARGETS heyhi heyhi_launch heyhi_experiment heyhi_config heyhi_base heyhi_proto
                heyhi_schema_docs pp protoc-gen-heyhi
  EXPORT heyhiTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(EXPORT heyhiTargets NAMESPACE heyhi:: DESTINATION ${HEYHI_INSTALL_CMAKEDIR})

configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/heyhiConfig.cmake.in
  ${CMAKE_BINARY_DIR}/heyhiConfig.cmake
  INSTALL_DESTINATION ${HEYHI_INSTALL_CMAKEDIR}
  PATH_VARS CMAKE_INSTALL_INCLUDEDIR)
write_basic_package_version_file(${CMAKE_BINARY_DIR}/heyhiConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_BINARY_DIR}/heyhiConfig.cmake ${CMAKE_BINARY_DIR}/heyhiConfigVersion.cmake
  ${PROJECT_SOURCE_DIR}/cmake/HeyhiSchema.cmake
  DESTINATION ${HEYHI_INSTALL_CMAKEDIR})

# CPack settings: `cpack -G DEB` (in the build folder) packs what `cmake --install` installs into a .deb.
set(CPACK_PACKAGE_NAME heyhi)
set(CPACK_PACKAGE_VENDOR "heyhi")
set(CPACK_PACKAGE_CONTACT "heyhi maintainers <heyhi@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
  "heyhi: configuration compiler and job runner for C++ research code (headers, static libraries, pp, protoc-gen-heyhi)")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION devel)
# What a project that builds against heyhi needs: the headers and CMake
# configs of heyhi's dependencies (heyhi.pb.h is protobuf 3.21's generated
# code, so the protobuf runtime must be 3.21), protoc for heyhi_add_schema
# (it brings libprotoc, which protoc-gen-heyhi needs) and CMake for find_package(heyhi).
set(CPACK_DEBIAN_PACKAGE_DEPENDS
  "libprotobuf-dev (>= 3.21), libprotobuf-dev (<< 3.22), protobuf-compiler (>= 3.21), protobuf-compiler (<< 3.22), libabsl-dev, libgflags-dev, libgoogle-glog-dev, libssl-dev, cmake (>= 3.20)")
# libpar-packer-perl (PAR::Packer) ships a /usr/bin/pp as well.
set(CPACK_DEBIAN_PACKAGE_CONFLICTS libpar-packer-perl)
# The C and C++ runtimes of pp and protoc-gen-heyhi, found by dpkg-shlibdeps
# where it is installed (dpkg-dev).
find_program(HEYHI_DPKG_SHLIBDEPS dpkg-shlibdeps)
if(HEYHI_DPKG_SHLIBDEPS)
  set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
endif()
include(CPack)

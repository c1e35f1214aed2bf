# heyhi_proto_library: compile .proto files into a static library.
#
#   heyhi_proto_library(NAME <target> ROOT <dir> OUT <dir> PROTOS <paths relative to ROOT>
#                       [IMPORT_DIRS <dirs>] [DEPS <targets>])
#
# Unlike protobuf_generate, the generation re-runs when any .proto under ROOT or
# IMPORT_DIRS changes (imports included), so editing heyhi.proto rebuilds conf.pb.
function(heyhi_proto_library)
  cmake_parse_arguments(P "" "NAME;ROOT;OUT" "PROTOS;IMPORT_DIRS;DEPS" ${ARGN})
  set(include_args -I ${P_ROOT})
  file(GLOB_RECURSE all_protos CONFIGURE_DEPENDS ${P_ROOT}/*.proto)
  foreach(dir ${P_IMPORT_DIRS})
    list(APPEND include_args -I ${dir})
    file(GLOB_RECURSE more CONFIGURE_DEPENDS ${dir}/*.proto)
    list(APPEND all_protos ${more})
  endforeach()
  set(srcs)
  set(hdrs)
  set(abs_protos)
  foreach(p ${P_PROTOS})
    string(REGEX REPLACE "\\.proto$" "" base ${p})
    list(APPEND srcs ${P_OUT}/${base}.pb.cc)
    list(APPEND hdrs ${P_OUT}/${base}.pb.h)
    list(APPEND abs_protos ${P_ROOT}/${p})
  endforeach()
  file(MAKE_DIRECTORY ${P_OUT})
  add_custom_command(
    OUTPUT ${srcs} ${hdrs}
    COMMAND protobuf::protoc --cpp_out=${P_OUT} ${include_args} ${abs_protos}
    DEPENDS ${all_protos} protobuf::protoc
    COMMENT "protoc ${P_NAME}: ${P_PROTOS}"
    VERBATIM)
  add_library(${P_NAME} STATIC ${srcs} ${hdrs})
  target_include_directories(${P_NAME} PUBLIC ${P_OUT})
  target_link_libraries(${P_NAME} PUBLIC protobuf::libprotobuf ${P_DEPS})
  set_target_properties(${P_NAME} PROPERTIES POSITION_INDEPENDENT_CODE ON)
endfunction()

# heyhi_add_schema: compile a project's .proto schema into a static library with its typed views.
#
#   heyhi_add_schema(TARGET <name> PROTOS <files...>
#                    [PROTO_ROOT <dir>] [IMPORT_DIRS <dirs...>] [OUT <dir>] [DEPS <targets...>])
#
# Runs protoc with protoc-gen-heyhi on PROTOS (paths relative to the current
# source folder, or absolute) and builds the static library <name> from the
# generated x.pb.cc; x.pb.h and x.cfg.h (the typed config views) land in OUT
# (default: <current binary folder>/<name>), which is the library's include
# folder. PROTO_ROOT is the folder import paths start from (default: the
# folder of the first of PROTOS): `PROTOS proto/minimal.proto` gives
# "minimal.pb.h". The library links heyhi::proto, so a schema can
# `import "heyhi/heyhi.proto";`, and DEPS, other schema libraries whose
# .proto files it may import (their folders are added to protoc's path).
#
# Unlike protobuf_generate, generation re-runs when one of PROTOS or a file
# they import (transitively) changes, or when the plugin changes: protoc writes
# the files it read to a depfile. The plugin also inserts the .proto comments
# into x.pb.cc (for --describe), so protoc runs both generators in one call.
#
# This file serves heyhi's own build (where heyhi::protoc-gen-heyhi,
# heyhi::schema_docs and heyhi::proto are aliases of its targets) and an
# installed heyhi (heyhiConfig.cmake includes it; they are imported targets).
# Each schema library records its protoc path in the property
# HEYHI_PROTO_IMPORT_PATH, which dependent schemas read.
function(heyhi_add_schema)
  cmake_parse_arguments(S "" "TARGET;PROTO_ROOT;OUT" "PROTOS;IMPORT_DIRS;DEPS" ${ARGN})
  if(NOT S_TARGET OR NOT S_PROTOS)
    message(FATAL_ERROR "heyhi_add_schema: TARGET and PROTOS are required")
  endif()
  if(S_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "heyhi_add_schema: unknown arguments ${S_UNPARSED_ARGUMENTS}")
  endif()
  set(abs_protos)
  foreach(p ${S_PROTOS})
    get_filename_component(abs ${p} ABSOLUTE BASE_DIR ${CMAKE_CURRENT_SOURCE_DIR})
    list(APPEND abs_protos ${abs})
  endforeach()
  if(S_PROTO_ROOT)
    get_filename_component(root ${S_PROTO_ROOT} ABSOLUTE BASE_DIR ${CMAKE_CURRENT_SOURCE_DIR})
  else()
    list(GET abs_protos 0 first)
    get_filename_component(root ${first} DIRECTORY)
  endif()
  if(NOT S_OUT)
    set(S_OUT ${CMAKE_CURRENT_BINARY_DIR}/${S_TARGET})
  endif()

  # Schemas of heyhi projects import heyhi/heyhi.proto; heyhi's own schema is
  # the one defined before heyhi::proto exists.
  set(deps ${S_DEPS})
  if(TARGET heyhi::proto)
    list(APPEND deps heyhi::proto)
  endif()
  set(import_path ${root})
  foreach(dir ${S_IMPORT_DIRS})
    get_filename_component(dir ${dir} ABSOLUTE BASE_DIR ${CMAKE_CURRENT_SOURCE_DIR})
    list(APPEND import_path ${dir})
  endforeach()
  foreach(dep ${deps})
    if(TARGET ${dep})
      get_target_property(dep_path ${dep} HEYHI_PROTO_IMPORT_PATH)
      if(dep_path)
        list(APPEND import_path ${dep_path})
      endif()
    endif()
  endforeach()
  list(REMOVE_DUPLICATES import_path)
  set(include_args)
  foreach(dir ${import_path})
    list(APPEND include_args -I ${dir})
  endforeach()

  set(srcs)
  set(hdrs)
  foreach(abs ${abs_protos})
    file(RELATIVE_PATH rel ${root} ${abs})
    if(rel MATCHES "^\\.\\./")
      message(FATAL_ERROR "heyhi_add_schema(${S_TARGET}): ${abs} is not under PROTO_ROOT ${root}")
    endif()
    string(REGEX REPLACE "\\.proto$" "" base ${rel})
    list(APPEND srcs ${S_OUT}/${base}.pb.cc)
    list(APPEND hdrs ${S_OUT}/${base}.pb.h ${S_OUT}/${base}.cfg.h)
  endforeach()
  file(MAKE_DIRECTORY ${S_OUT})

  # The plugin and protoc as targets (the plugin's rebuild re-runs generation)
  # and as files (an imported target alone makes no file dependency).
  set(tools)
  foreach(tool heyhi::protoc-gen-heyhi protobuf::protoc)
    get_target_property(real ${tool} ALIASED_TARGET)
    if(NOT real)
      set(real ${tool})
    endif()
    list(APPEND tools ${real} $<TARGET_FILE:${real}>)
  endforeach()
  set(depfile ${CMAKE_CURRENT_BINARY_DIR}/${S_TARGET}.protos.d)
  add_custom_command(
    OUTPUT ${srcs} ${hdrs}
    COMMAND protobuf::protoc --cpp_out=${S_OUT} --heyhi_out=${S_OUT}
            --plugin=protoc-gen-heyhi=$<TARGET_FILE:heyhi::protoc-gen-heyhi>
            --dependency_out=${depfile} ${include_args} ${abs_protos}
    DEPENDS ${abs_protos} ${tools}
    DEPFILE ${depfile}
    COMMENT "protoc ${S_TARGET}: ${S_PROTOS}"
    VERBATIM)

  add_library(${S_TARGET} STATIC ${srcs} ${hdrs})
  target_include_directories(${S_TARGET} PUBLIC $<BUILD_INTERFACE:${S_OUT}>)
  # x.pb.cc includes heyhi/schema_docs.h (header-only) for the doc registry.
  target_link_libraries(${S_TARGET} PUBLIC protobuf::libprotobuf ${deps}
                                    PRIVATE heyhi::schema_docs)
  set_target_properties(${S_TARGET} PROPERTIES POSITION_INDEPENDENT_CODE ON
                                              HEYHI_PROTO_IMPORT_PATH "${import_path}")
endfunction()

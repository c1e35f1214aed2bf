# heyhi_proto_library: compile .proto files into a static library, with the
# typed config views of protoc-gen-heyhi (x.cfg.h) beside the x.pb.h.
#
#   heyhi_proto_library(NAME <target> ROOT <dir> OUT <dir> PROTOS <paths relative to ROOT>
#                       [IMPORT_DIRS <dirs>] [DEPS <targets>])
#
# Unlike protobuf_generate, the generation re-runs when one of the PROTOS or a
# file they import (transitively) changes, or when the plugin is rebuilt: protoc
# writes the imports it read to a depfile. Nothing else re-runs it, so touching
# conf.proto leaves heyhi.pb alone while editing heyhi.proto regenerates both.
# The plugin also inserts the .proto comments into x.pb.cc (for --describe),
# which is why protoc runs both generators in one invocation.
function(heyhi_proto_library)
  cmake_parse_arguments(P "" "NAME;ROOT;OUT" "PROTOS;IMPORT_DIRS;DEPS" ${ARGN})
  set(include_args -I ${P_ROOT})
  foreach(dir ${P_IMPORT_DIRS})
    list(APPEND include_args -I ${dir})
  endforeach()
  set(srcs)
  set(hdrs)
  set(abs_protos)
  foreach(p ${P_PROTOS})
    string(REGEX REPLACE "\\.proto$" "" base ${p})
    list(APPEND srcs ${P_OUT}/${base}.pb.cc)
    list(APPEND hdrs ${P_OUT}/${base}.pb.h ${P_OUT}/${base}.cfg.h)
    list(APPEND abs_protos ${P_ROOT}/${p})
  endforeach()
  file(MAKE_DIRECTORY ${P_OUT})
  if(CMAKE_VERSION VERSION_GREATER_EQUAL 3.20)
    set(depfile ${CMAKE_CURRENT_BINARY_DIR}/${P_NAME}.protos.d)
    set(dependency_args --dependency_out=${depfile})
    set(depfile_args DEPFILE ${depfile})
    set(input_protos ${abs_protos})
  else()
    # No depfiles for Makefiles before CMake 3.20: depend on every .proto there.
    set(dependency_args)
    set(depfile_args)
    file(GLOB_RECURSE input_protos CONFIGURE_DEPENDS ${P_ROOT}/*.proto)
    foreach(dir ${P_IMPORT_DIRS})
      file(GLOB_RECURSE more CONFIGURE_DEPENDS ${dir}/*.proto)
      list(APPEND input_protos ${more})
    endforeach()
  endif()
  add_custom_command(
    OUTPUT ${srcs} ${hdrs}
    COMMAND protobuf::protoc --cpp_out=${P_OUT} --heyhi_out=${P_OUT}
            --plugin=protoc-gen-heyhi=$<TARGET_FILE:protoc-gen-heyhi>
            ${dependency_args} ${include_args} ${abs_protos}
    DEPENDS ${input_protos} protobuf::protoc protoc-gen-heyhi
    ${depfile_args}
    COMMENT "protoc ${P_NAME}: ${P_PROTOS}"
    VERBATIM)
  add_library(${P_NAME} STATIC ${srcs} ${hdrs})
  target_include_directories(${P_NAME} PUBLIC ${P_OUT})
  # x.pb.cc includes heyhi/schema_docs.h (header-only) for the doc registry.
  target_include_directories(${P_NAME} PRIVATE ${PROJECT_SOURCE_DIR})
  target_link_libraries(${P_NAME} PUBLIC protobuf::libprotobuf ${P_DEPS})
  set_target_properties(${P_NAME} PROPERTIES POSITION_INDEPENDENT_CODE ON)
endfunction()

# heyhi_write_build_info(FILE <path> TARGETS <targets>)
#
# Writes to FILE what a program compiled outside this build needs to use
# TARGETS: the compiler, include folders, definitions and the full link line
# (the targets' transitive link closure, in link order). The test of
# `make protos` compiles a program against freshly generated headers with it.
# Call it once TARGETS and their dependencies are all defined.
function(heyhi_write_build_info)
  cmake_parse_arguments(B "" "FILE" "TARGETS" ${ARGN})
  set(queue ${B_TARGETS})
  set(seen)
  set(libs)
  set(includes ${PROJECT_SOURCE_DIR} ${CMAKE_BINARY_DIR}/proto)
  set(defines)
  while(queue)
    list(POP_FRONT queue item)
    if(item MATCHES "^\\$<LINK_ONLY:(.*)>$")
      set(item "${CMAKE_MATCH_1}")
    endif()
    if(item STREQUAL "" OR item IN_LIST seen)
      continue()
    endif()
    list(APPEND seen "${item}")
    if(NOT TARGET "${item}")
      if(item MATCHES "^-" OR IS_ABSOLUTE "${item}")
        list(APPEND libs "${item}")
      elseif(NOT item MATCHES "^\\$<")
        list(APPEND libs "-l${item}")
      endif()
      continue()
    endif()
    get_target_property(aliased ${item} ALIASED_TARGET)
    if(aliased)
      list(PREPEND queue ${aliased})
      continue()
    endif()
    get_target_property(type ${item} TYPE)
    get_target_property(imported ${item} IMPORTED)
    if(NOT type STREQUAL "INTERFACE_LIBRARY")
      list(APPEND libs "$<TARGET_LINKER_FILE:${item}>")
    endif()
    set(deps)
    get_target_property(interface_deps ${item} INTERFACE_LINK_LIBRARIES)
    if(interface_deps)
      list(APPEND deps ${interface_deps})
    endif()
    if(NOT imported AND type STREQUAL "STATIC_LIBRARY")
      get_target_property(private_deps ${item} LINK_LIBRARIES)
      if(private_deps)
        list(APPEND deps ${private_deps})
      endif()
    endif()
    list(APPEND queue ${deps})
    foreach(property INTERFACE_INCLUDE_DIRECTORIES INTERFACE_COMPILE_DEFINITIONS)
      get_target_property(values ${item} ${property})
      if(NOT values)
        continue()
      endif()
      foreach(value ${values})
        # Build-tree paths only: install-interface entries do not apply here.
        if(value MATCHES "^\\$<BUILD_INTERFACE:(.*)>$")
          set(value "${CMAKE_MATCH_1}")
        elseif(value MATCHES "^\\$<")
          continue()
        endif()
        if(property STREQUAL "INTERFACE_INCLUDE_DIRECTORIES")
          list(APPEND includes "${value}")
        else()
          list(APPEND defines "${value}")
        endif()
      endforeach()
    endforeach()
  endwhile()
  list(REMOVE_DUPLICATES includes)
  list(REMOVE_DUPLICATES defines)
  set(text "cxx ${CMAKE_CXX_COMPILER}\nstd c++${CMAKE_CXX_STANDARD}\n")
  string(APPEND text "protoc $<TARGET_FILE:protobuf::protoc>\n")
  string(APPEND text "plugin $<TARGET_FILE:protoc-gen-heyhi>\n")
  foreach(dir ${includes})
    string(APPEND text "include ${dir}\n")
  endforeach()
  foreach(define ${defines})
    string(APPEND text "define ${define}\n")
  endforeach()
  foreach(lib ${libs})
    string(APPEND text "lib ${lib}\n")
  endforeach()
  file(GENERATE OUTPUT ${B_FILE} CONTENT "${text}")
endfunction()

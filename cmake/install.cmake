# `cmake --install build --prefix P`: the qforge command, the libraries, the public headers in
# P/include/qforge (the internal headers the training API needs in P/include/qforge/internal),
# a CMake package (find_package(qforge): qforge::runtime, qforge::runtime_static, qforge::qforge)
# and pkg-config's qforge-runtime.pc. A runtime-only build installs the runtime part alone.
include(CMakePackageConfigHelpers)
set(QFORGE_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/qforge)

install(TARGETS qforge_runtime_shared qforge_runtime EXPORT qforgeTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(FILES include/qforge/runtime.h include/qforge/c_api.h include/qforge/status.h include/qforge/export.h
  ${PROJECT_BINARY_DIR}/include/qforge/version.h DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/qforge)

# The static runtime's internal headers (the rest of qforge and qforge::runtime_static need them).
set(QFORGE_INTERNAL_INCLUDEDIR ${CMAKE_INSTALL_INCLUDEDIR}/qforge/internal)
set(QFORGE_INTERNAL_DIRS runtime)
set(QFORGE_STATIC_LIBS)
if(NOT QFORGE_RUNTIME_ONLY)
  install(TARGETS qforge RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
  # qforge::qforge: the training, quantization, compression and conversion libraries.
  set(QFORGE_STATIC_LIBS core distributed ops graph train data zoo convert quant sparsity cluster)
  foreach(lib ${QFORGE_STATIC_LIBS})
    set_target_properties(qforge_${lib} PROPERTIES EXPORT_NAME ${lib})
  endforeach()
  list(TRANSFORM QFORGE_STATIC_LIBS PREPEND qforge_ OUTPUT_VARIABLE qforge_static_targets)
  add_library(qforge_all INTERFACE)
  set_target_properties(qforge_all PROPERTIES EXPORT_NAME qforge)
  target_link_libraries(qforge_all INTERFACE ${qforge_static_targets})
  target_include_directories(qforge_all INTERFACE $<INSTALL_INTERFACE:${QFORGE_INTERNAL_INCLUDEDIR}>)
  install(TARGETS ${qforge_static_targets} qforge_all EXPORT qforgeTargets ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
  install(FILES include/qforge/train.h include/qforge/quant.h DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/qforge)
  list(APPEND QFORGE_INTERNAL_DIRS ${QFORGE_STATIC_LIBS})
endif()
foreach(dir ${QFORGE_INTERNAL_DIRS})
  install(DIRECTORY src/${dir}/ DESTINATION ${QFORGE_INTERNAL_INCLUDEDIR}/${dir} FILES_MATCHING PATTERN "*.h"
    PATTERN "*test*" EXCLUDE PATTERN "allocation_counter.h" EXCLUDE PATTERN "guarded_buffer.h" EXCLUDE)
endforeach()
install(FILES ${QFM_GENERATED} DESTINATION ${QFORGE_INTERNAL_INCLUDEDIR}/runtime/model)

install(EXPORT qforgeTargets NAMESPACE qforge:: DESTINATION ${QFORGE_CMAKE_DIR})
configure_package_config_file(cmake/qforgeConfig.cmake.in ${PROJECT_BINARY_DIR}/qforgeConfig.cmake
  INSTALL_DESTINATION ${QFORGE_CMAKE_DIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/qforgeConfigVersion.cmake COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/qforgeConfig.cmake ${PROJECT_BINARY_DIR}/qforgeConfigVersion.cmake
  DESTINATION ${QFORGE_CMAKE_DIR})

# Relocatable where the install folders are relative: the prefix is found from the .pc file's own
# place (cmake --install --prefix P); absolute install folders are written as they are.
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}" OR IS_ABSOLUTE "${CMAKE_INSTALL_INCLUDEDIR}")
  set(QFORGE_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
  set(QFORGE_PC_LIBDIR "${CMAKE_INSTALL_FULL_LIBDIR}")
  set(QFORGE_PC_INCLUDEDIR "${CMAKE_INSTALL_FULL_INCLUDEDIR}")
else()
  file(RELATIVE_PATH to_prefix /${CMAKE_INSTALL_LIBDIR}/pkgconfig /)
  string(REGEX REPLACE "/$" "" to_prefix "${to_prefix}")
  set(QFORGE_PC_PREFIX "\${pcfiledir}/${to_prefix}")
  set(QFORGE_PC_LIBDIR "\${prefix}/${CMAKE_INSTALL_LIBDIR}")
  set(QFORGE_PC_INCLUDEDIR "\${prefix}/${CMAKE_INSTALL_INCLUDEDIR}")
endif()
configure_file(cmake/qforge-runtime.pc.in ${PROJECT_BINARY_DIR}/qforge-runtime.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/qforge-runtime.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

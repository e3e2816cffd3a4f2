# cmake --install build --prefix P: the programs (P/bin), the live-training plugin and the layer
# libraries (P/lib) with their headers (P/include/nasrun) and a CMake package
# (find_package(nasrun), P/lib/cmake/nasrun), the embedded benchmark (P/share/nas-run) and the
# Python package (P/lib/python3/dist-packages/nasrun).
include(CMakePackageConfigHelpers)

install(TARGETS nas-bench nas-run nas-rank RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
if(TARGET nasrun_live)
  # Where an installed program looks for it (evaluators/plugin_source.cpp).
  install(TARGETS nasrun_live LIBRARY DESTINATION lib)
endif()

set(nasrun_package_dir ${CMAKE_INSTALL_LIBDIR}/cmake/nasrun)
foreach(layer ${NASRUN_LAYERS})
  install(TARGETS nasrun_${layer} EXPORT nasrunTargets
          ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
endforeach()
install(DIRECTORY ${PROJECT_SOURCE_DIR}/src/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/nasrun
        FILES_MATCHING PATTERN "*.hpp" PATTERN "apps" EXCLUDE PATTERN "python" EXCLUDE
        PATTERN "live_*.hpp" EXCLUDE)
install(EXPORT nasrunTargets NAMESPACE nasrun:: DESTINATION ${nasrun_package_dir})
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/nasrunConfig.cmake.in
  ${PROJECT_BINARY_DIR}/install/nasrunConfig.cmake INSTALL_DESTINATION ${nasrun_package_dir}
  PATH_VARS CMAKE_INSTALL_DATADIR)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/install/nasrunConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/install/nasrunConfig.cmake
              ${PROJECT_BINARY_DIR}/install/nasrunConfigVersion.cmake
        DESTINATION ${nasrun_package_dir})

install(FILES ${PROJECT_SOURCE_DIR}/data/fashion-mnist-nb201.nasbench
        DESTINATION ${CMAKE_INSTALL_DATADIR}/nas-run)

if(NASRUN_BUILD_PYTHON)
  install(TARGETS nasrun_python LIBRARY DESTINATION ${NASRUN_PYTHON_INSTALL_DIR}/nasrun)
  install(FILES ${nasrun_python_files} ${PROJECT_BINARY_DIR}/install/_paths.py
          DESTINATION ${NASRUN_PYTHON_INSTALL_DIR}/nasrun)
endif()

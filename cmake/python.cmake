# The Python module nasrun: the extension nasrun/_core (src/python, pybind11) beside the
# package's Python files (python/nasrun), gathered in <build>/python so that
# PYTHONPATH=<build>/python imports it from the build tree.
set(NASRUN_PYTHON_DIR ${PROJECT_BINARY_DIR}/python/nasrun)
file(GLOB nasrun_python_sources CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/src/python/*.cpp)
# NO_EXTRAS: no link-time optimisation (a long serial link for no measured gain).
pybind11_add_module(nasrun_python MODULE NO_EXTRAS ${nasrun_python_sources})
target_link_libraries(nasrun_python PRIVATE nasrun::study)
set_target_properties(nasrun_python PROPERTIES OUTPUT_NAME _core
  LIBRARY_OUTPUT_DIRECTORY ${NASRUN_PYTHON_DIR})

file(GLOB nasrun_python_files CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/python/nasrun/*.py)
foreach(file ${nasrun_python_files})
  get_filename_component(name ${file} NAME)
  configure_file(${file} ${NASRUN_PYTHON_DIR}/${name} COPYONLY)
endforeach()

# Where the package finds the embedded benchmark and the live-training plugin: in the build tree
# the source tree's data folder and the build folder; once installed, the prefix's share/nas-run
# and lib, found relative to the package (cmake/install.cmake).
set(NASRUN_PYTHON_INSTALL_DIR "lib/python3/dist-packages" CACHE STRING
  "Where cmake --install puts the Python package, relative to the prefix")
set(nasrun_data_dir "'${PROJECT_SOURCE_DIR}/data'")
set(nasrun_plugin_dir "'${PROJECT_BINARY_DIR}'")
configure_file(${PROJECT_SOURCE_DIR}/cmake/paths.py.in ${NASRUN_PYTHON_DIR}/_paths.py @ONLY)
file(RELATIVE_PATH nasrun_package_to_data /prefix/${NASRUN_PYTHON_INSTALL_DIR}/nasrun
  /prefix/${CMAKE_INSTALL_DATADIR}/nas-run)
file(RELATIVE_PATH nasrun_package_to_lib /prefix/${NASRUN_PYTHON_INSTALL_DIR}/nasrun
  /prefix/lib)
set(nasrun_data_dir "os.path.join(_HERE, '${nasrun_package_to_data}')")
set(nasrun_plugin_dir "os.path.join(_HERE, '${nasrun_package_to_lib}')")
configure_file(${PROJECT_SOURCE_DIR}/cmake/paths.py.in ${PROJECT_BINARY_DIR}/install/_paths.py
  @ONLY)

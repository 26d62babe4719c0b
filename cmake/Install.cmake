# `cmake --install build --prefix DIR` and `make package` (CPack). Two components:
#   runtime: libtorchvino_runtime.so, its headers and CMake package (find_package(torchvino)),
#            torchvino-classify, and the OpenVINO libraries they load (core, CPU plugin, IR and
#            ONNX frontends, TBB). No LibTorch: what a device that only runs models ships.
#   cli:     bin/torchvino (train, convert, quantize, eval, bench, pipeline...) and the LibTorch
#            CPU libraries it needs.
# Every binary finds its libraries through an $ORIGIN-relative RUNPATH, so the tree can be moved
# anywhere (tests/install_check.sh moves it and hides the build tree and the virtualenv).
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(_ov_libs "${OPENVINO_PACKAGE_DIR}/libs")
set(TORCHVINO_OPENVINO_RUNTIME_FILES "")
foreach(pattern libopenvino.so.* libopenvino_intel_cpu_plugin.so libopenvino_ir_frontend.so.*
                libopenvino_onnx_frontend.so.* libtbb.so.12)
  file(GLOB _found "${_ov_libs}/${pattern}")
  list(LENGTH _found _count)
  if(NOT _count EQUAL 1)
    message(FATAL_ERROR "Install: expected one ${pattern} in ${_ov_libs}, found: ${_found}")
  endif()
  list(APPEND TORCHVINO_OPENVINO_RUNTIME_FILES ${_found})
endforeach()
# libtorch_cpu lists libcudart/libcupti as NEEDED (the wheel is a CUDA build; see TorchCPU.cmake):
# they are installed too, and found through libtorch_cpu's own RPATH ($ORIGIN).
set(TORCHVINO_LIBTORCH_RUNTIME_FILES
  "${TORCH_PACKAGE_DIR}/lib/libtorch_cpu.so" "${TORCH_PACKAGE_DIR}/lib/libc10.so"
  "${TORCH_PACKAGE_DIR}/lib/libgomp.so.1" "${NVIDIA_PACKAGE_DIR}/cu13/lib/libcudart.so.13"
  "${NVIDIA_PACKAGE_DIR}/cu13/lib/libcupti.so.13")

install(TARGETS torchvino_runtime EXPORT torchvinoTargets
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT runtime NAMELINK_COMPONENT runtime)
install(FILES ${TORCHVINO_OPENVINO_RUNTIME_FILES} DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT runtime)
# The runtime library's public headers: none of them includes an OpenVINO or LibTorch header.
install(FILES include/torchvino/classifier.hpp include/torchvino/error.hpp include/torchvino/export.hpp
              include/torchvino/image.hpp include/torchvino/interpolation.hpp include/torchvino/ir_metadata.hpp include/torchvino/labels.hpp
              include/torchvino/names.hpp include/torchvino/performance_hint.hpp include/torchvino/run_settings.hpp
              "${PROJECT_BINARY_DIR}/generated/torchvino/version.hpp"
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/torchvino COMPONENT runtime)
set(_config_dir ${CMAKE_INSTALL_LIBDIR}/cmake/torchvino)
install(EXPORT torchvinoTargets NAMESPACE torchvino:: DESTINATION ${_config_dir} COMPONENT runtime)
configure_package_config_file(cmake/torchvinoConfig.cmake.in "${PROJECT_BINARY_DIR}/torchvinoConfig.cmake"
                              INSTALL_DESTINATION ${_config_dir})
write_basic_package_version_file("${PROJECT_BINARY_DIR}/torchvinoConfigVersion.cmake"
                                 COMPATIBILITY SameMinorVersion)
install(FILES "${PROJECT_BINARY_DIR}/torchvinoConfig.cmake" "${PROJECT_BINARY_DIR}/torchvinoConfigVersion.cmake"
        DESTINATION ${_config_dir} COMPONENT runtime)
install(DIRECTORY examples/ DESTINATION ${CMAKE_INSTALL_DATADIR}/torchvino/examples COMPONENT runtime)

if(TARGET torchvino_cli)
  install(TARGETS torchvino_classify RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT runtime)
  install(TARGETS torchvino_cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT cli)
  install(FILES ${TORCHVINO_LIBTORCH_RUNTIME_FILES} DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT cli)
endif()

# make package: one .tar.gz and one .deb per component (torchvino-runtime, torchvino-cli).
set(CPACK_PACKAGE_NAME torchvino)
set(CPACK_PACKAGE_VENDOR torchvino)
set(CPACK_PACKAGE_CONTACT "torchvino developers <torchvino@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "PyTorch image models made fast on x86 CPUs with OpenVINO")
set(CPACK_GENERATOR TGZ DEB)
set(CPACK_COMPONENTS_ALL runtime cli)
set(CPACK_ARCHIVE_COMPONENT_INSTALL ON)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_PACKAGING_INSTALL_PREFIX /opt/torchvino)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
# The bundled libraries are the wheels' own; dpkg-shlibdeps cannot resolve them, so the system
# dependencies are listed by hand.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS OFF)
set(CPACK_DEBIAN_RUNTIME_PACKAGE_NAME torchvino-runtime)
set(CPACK_DEBIAN_RUNTIME_PACKAGE_DEPENDS "libc6 (>= 2.34), libstdc++6 (>= 12), zlib1g, libpng16-16, libturbojpeg0")
set(CPACK_DEBIAN_CLI_PACKAGE_NAME torchvino-cli)
set(CPACK_DEBIAN_CLI_PACKAGE_DEPENDS "torchvino-runtime (= ${PROJECT_VERSION}), libyaml-cpp0.7, libcurl4")
# LibTorch's CPU library alone is 450 MB: gzip packs it in seconds, xz would take minutes.
set(CPACK_DEBIAN_COMPRESSION_TYPE gzip)
set(CPACK_COMPONENT_RUNTIME_DESCRIPTION "torchvino runtime: classify images with OpenVINO (no LibTorch)")
set(CPACK_COMPONENT_CLI_DESCRIPTION "torchvino command-line tool: train, convert, quantize, evaluate, benchmark")
include(CPack)

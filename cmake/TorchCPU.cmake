# Imports the CPU half of LibTorch from the torch PyPI wheel as target `torch_cpu_only`.
# The wheel is a CUDA build: its TorchConfig.cmake demands a CUDA toolkit, so we import
# libtorch_cpu and libc10 directly. libtorch_cpu still lists libcudart/libcupti as NEEDED;
# they come from two small nvidia wheels (requirements/runtime.txt) and are found via RPATH.
set(_torch_lib "${TORCH_PACKAGE_DIR}/lib")
set(_cuda_lib "${NVIDIA_PACKAGE_DIR}/cu13/lib")
foreach(lib torch_cpu c10)
  if(NOT EXISTS "${_torch_lib}/lib${lib}.so")
    message(FATAL_ERROR "lib${lib}.so not found in ${_torch_lib}")
  endif()
  add_library(torchvino_${lib} SHARED IMPORTED)
  set_target_properties(torchvino_${lib} PROPERTIES IMPORTED_LOCATION "${_torch_lib}/lib${lib}.so")
endforeach()

# The OpenMP runtime LibTorch's thread pool runs on (the wheel's own libgomp): linked directly so
# that torchvino can keep that pool out of threads that must not enter it (util/serial_libtorch).
if(NOT EXISTS "${_torch_lib}/libgomp.so.1")
  message(FATAL_ERROR "libgomp.so.1 not found in ${_torch_lib}")
endif()
add_library(torchvino_gomp SHARED IMPORTED)
set_target_properties(torchvino_gomp PROPERTIES IMPORTED_LOCATION "${_torch_lib}/libgomp.so.1")

add_library(torch_cpu_only INTERFACE)
target_link_libraries(torch_cpu_only INTERFACE torchvino_torch_cpu torchvino_c10 torchvino_gomp)
target_include_directories(torch_cpu_only SYSTEM INTERFACE
  "${TORCH_PACKAGE_DIR}/include" "${TORCH_PACKAGE_DIR}/include/torch/csrc/api/include")
# torch >= 2.7 wheels use the new libstdc++ ABI, like the OpenVINO wheel; a test checks both agree.
target_compile_definitions(torch_cpu_only INTERFACE _GLIBCXX_USE_CXX11_ABI=1)
target_link_options(torch_cpu_only INTERFACE "LINKER:-rpath-link,${_cuda_lib}")
set(TORCHVINO_RUNTIME_RPATH "${_torch_lib};${_cuda_lib}")

# Locates the OpenVINO and LibTorch wheels inside the project virtualenv (see scripts/setup.sh)
# without importing them: the wheels are installed --no-deps, so only their files are used.
set(TORCHVINO_VENV "${PROJECT_SOURCE_DIR}/.venv" CACHE PATH "virtualenv holding the openvino and torch wheels")
set(_venv_python "${TORCHVINO_VENV}/bin/python")
if(NOT EXISTS "${_venv_python}")
  message(FATAL_ERROR "No virtualenv at ${TORCHVINO_VENV}: run `bash scripts/setup.sh` (or `make test`) first.")
endif()

function(torchvino_package_dir name out)
  execute_process(
    COMMAND "${_venv_python}" -c
      "import importlib.util as u; s = u.find_spec('${name}'); print(s.submodule_search_locations[0] if s else '')"
    OUTPUT_VARIABLE dir OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0 OR dir STREQUAL "")
    message(FATAL_ERROR "Python package '${name}' is not installed in ${TORCHVINO_VENV}: run `bash scripts/setup.sh`.")
  endif()
  set(${out} "${dir}" PARENT_SCOPE)
endfunction()

torchvino_package_dir(openvino OPENVINO_PACKAGE_DIR)
torchvino_package_dir(torch TORCH_PACKAGE_DIR)
torchvino_package_dir(nvidia NVIDIA_PACKAGE_DIR)

#pragma once
// Runs the real torchvino binary, as a user would, and captures what it prints.
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <string>

#include "test_paths.hpp"

struct CliResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

// timeout_seconds > 0: killed after that long (exit code 124), for inputs that could block.
inline CliResult run_cli(const std::string& args, int timeout_seconds = 0) {
  const std::string limit =
      timeout_seconds > 0 ? "timeout " + std::to_string(timeout_seconds) + " " : "";
  const std::string command = limit + std::string(TORCHVINO_CLI) + " " + args + " 2>&1";
  CliResult result;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) return result;
  std::array<char, 4096> buffer{};
  size_t n;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0) result.output.append(buffer.data(), n);
  const int status = ::pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

inline std::filesystem::path fresh_temp_dir(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() /
             ("torchvino_" + name + "_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

// torchvino: train, convert, quantize, evaluate and benchmark image models on CPUs.
#include <CLI/CLI.hpp>
#include <c10/util/Exception.h>

#include <iostream>
#include <openvino/core/except.hpp>

#include "cli/common.hpp"
#include "torchvino/error.hpp"
#include "torchvino/version.hpp"

int main(int argc, char** argv) {
  using namespace torchvino::cli;
  CLI::App app{"torchvino: PyTorch image models made fast on Intel CPUs with OpenVINO"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("torchvino ") + TORCHVINO_VERSION_STRING);
  add_train_command(app);
  add_convert_command(app);
  add_quantize_command(app);
  add_eval_command(app);
  add_pipeline_command(app);
  add_download_command(app);
  add_bench_command(app);
  auto failed = [](const char* kind, const char* what) {
    std::cerr << "torchvino: " << kind << ": " << what << "\n";
    return 1;
  };
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);  // usage errors: message naming the flag, exit code 2+
  } catch (const ov::Exception& e) {
    return failed("OpenVINO error", e.what());
  } catch (const c10::Error& e) {
    return failed("LibTorch error", e.what_without_backtrace());
  } catch (const std::exception& e) {  // torchvino::Error and the rest
    return failed("error", e.what());
  }
  return 0;
}

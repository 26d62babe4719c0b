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
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);  // usage errors: message naming the flag, exit code 2+
  } catch (const torchvino::Error& e) {
    std::cerr << "torchvino: error: " << e.what() << "\n";
    return 1;
  } catch (const ov::Exception& e) {
    std::cerr << "torchvino: OpenVINO error: " << e.what() << "\n";
    return 1;
  } catch (const c10::Error& e) {
    std::cerr << "torchvino: LibTorch error: " << e.what_without_backtrace() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "torchvino: error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}

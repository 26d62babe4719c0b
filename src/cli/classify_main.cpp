// torchvino-classify: `torchvino classify` without LibTorch, for devices that only run models.
//   torchvino-classify MODEL IMAGE|FOLDER... [--labels FILE] [--top 5] [--json]
#include <CLI/CLI.hpp>

#include <iostream>

#include "cli/cmd_classify.hpp"
#include "cli/option_table.hpp"
#include "torchvino/version.hpp"

int main(int argc, char** argv) {
  CLI::App app{"torchvino-classify: top-k classes of images with an OpenVINO IR or ONNX model"};
  app.set_version_flag("--version", std::string("torchvino-classify ") + TORCHVINO_VERSION_STRING);
  torchvino::cli::setup_classify(&app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);  // help and version (exit 0), usage errors naming the flag (exit 2+)
  } catch (const torchvino::Error& e) {
    std::cerr << "torchvino-classify: error: " << torchvino::cli::describe(e, "classify") << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "torchvino-classify: error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}

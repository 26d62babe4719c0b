// torchvino: train, convert, quantize, evaluate and benchmark image models on CPUs.
#include <CLI/CLI.hpp>
#include <c10/util/Exception.h>

#include <iostream>
#include <openvino/core/except.hpp>

#include "cli/app.hpp"
#include "torchvino/error.hpp"
#include "util/strings.hpp"

int main(int argc, char** argv) {
  using namespace torchvino::cli;
  CLI::App app{"torchvino: PyTorch image models made fast on x86 CPUs with OpenVINO"};
  add_all_commands(app);
  auto failed = [](const char* kind, const char* what) {
    std::cerr << "torchvino: " << kind << ": " << what << "\n";
    return 1;
  };
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // Usage errors: one line naming the flag, exit code 2+ (CLI11's own codes).
    std::cerr << "torchvino: " << torchvino::util::shorten_long_numbers(e.what())
              << "\nRun with --help for more information.\n";
    return e.get_exit_code();
  } catch (const ov::Exception& e) {
    return failed("OpenVINO error", torchvino::util::essence(e.what()).c_str());
  } catch (const c10::Error& e) {
    return failed("LibTorch error", torchvino::util::essence(e.what_without_backtrace()).c_str());
  } catch (const torchvino::Error& e) {
    const auto& chosen = app.get_subcommands();
    return failed("error", describe(e, chosen.empty() ? "" : chosen.front()->get_name()).c_str());
  } catch (const std::exception& e) {
    return failed("error", e.what());
  }
  return 0;
}

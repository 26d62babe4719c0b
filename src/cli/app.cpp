#include "cli/app.hpp"

#include "cli/cmd_classify.hpp"
#include "cli/cmd_export.hpp"
#include "cli/cmd_info.hpp"
#include "cli/common.hpp"
#include "torchvino/version.hpp"

namespace torchvino::cli {

void add_all_commands(CLI::App& app) {
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("torchvino ") + TORCHVINO_VERSION_STRING);
  add_train_command(app);
  add_convert_command(app);
  add_quantize_command(app);
  add_eval_command(app);
  add_pipeline_command(app);
  add_download_command(app);
  add_export_command(app);
  add_info_command(app);
  add_classify_command(app);
  add_bench_command(app);
}

}  // namespace torchvino::cli

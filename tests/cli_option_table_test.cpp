// The option table is the command line's truth: every flag of every subcommand comes from one row
// that lists that subcommand, no subcommand has two rows with one flag, every row is taken by
// exactly the subcommands it lists, and a library error's option key turns back into the flag.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>

#include "cli/app.hpp"
#include "cli/bind_option.hpp"
#include "cli/quantize_job.hpp"
#include "torchvino/error.hpp"

namespace {

using namespace torchvino;
using namespace torchvino::cli;

// The flags each subcommand registered ("--subset-size", ...), help and positionals left out.
std::map<std::string, std::set<std::string>> flags_by_command() {
  CLI::App app;
  add_all_commands(app);
  std::map<std::string, std::set<std::string>> out;
  for (const CLI::App* command : app.get_subcommands([](CLI::App*) { return true; })) {
    auto& flags = out[command->get_name()];
    for (const CLI::Option* o : command->get_options()) {
      if (o->get_lnames().empty() || o->get_name() == "--help") continue;
      flags.insert("--" + o->get_lnames().front());
    }
  }
  return out;
}

std::string long_flag(const Option& row) { return std::string(row.flag.substr(row.flag.rfind(',') + 1)); }

TEST(OptionTable, EveryFlagComesFromARowListingItsCommand) {
  for (const auto& [command, flags] : flags_by_command()) {
    for (const auto& flag : flags) {
      int rows = 0;
      for (const Option* row : kAllOptions)
        if (long_flag(*row) == flag && row->applies_to(command)) ++rows;
      EXPECT_EQ(rows, 1) << command << " " << flag << ": rows of the table that declare it";
    }
  }
}

TEST(OptionTable, EveryRowIsTakenByExactlyTheCommandsItLists) {
  const auto registered = flags_by_command();
  for (const Option* row : kAllOptions) {
    int commands = 0;
    for (const auto& [command, flags] : registered) {
      const bool takes = flags.count(long_flag(*row)) > 0;
      if (row->applies_to(command)) {
        ++commands;
        EXPECT_TRUE(takes) << row->flag << " is listed for " << command << " but not bound there";
      }
    }
    EXPECT_GT(commands, 0) << row->key << " applies to no command";
  }
}

TEST(OptionTable, KeysAreFieldNamesAndLimitsAgreeWithTheirChecks) {
  std::set<std::string> keys_with_flag;
  for (const Option* row : kAllOptions) {
    EXPECT_EQ(row->flag.find("--"), row->flag.rfind(',') == std::string_view::npos ? 0 : row->flag.rfind(',') + 1)
        << row->flag;
    for (const char c : row->key) EXPECT_TRUE((c >= 'a' && c <= 'z') || c == '_' || c == '.') << row->key;
    EXPECT_FALSE(row->help.empty()) << row->key;
  }
  // The limit a row shows is the one the library applies: the same message, the key named.
  try {
    limits::subset_size.check("subset_size", 0);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "subset_size: 0 must be at least 1");
    EXPECT_EQ(e.option(), "subset_size");
  }
  EXPECT_NO_THROW(limits::smooth_quant_alpha.check("smooth_quant_alpha", -1));
  EXPECT_THROW(limits::smooth_quant_alpha.check("smooth_quant_alpha", -5), Error);
  EXPECT_THROW(limits::max_drop.check("max_drop", std::nan("")), Error);
}

TEST(OptionTable, LibraryErrorsGetTheFlagOfTheirOptionKey) {
  EXPECT_EQ(flag_for_key("subset_size"), "--subset-size");
  EXPECT_EQ(flag_for_key("config"), "--config");
  // One key, two commands, two spellings of the value: bench's batch list is not export's batch.
  EXPECT_EQ(flag_for_key("batch", "export"), "--batch");
  EXPECT_EQ(flag_for_key("batches", "bench"), "--batch");
  EXPECT_EQ(flag_for_key("no_such_option"), "");
  EXPECT_EQ(describe(Error("max_input_mb: file.pt inflates past 1024 MB", "max_input_mb"), "eval"),
            "max_input_mb: file.pt inflates past 1024 MB (--max-input-mb)");
  EXPECT_EQ(describe(Error("x.xml: not an IR")), "x.xml: not an IR");
  // A key no flag of this command sets stays as it is.
  EXPECT_EQ(describe(Error("bgr: the input has 1 channel", "bgr"), "eval"), "bgr: the input has 1 channel");
  EXPECT_EQ(describe(Error("bgr: the input has 1 channel", "bgr"), "convert"), "bgr: the input has 1 channel (--bgr)");
}

// The quantization options a config key sets are the flags' own: same keys, same checks.
TEST(OptionTable, ConfigKeysAndFlagsOfQuantizeAreOneList) {
  // The job's flags on a bare `quantize` (no callback: only the flags are wanted, not a quantization).
  CLI::App app;
  CLI::App* quantize = app.add_subcommand("quantize");
  QuantizeJob flags;
  add_job_flags(quantize, flags);
  app.parse(std::vector<std::string>{"--subset-size=64", "--preset=mixed", "--ignore-name=fc", "quantize"});
  const QuantizeJob file = parse_quantize_job(
      "model: {model: a.xml}\ncompression: {subset_size: 200, preset: performance, range_estimator: minmax}\n", "c");
  QuantizeJob job = file;
  apply_given_flags(quantize, flags, job);
  EXPECT_EQ(job.quantize.subset_size, 64);                          // flag over file
  EXPECT_EQ(job.quantize.preset, Preset::Mixed);                    // flag over file
  EXPECT_EQ(job.quantize.range_estimator, RangeEstimator::MinMax);  // file, no flag
  EXPECT_EQ(job.quantize.ignored_scope.names, std::vector<std::string>{"fc"});
  EXPECT_EQ(job.algorithm, Algorithm::Default);
}

}  // namespace

#include <fmt/format.h>

#include "cli/common.hpp"
#include "torchvino/convert.hpp"
#include "torchvino/error.hpp"
#include "torchvino/report.hpp"
#include "torchvino/runtime.hpp"
#include "torchvino/state_dict.hpp"
#include "util/atomic_file.hpp"

namespace torchvino::cli {

void add_eval_command(CLI::App& app) {
  struct Flags {
    CommonOptions common;
    EvalOptions eval;
    Mode mode = Mode::PyTorch;
    std::string ir, json;
    int requests = 1;
    uint64_t limit_seed = 0;
  };
  auto flags = std::make_shared<Flags>();
  auto* cmd = app.add_subcommand("eval", "Accuracy, loss, throughput and latency on the test set");
  add_common_options(cmd, flags->common);
  add_weights_options(cmd, flags->common);
  bind(cmd, opt::mode, flags->mode);
  add_checkpoint_option(cmd, flags->common);
  bind(cmd, opt::ir, flags->ir);
  bind(cmd, opt::batch_size, flags->eval.batch_size);
  bind(cmd, opt::requests, flags->requests);
  bind(cmd, opt::limit, flags->eval.limit);
  bind(cmd, opt::limit_seed, flags->limit_seed);
  add_evaluation_data_options(cmd, flags->common);
  bind(cmd, opt::json_file, flags->json);
  cmd->callback([flags, cmd] {
    const auto& c = flags->common;
    const RuntimeContext runtime = start_runtime(c);
    const RuntimeContext mode_runtime = runtime_for(flags->mode, runtime);  // refuses bf16 without bf16
    std::unique_ptr<Backend> backend;
    std::shared_ptr<ov::Model> ov_model;
    std::filesystem::path file;
    CommonOptions data_options = c;
    DatasetOptions data;
    if (flags->mode == Mode::PyTorch) {
      if (flags->requests > 1) throw Error("--requests applies to OpenVINO modes only, not --mode pytorch");
      Model m;
      if (!c.weights.empty()) {
        if (!c.checkpoint.empty()) throw Error("--weights and --checkpoint are exclusive");
        file = c.weights;
        m = create_model(c.spec());
        load_state_dict(m, file, !c.weights_non_strict);
      } else {
        file = c.checkpoint_file();
        m = load_checkpoint(file);
      }
      // The model's own spec decides how the data is prepared.
      data_options.model = m.spec.arch;
      data_options.image_size = static_cast<int>(m.spec.image_size);
      data_options.num_classes = static_cast<int>(m.spec.num_classes);
      data = data_options.data(m.metadata.mean, m.metadata.std);
      backend = make_libtorch_backend(m);
    } else {
      // bf16 runs the FP32 IR.
      const Mode stored = flags->mode == Mode::BF16 ? Mode::FP32 : flags->mode;
      file = flags->ir.empty() ? c.default_ir(to_string(stored)) : std::filesystem::path(flags->ir);
      ov_model = read_model_file(file);
      data = c.data_for(*ov_model);
      backend = make_openvino_backend(ov_model, mode_runtime, flags->requests);
    }
    data.limit = flags->eval.limit;
    if (given(cmd, opt::limit_seed)) {
      if (flags->eval.limit == 0) throw Error("--limit-seed draws --limit images: give --limit too");
      data.shuffle_seed = flags->limit_seed;
    }
    // Streamed: images are decoded batch by batch while the model runs, never all at once.
    const auto test_set = open_dataset(data, Split::Test);
    EvalOptions eval = flags->eval;
    eval.threads = runtime.threads;
    eval.keep_logits = flags->mode == Mode::BF16;  // compared with fp32 below
    const int64_t images = eval.limit ? std::min(eval.limit, test_set->size()) : test_set->size();
    eval.on_progress = progress_logger("eval");
    log_line(fmt::format("eval: {} ({}) on {} test images, batch {}, {} request(s)", to_string(flags->mode),
                         file.string(), images, eval.batch_size, flags->requests));
    const EvalResult r = evaluate(*backend, test_set, eval);
    fmt::print("mode {}  accuracy {:.2f}%  top5 {:.2f}%  loss {:.4f}  {:.0f} images/s  latency {:.3f} ms mean, "
               "{:.3f} ms median, {:.3f} ms p90 per batch  size {:.1f} KB\n",
               to_string(flags->mode), 100 * r.accuracy, 100 * r.top5, r.loss, r.throughput, r.latency_mean_ms,
               r.latency_median_ms, r.latency_p90_ms, model_size_bytes(file) / 1024.0);
    ModeRecord record{flags->mode, file, model_size_bytes(file), weights_size_bytes(file), r, {}, flags->requests};
    if (const auto* compiled = backend->compiled_model()) {
      record.executed = executed_layers(*compiled, ov_model.get());
      for (const auto& line : execution_warnings(flags->mode, record.executed)) log_line("WARNING: " + line);
    }
    if (flags->mode == Mode::BF16) {
      // bf16 is judged against the same IR computed in f32.
      auto fp32 = make_openvino_backend(ov_model, runtime_for(Mode::FP32, runtime), flags->requests);
      eval.on_progress = progress_logger("eval fp32");
      const EvalResult f = evaluate(*fp32, test_set, eval);
      const Parity p = compare_logits(Mode::BF16, f.logits, r.logits, Mode::FP32);
      fmt::print("fp32 on the same IR: accuracy {:.2f}%  {:.0f} images/s;  bf16 vs fp32: Δ accuracy {:+.2f} points, "
                 "max |Δlogit| {:.3g} ({:.3g} of max |logit|), same argmax {:.3f}%\n",
                 100 * f.accuracy, f.throughput, 100 * (r.accuracy - f.accuracy), p.max_abs_diff,
                 p.relative_max_diff(), 100 * p.argmax_agreement);
    }
    if (!flags->json.empty()) write_text_atomically(flags->json, record_to_json(record));
  });
}

}  // namespace torchvino::cli

#include <torch/torch.h>

#include <fstream>

#include "data/file_bytes.hpp"
#include "data/subset.hpp"
#include "util/strings.hpp"
#include "torchvino/data.hpp"
#include "torchvino/data_source.hpp"
#include "torchvino/error.hpp"

namespace torchvino {

namespace fs = std::filesystem;

namespace {

constexpr int64_t kPixels = 3 * 32 * 32;
constexpr int64_t kRecord = 1 + kPixels;

// The class order of the CIFAR-10 distribution, for folders without batches.meta.txt.
std::vector<std::string> standard_class_names() {
  return {"airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"};
}

std::vector<std::string> cifar10_class_names(const fs::path& dir) {
  const fs::path meta = dir / "batches.meta.txt";
  if (!fs::exists(meta)) return standard_class_names();
  std::ifstream in(meta);
  if (!in) throw Error(util::cat(meta.string(), ": cannot open"));
  std::vector<std::string> names;
  std::string line;
  while (std::getline(in, line)) {
    const auto first = line.find_first_not_of(" \t\r");
    if (first == std::string::npos) continue;  // the file ends with blank lines
    const auto last = line.find_last_not_of(" \t\r");
    names.push_back(line.substr(first, last - first + 1));
  }
  if (names.size() != 10) {
    throw Error(util::cat(meta.string(), ": expected 10 class names, found ", names.size()));
  }
  return names;
}

}  // namespace

ImageBatch read_cifar10(const fs::path& dir, Split split) {
  if (!fs::is_directory(dir)) throw Error(util::cat(dir.string(), ": data folder not found"));
  std::vector<fs::path> files;
  if (split == Split::Train) {
    for (int i = 1; i <= 5; ++i) files.push_back(dir / util::cat("data_batch_", i, ".bin"));
  } else {
    files.push_back(dir / "test_batch.bin");
  }
  // Checked up front so a missing fifth batch is reported before reading 120 MB.
  for (const auto& f : files) {
    if (!fs::exists(f)) throw Error(util::cat(f.string(), ": file not found"));
  }

  std::vector<uint8_t> all;
  for (const auto& f : files) {
    const std::vector<uint8_t> bytes = data::read_file_bytes(f);
    if (bytes.empty() || bytes.size() % kRecord != 0) {
      throw Error(util::cat(f.string(), ": size ", bytes.size(),
                            " bytes is not a positive multiple of the ", kRecord,
                            "-byte CIFAR-10 record (1 label byte + 3×32×32 pixels)"));
    }
    for (size_t i = 0; i < bytes.size(); i += kRecord) {
      if (bytes[i] >= 10) {
        throw Error(util::cat(f.string(), ": record ", i / kRecord, " has label ", bytes[i],
                              ", expected 0..9"));
      }
    }
    all.insert(all.end(), bytes.begin(), bytes.end());
  }

  const int64_t n = static_cast<int64_t>(all.size()) / kRecord;
  const auto records = torch::from_blob(all.data(), {n, kRecord}, torch::kUInt8);
  ImageBatch out;
  // Both copy out of `all` before it goes away.
  out.images = records.narrow(1, 1, kPixels).contiguous().view({n, 3, 32, 32});
  out.labels = records.select(1, 0).to(torch::kLong);
  out.class_names = cifar10_class_names(dir);
  return out;
}

std::shared_ptr<DataSource> open_cifar10(const fs::path& dir, Split split, const Preprocessing& p,
                                               const Subset& subset, const InputLimits& /*limits*/) {
  ImageBatch raw = read_cifar10(dir, split);
  const auto chosen = subset.indices(raw.labels.size(0));
  return raw_image_source(select_items(raw.images, chosen).clone(), select_items(raw.labels, chosen).clone(), p, 10,
                          std::move(raw.class_names));
}

Dataset load_cifar10(const fs::path& dir, Split split, const Preprocessing& p, const Subset& subset,
                     const InputLimits& limits) {
  return materialize(open_cifar10(dir, split, p, subset, limits));
}

}  // namespace torchvino

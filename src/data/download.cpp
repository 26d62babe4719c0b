#include <curl/curl.h>

#include <cstdio>
#include <memory>
#include <mutex>

#include "util/strings.hpp"
#include "torchvino/data.hpp"
#include "torchvino/error.hpp"
#include "torchvino/version.hpp"
#include "util/atomic_file.hpp"

namespace torchvino {

namespace fs = std::filesystem;

namespace {

void init_curl_once() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

size_t write_to_file(char* data, size_t size, size_t count, void* file) {
  return std::fwrite(data, size, count, static_cast<std::FILE*>(file)) * size;
}

// Fetches `url` into `out`; throws Error with curl's or the server's reason.
void fetch_url(const std::string& url, const fs::path& out) {
  init_curl_once();
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), &curl_easy_cleanup);
  if (!curl) throw Error("cannot initialise libcurl");
  std::unique_ptr<std::FILE, decltype(&std::fclose)> file(std::fopen(out.c_str(), "wb"),
                                                          &std::fclose);
  if (!file) throw Error(util::cat(out.string(), ": cannot create file"));

  char error[CURL_ERROR_SIZE] = {};
  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &write_to_file);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, file.get());
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(c, CURLOPT_FAILONERROR, 1L);
  curl_easy_setopt(c, CURLOPT_USERAGENT, "torchvino/" TORCHVINO_VERSION_STRING);
  // Offline machines should fail within seconds, not hang on each mirror.
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
  // A stalled transfer (under 1 KiB/s for 30 s) is abandoned so the next mirror gets a chance.
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1024L);
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 30L);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);

  const CURLcode rc = curl_easy_perform(c);
  if (rc == CURLE_HTTP_RETURNED_ERROR) {
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    throw Error(util::cat("HTTP status ", status));
  }
  if (rc != CURLE_OK) {
    throw Error(error[0] != '\0' ? std::string(error) : std::string(curl_easy_strerror(rc)));
  }
  if (std::fflush(file.get()) != 0 || std::ferror(file.get())) {
    throw Error(util::cat(out.string(), ": write error"));
  }
}

bool readable_idx(const fs::path& file) {
  if (!fs::exists(file)) return false;
  try {
    read_idx(file);
    return true;
  } catch (const Error&) {
    return false;
  }
}

}  // namespace

std::vector<std::string> mnist_mirrors() {
  return {"https://ossci-datasets.s3.amazonaws.com/mnist/",
          "https://storage.googleapis.com/cvdf-datasets/mnist/",
          "http://yann.lecun.com/exdb/mnist/"};
}

void download_mnist(const fs::path& dir) {
  download_mnist(dir, mnist_mirrors());
}

void download_mnist(const fs::path& dir, const std::vector<std::string>& mirrors) {
  if (mirrors.empty()) throw Error("download mnist: no mirrors to download from");
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw Error(util::cat(dir.string(), ": cannot create folder (", ec.message(), ")"));

  for (const char* base : {"train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                           "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"}) {
    const fs::path target = dir / (std::string(base) + ".gz");
    if (readable_idx(dir / base) || readable_idx(target)) continue;

    std::vector<std::string> failures;
    bool done = false;
    for (const auto& mirror : mirrors) {
      const std::string url = mirror + base + ".gz";
      try {
        write_atomically(target, [&](const fs::path& tmp) {
          fetch_url(url, tmp);
          try {
            read_idx(tmp);
          } catch (const Error& e) {
            throw Error(util::cat("downloaded file is not valid MNIST data: ", e.what()));
          }
        });
        done = true;
        break;
      } catch (const Error& e) {
        failures.push_back(util::cat("  ", url, ": ", e.what()));
      } catch (const fs::filesystem_error& e) {
        failures.push_back(util::cat("  ", url, ": ", e.what()));
      }
    }
    if (!done) {
      throw Error(util::cat("cannot download ", target.filename().string(), " into ", dir.string(),
                            ": every mirror failed:\n", util::join(failures, "\n")));
    }
  }
}

}  // namespace torchvino

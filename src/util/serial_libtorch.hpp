#pragma once
// LibTorch runs its tensor operations on an OpenMP thread pool (libgomp), OpenVINO on TBB. Both
// pools spin while they wait for work, so when both are busy on the same cores each slows the
// other down (quantize: 4–10x on a machine with other work). While a SerialLibTorch lives, the
// LibTorch operations of the thread that made it run on that thread alone: no OpenMP team is
// woken. Used where OpenVINO computes (its backend's run, quantization) and by the threads that
// decode datasets (each would otherwise start an OpenMP team of its own).
namespace torchvino::util {

class SerialLibTorch {
 public:
  SerialLibTorch();
  ~SerialLibTorch();
  SerialLibTorch(const SerialLibTorch&) = delete;
  SerialLibTorch& operator=(const SerialLibTorch&) = delete;

 private:
  int previous_;
};

}  // namespace torchvino::util

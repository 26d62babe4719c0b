#pragma once
// What libtorchvino_runtime.so exports. It is built with hidden visibility, so that only the
// public API (Classifier, read_image, Error...) is visible to applications, and the libraries it
// contains (stb_image, fmt) cannot clash with an application's own copies.
#define TORCHVINO_API __attribute__((visibility("default")))

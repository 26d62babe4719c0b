// Classifies one image file: the five most probable classes with their probabilities.
//   classify_image MODEL.xml IMAGE
#include <torchvino/classifier.hpp>

#include <iostream>

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: classify_image MODEL.xml IMAGE\n";
    return 2;
  }
  try {
    torchvino::Classifier classifier(argv[1]);  // labels and input size come from the model
    for (const auto& p : classifier.classify(std::filesystem::path(argv[2])))
      std::cout << p.label << "\t" << p.probability << "\n";
  } catch (const torchvino::Error& e) {  // a missing file, an unreadable image...
    std::cerr << "classify_image: " << e.what() << "\n";
    return 1;
  }
}

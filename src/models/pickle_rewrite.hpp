#pragma once
// torch.save(model.state_dict()) pickles a collections.OrderedDict, which LibTorch's unpickler
// cannot rebuild; this rewrites such a pickle into one it can read.
#include <string>

namespace torchvino::models {

// data.pkl (protocol 2) with every OrderedDict turned into a plain dict and their `_metadata`
// dropped. A pickle the rewrite does not understand (an unknown opcode, an inconsistent stack)
// comes back unchanged, for LibTorch to judge. An argument running past the end of the pickle, or
// nesting deeper than 1000 levels, is an Error ("data.pkl: ...").
std::string rewrite_ordered_dicts(const std::string& pkl);

}  // namespace torchvino::models

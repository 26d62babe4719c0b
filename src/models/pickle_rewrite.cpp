#include "models/pickle_rewrite.hpp"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <set>
#include <utility>
#include <vector>

#include "torchvino/error.hpp"
#include "util/strings.hpp"

// torch.save(model.state_dict()) pickles a collections.OrderedDict: `OrderedDict()` (GLOBAL,
// EMPTY_TUPLE, REDUCE), its items (SETITEMS), then its `_metadata` attribute (a dict of further
// OrderedDicts, applied with BUILD). LibTorch 2.15's unpickler turns OrderedDict() into None, so
// the SETITEMS that follow fail ("Expected GenericDict but got None"); its BUILD only works for
// TorchScript objects, and it has no POP opcode. So before LibTorch reads the pickle, it is
// rewritten (protocol 2 has no byte offsets, so lengths may change):
//   GLOBAL collections.OrderedDict, or BINGET of it   →  EMPTY_DICT
//   the EMPTY_TUPLE + REDUCE that called it           →  (removed): the empty dict stays
//   <state> BUILD on such a dict (sets _metadata)     →  (removed)
// Finding what BUILD applies to needs the stack, so the walk tracks, for each stack item, where
// its construction started in the stream. A plain dict holds OrderedDicts too (each tensor's
// empty backward-hooks argument, which LibTorch ignores): they become empty dicts, harmlessly.
// An opcode the walk does not know leaves the pickle untouched for LibTorch to judge; an argument
// running past the end, or nesting deeper than kMaxDepth, is an Error (LibTorch would read out of
// bounds, or recurse until the stack overflows).

namespace torchvino::models {

namespace {

// Deeper MARK / list / tuple / dict nesting is refused: no state dict comes near it, and
// LibTorch's recursive destruction of the result would overflow the stack.
constexpr size_t kMaxDepth = 1000;

struct Item {
  size_t start = 0;           // offset of the first opcode that built it
  size_t depth = 0;           // containers nested inside it, itself included
  bool od_class = false;      // the OrderedDict class (rewritten to an empty dict)
  bool od_instance = false;   // OrderedDict() (an empty dict after the rewrite)
  bool empty_tuple = false;
};

// Bytes [begin, end) of the pickle are replaced by `with`.
struct Edit {
  size_t begin, end;
  std::string with;
};

uint64_t little_endian(const std::string& data, size_t pos, size_t size) {
  uint64_t v = 0;
  for (size_t i = 0; i < size; ++i) {
    v |= uint64_t(static_cast<unsigned char>(data[pos + i])) << (8 * i);
  }
  return v;
}

// Walks the opcodes one at a time: pos() is the current opcode, next() where the following one
// starts once the current one's arguments have been skipped. Every length is checked against the
// bytes left before the cursor moves: an argument running past the end is an Error.
class OpcodeCursor {
 public:
  explicit OpcodeCursor(const std::string& pkl) : pkl_(pkl) {}

  bool at_end() const { return pos_ >= pkl_.size(); }
  unsigned char begin_opcode() {
    next_ = pos_ + 1;
    return static_cast<unsigned char>(pkl_[pos_]);
  }
  void advance() { pos_ = next_; }
  size_t pos() const { return pos_; }
  size_t next() const { return next_; }

  void skip(uint64_t n) {
    const size_t left = pkl_.size() - next_;
    if (n > left) {
      throw Error(util::cat("data.pkl: opcode ", util::hex(pkl_[pos_] & 0xff, 2), " at byte ",
                            pos_, " needs ", n, " more bytes, but only ", left, " are left"));
    }
    next_ += static_cast<size_t>(n);
  }
  // A `width`-byte length, then that many bytes.
  void skip_counted(size_t width) {
    skip(width);
    skip(little_endian(pkl_, next_ - width, width));
  }
  // Newline-terminated text arguments.
  void skip_lines(int n) {
    for (int l = 0; l < n; ++l) {
      const size_t eol = pkl_.find('\n', next_);
      skip(eol == std::string::npos ? pkl_.size() - next_ + 1 : eol + 1 - next_);
    }
  }
  void skip_rest() { next_ = pkl_.size(); }

  size_t size() const { return pkl_.size(); }
  // The current opcode's fixed-size argument (a memo slot), once skipped.
  uint64_t argument(size_t width) const { return little_endian(pkl_, pos_ + 1, width); }
  // Whether the arguments skipped so far are exactly `text`.
  bool arguments_are(const std::string& text) const {
    return next_ - pos_ - 1 == text.size() && pkl_.compare(pos_ + 1, text.size(), text) == 0;
  }

 private:
  const std::string& pkl_;
  size_t pos_ = 0;
  size_t next_ = 0;
};

// Follows the pickle's stack and collects the edits. Every handler returns false when the pickle
// is not one the walk can follow (unknown opcode, stack or marks exhausted).
class OrderedDictWalk {
 public:
  explicit OrderedDictWalk(const std::string& pkl) : in_(pkl) {}

  bool run() {
    while (!in_.at_end()) {
      if (!step(in_.begin_opcode())) return false;
      in_.advance();
    }
    return true;
  }
  const std::vector<Edit>& edits() const { return edits_; }

 private:
  bool step(unsigned char op) {
    switch (op) {
      case 0x80: in_.skip(1); return true;     // PROTO
      case '.': in_.skip_rest(); return true;  // STOP
      case '(': return mark();
      case 'c': return global();
      case 'h': return memo_get(1);
      case 'j': return memo_get(4);
      case 'q': return memo_put(1);
      case 'r': return memo_put(4);
      case 'R': return reduce();
      case 'b': return build();
      case 't': case 'l': case 'd': return collect_to_mark(/*push_result=*/true);
      case 'u': case 'e': return collect_to_mark(/*push_result=*/false);
      case 'a': return add_to_container(1);
      case 's': return add_to_container(2);
      case 0x85: case 'Q': return combine(1);   // TUPLE1, BINPERSID
      case 0x86: case 0x81: return combine(2);  // TUPLE2, NEWOBJ
      case 0x87: return combine(3);             // TUPLE3
      default: return push_value(op);
    }
  }

  // Opcodes that push one value built from their own arguments alone.
  bool push_value(unsigned char op) {
    switch (op) {
      case ']': case 'N': case 0x88: case 0x89: case '}': case ')': break;
      case 'K': in_.skip(1); break;
      case 'M': in_.skip(2); break;
      case 'J': in_.skip(4); break;
      case 'G': in_.skip(8); break;
      case 0x8a: case 'U': case 'C': case 0x8c: in_.skip_counted(1); break;
      case 'X': case 'T': case 'B': case 0x8b: in_.skip_counted(4); break;
      case 0x8d: case 0x8e: in_.skip_counted(8); break;
      case 'I': case 'L': case 'S': case 'V': case 'F': in_.skip_lines(1); break;
      default: return false;
    }
    const bool container = op == ']' || op == '}' || op == ')';
    push({.start = in_.pos(), .depth = container ? 1u : 0u, .empty_tuple = op == ')'});
    return true;
  }

  bool global() {
    in_.skip_lines(2);
    const bool od = in_.arguments_are("collections\nOrderedDict\n");
    if (od) replace_opcode("}");
    push({.start = in_.pos(), .od_class = od});
    return true;
  }

  bool memo_get(size_t width) {
    in_.skip(width);
    const bool od = od_memo_.contains(in_.argument(width));
    if (od) replace_opcode("}");
    push({.start = in_.pos(), .od_class = od});
    return true;
  }

  bool memo_put(size_t width) {
    in_.skip(width);
    check_memo_slot(in_.argument(width));
    if (stack_.empty()) return false;
    if (stack_.back().od_class) od_memo_.insert(in_.argument(width));
    return true;
  }

  // LibTorch's unpickler grows its memo table to the slot number: a 4-byte slot of 2^31 would
  // take tens of gigabytes. Pickles number their slots from 0, one per stored object, so a slot
  // cannot exceed the pickle's length.
  void check_memo_slot(uint64_t slot) const {
    if (slot > in_.size())
      throw Error(util::cat("data.pkl: memo slot ", slot, " at byte ", in_.pos(), " is beyond what a ",
                            in_.size(), "-byte pickle can fill"));
  }

  bool mark() {
    marks_.emplace_back(stack_.size(), in_.pos());
    check_depth(marks_.size());
    return true;
  }

  void check_depth(size_t depth) const {
    if (depth > kMaxDepth) {
      throw Error(util::cat("data.pkl: nested more than ", kMaxDepth,
                            " levels deep (lists, tuples, dicts or marks) at byte ", in_.pos()));
    }
  }

  bool reduce() {
    Item args, callable;
    if (!pop(args) || !pop(callable)) return false;
    // OrderedDict(): drop the call, keep the empty dict the class became.
    const bool od = callable.od_class && args.empty_tuple;
    if (od) remove_from(args.start);
    push({.start = callable.start,
          .depth = std::max(args.depth, callable.depth),
          .od_instance = od});
    return true;
  }

  bool build() {
    Item state;
    if (!pop(state) || stack_.empty()) return false;
    if (stack_.back().od_instance) remove_from(state.start);
    return true;
  }

  // LIST, TUPLE, DICT (push_result) or APPENDS, SETITEMS (into the item below the mark).
  bool collect_to_mark(bool push_result) {
    if (marks_.empty() || marks_.back().first > stack_.size()) return false;
    size_t depth = 0;
    for (size_t i = marks_.back().first; i < stack_.size(); ++i) {
      depth = std::max(depth, stack_[i].depth);
    }
    stack_.resize(marks_.back().first);
    const size_t mark_offset = marks_.back().second;
    marks_.pop_back();
    if (push_result) {
      push({.start = mark_offset, .depth = depth + 1});
      check_depth(depth + 1);
    } else {
      if (stack_.empty()) return false;
      deepen(stack_.back(), depth + 1);
    }
    return true;
  }

  // Pops n items: the greatest depth among them, or nothing when the stack runs out. `last` is
  // the last one popped (the lowest on the stack).
  std::optional<size_t> pop_items(int n, Item& last) {
    size_t depth = 0;
    for (int i = 0; i < n; ++i) {
      if (!pop(last)) return std::nullopt;
      depth = std::max(depth, last.depth);
    }
    return depth;
  }

  // APPEND (n = 1) or SETITEM (n = 2): pops the value (and key) into the item below.
  bool add_to_container(int n) {
    Item item;
    const auto depth = pop_items(n, item);
    if (!depth || stack_.empty()) return false;
    deepen(stack_.back(), *depth + 1);
    return true;
  }

  void deepen(Item& container, size_t depth) {
    container.depth = std::max(container.depth, depth);
    check_depth(container.depth);
  }

  // Pops n items and pushes one that starts where the deepest of them did.
  bool combine(int n) {
    Item deepest;
    const auto depth = pop_items(n, deepest);
    if (!depth) return false;
    push({.start = deepest.start, .depth = *depth + 1});
    check_depth(*depth + 1);
    return true;
  }

  bool pop(Item& out) {
    if (stack_.empty()) return false;
    out = stack_.back();
    stack_.pop_back();
    return true;
  }
  void push(Item item) { stack_.push_back(item); }

  void replace_opcode(std::string with) {
    edits_.push_back({in_.pos(), in_.next(), std::move(with)});
  }
  // Removes everything from `start` through the current opcode; earlier edits inside that span
  // are superseded.
  void remove_from(size_t start) {
    while (!edits_.empty() && edits_.back().begin >= start) edits_.pop_back();
    edits_.push_back({start, in_.next(), ""});
  }

  OpcodeCursor in_;
  std::vector<Edit> edits_;  // in increasing, non-overlapping order
  std::vector<Item> stack_;
  std::vector<std::pair<size_t, size_t>> marks_;  // (stack height, offset)
  std::set<uint64_t> od_memo_;                    // memo slots holding the OrderedDict class
};

std::string apply_edits(const std::string& pkl, const std::vector<Edit>& edits) {
  std::string out;
  out.reserve(pkl.size());
  size_t copied = 0;
  for (const Edit& e : edits) {
    out.append(pkl, copied, e.begin - copied);
    out += e.with;
    copied = e.end;
  }
  out.append(pkl, copied, std::string::npos);
  return out;
}

}  // namespace

std::string rewrite_ordered_dicts(const std::string& pkl) {
  OrderedDictWalk walk(pkl);
  if (!walk.run()) return pkl;
  return apply_edits(pkl, walk.edits());
}

}  // namespace torchvino::models

#include "graph/ir.h"

#include <deque>

#include "absl/strings/str_cat.h"
#include "graph/sequence_type.h"

namespace socd::graph {

std::string TensorType::ToString() const {
  if (container) return container->ToString();
  std::string s(DTypeName(dtype));
  if (!has_shape) return s + "[?]";
  s += "[";
  for (size_t i = 0; i < dims.size(); ++i) {
    if (i) s += ",";
    if (dims[i].is_static())
      s += std::to_string(dims[i].value);
    else
      s += dims[i].symbol.empty() ? "?" : dims[i].symbol;
  }
  return s + "]";
}

int64_t Node::GetInt(const std::string& n, int64_t def) const {
  auto it = attrs.find(n);
  return it == attrs.end() ? def : it->second.i;
}
float Node::GetFloat(const std::string& n, float def) const {
  auto it = attrs.find(n);
  return it == attrs.end() ? def : it->second.f;
}
std::string Node::GetString(const std::string& n, const std::string& def) const {
  auto it = attrs.find(n);
  return it == attrs.end() ? def : it->second.s;
}
std::vector<int64_t> Node::GetInts(const std::string& n) const {
  auto it = attrs.find(n);
  return it == attrs.end() ? std::vector<int64_t>{} : it->second.ints;
}
std::vector<float> Node::GetFloats(const std::string& n) const {
  auto it = attrs.find(n);
  return it == attrs.end() ? std::vector<float>{} : it->second.floats;
}
std::string Node::Describe() const {
  std::string d = domain.empty() ? op_type : absl::StrCat(domain, ".", op_type);
  return absl::StrCat(d, "-", opset, " '", name, "'");
}

int Graph::AddValue(std::string name, TensorType type) {
  int id = static_cast<int>(values.size());
  by_name_[name] = id;
  values.push_back(Value{std::move(name), std::move(type), nullptr, -1});
  return id;
}

int Graph::AddConstant(std::string name, std::shared_ptr<const Tensor> t) {
  TensorType tt;
  tt.dtype = t->dtype();
  tt.has_shape = true;
  for (int64_t d : t->shape()) tt.dims.push_back(Dim{d, ""});
  int id = AddValue(std::move(name), std::move(tt));
  values[id].constant = std::move(t);
  return id;
}

int Graph::FindValue(const std::string& name) const {
  auto it = by_name_.find(name);
  return it == by_name_.end() ? -1 : it->second;
}

std::string Graph::UniqueName(const std::string& base) {
  std::string n;
  do {
    n = absl::StrCat(base, "__socd", unique_counter_++);
  } while (by_name_.count(n));
  return n;
}

absl::Status Graph::TopoSort() {
  const int nv = static_cast<int>(values.size());
  std::vector<int> producer(nv, -1);
  for (size_t n = 0; n < nodes.size(); ++n) {
    for (int o : nodes[n].outputs) {
      if (o == kNoValue) continue;
      if (values[o].constant || producer[o] != -1) {
        return absl::InvalidArgumentError(absl::StrCat(
            "value '", values[o].name, "' is produced twice (by ", nodes[n].Describe(), ")"));
      }
      producer[o] = static_cast<int>(n);
    }
  }
  std::vector<bool> is_input(nv, false);
  for (int i : inputs) is_input[i] = true;
  // Kahn's algorithm, keeping the model's order among ready nodes so output is stable.
  std::vector<int> pending(nodes.size(), 0);
  std::vector<std::vector<int>> consumers(nv);
  for (size_t n = 0; n < nodes.size(); ++n) {
    for (int in : nodes[n].inputs) {
      if (in == kNoValue) continue;
      if (producer[in] >= 0) {
        ++pending[n];
        consumers[in].push_back(static_cast<int>(n));
      } else if (!values[in].constant && !is_input[in]) {
        return absl::InvalidArgumentError(absl::StrCat("node ", nodes[n].Describe(), " reads '",
                                                       values[in].name,
                                                       "', which is not a graph input, an "
                                                       "initializer or any node's output"));
      }
    }
  }
  std::deque<int> ready;
  for (size_t n = 0; n < nodes.size(); ++n)
    if (pending[n] == 0) ready.push_back(static_cast<int>(n));
  std::vector<int> order;
  order.reserve(nodes.size());
  while (!ready.empty()) {
    int n = ready.front();
    ready.pop_front();
    order.push_back(n);
    for (int o : nodes[n].outputs) {
      if (o == kNoValue) continue;
      for (int c : consumers[o])
        if (--pending[c] == 0) ready.push_back(c);
    }
  }
  if (order.size() != nodes.size()) {
    for (size_t n = 0; n < nodes.size(); ++n) {
      if (pending[n] > 0) {
        return absl::InvalidArgumentError(
            absl::StrCat("graph has a cycle through node ", nodes[n].Describe()));
      }
    }
  }
  std::vector<Node> sorted;
  sorted.reserve(nodes.size());
  for (int n : order) sorted.push_back(std::move(nodes[n]));
  nodes = std::move(sorted);
  for (auto& v : values) v.producer = -1;
  for (size_t n = 0; n < nodes.size(); ++n)
    for (int o : nodes[n].outputs)
      if (o != kNoValue) values[o].producer = static_cast<int>(n);
  for (int o : outputs) {
    if (values[o].producer < 0 && !values[o].constant && !is_input[o]) {
      return absl::InvalidArgumentError(
          absl::StrCat("graph output '", values[o].name, "' is never produced"));
    }
  }
  return absl::OkStatus();
}

std::vector<int> Graph::UseCounts() const {
  std::vector<int> uses(values.size(), 0);
  for (const auto& n : nodes)
    for (int in : n.inputs)
      if (in != kNoValue) ++uses[in];
  for (int o : outputs) ++uses[o];
  return uses;
}

void Graph::CompactValues() {
  std::vector<int> keep(values.size(), 0);
  for (int i : inputs) keep[i] = 1;
  for (int o : outputs) keep[o] = 1;
  for (const auto& n : nodes) {
    for (int i : n.inputs)
      if (i != kNoValue) keep[i] = 1;
    for (int o : n.outputs)
      if (o != kNoValue) keep[o] = 1;
  }
  std::vector<int> remap(values.size(), -1);
  std::vector<Value> kept;
  for (size_t v = 0; v < values.size(); ++v) {
    if (!keep[v]) continue;
    remap[v] = static_cast<int>(kept.size());
    kept.push_back(std::move(values[v]));
  }
  values = std::move(kept);
  auto fix = [&](int& v) {
    if (v != kNoValue) v = remap[v];
  };
  for (auto& i : inputs) fix(i);
  for (auto& o : outputs) fix(o);
  for (auto& n : nodes) {
    for (auto& i : n.inputs) fix(i);
    for (auto& o : n.outputs) fix(o);
  }
  by_name_.clear();
  for (size_t v = 0; v < values.size(); ++v) {
    by_name_[values[v].name] = static_cast<int>(v);
    values[v].producer = -1;
  }
  for (size_t n = 0; n < nodes.size(); ++n)
    for (int o : nodes[n].outputs)
      if (o != kNoValue) values[o].producer = static_cast<int>(n);
}

}  // namespace socd::graph

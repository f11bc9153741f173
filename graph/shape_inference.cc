#include "graph/shape_inference.h"

#include <map>

#include "absl/strings/str_cat.h"
#include "graph/op_schema.h"

namespace socd::graph {

absl::Status InferNode(const Node& n, const std::vector<const InferredValue*>& inputs,
                       std::vector<InferredValue>& outputs) {
  auto schema = OpRegistry::Get().Find(n);
  if (!schema.ok()) return schema.status();
  std::vector<DType> dts(n.inputs.size(), DType::kUndefined);
  std::vector<const Shape*> shapes(n.inputs.size());
  std::vector<TensorView> views(n.inputs.size());
  std::vector<const TensorView*> vals(n.inputs.size(), nullptr);
  static const Shape kEmpty;
  for (size_t i = 0; i < n.inputs.size(); ++i) {
    shapes[i] = &kEmpty;
    if (n.inputs[i] == kNoValue) continue;
    const InferredValue* iv = inputs[i];
    if (iv == nullptr || !iv->known) {
      return absl::InvalidArgumentError(
          absl::StrCat(n.Describe(), ": the type of input ", i, " is unknown"));
    }
    dts[i] = iv->dtype;
    shapes[i] = &iv->shape;
    if (iv->value) {
      views[i] = iv->value->view();
      vals[i] = &views[i];
    }
  }
  InferContext ctx(n, std::move(dts), std::move(shapes), std::move(vals));
  if (auto s = (*schema)->infer(ctx); !s.ok()) return s;
  outputs.assign(n.outputs.size(), InferredValue{});
  for (size_t o = 0; o < n.outputs.size(); ++o) {
    if (n.outputs[o] == kNoValue) continue;
    if (ctx.output_dtype(o) == DType::kUndefined) {
      return absl::InternalError(
          absl::StrCat(n.Describe(), ": shape inference left output ", o, " untyped"));
    }
    if (NumElements(ctx.output_shape(o)) < 0) {
      return absl::InvalidArgumentError(absl::StrCat(n.Describe(), ": output ", o, " shape ",
                                                     ShapeToString(ctx.output_shape(o)),
                                                     " is invalid"));
    }
    outputs[o].dtype = ctx.output_dtype(o);
    outputs[o].shape = ctx.output_shape(o);
    outputs[o].known = true;
  }
  return absl::OkStatus();
}

absl::Status CheckInputShapes(const Graph& g, const std::vector<Shape>& input_shapes) {
  if (input_shapes.size() != g.inputs.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("model has ", g.inputs.size(), " inputs, got ", input_shapes.size()));
  }
  std::map<std::string, int64_t> bound;
  for (size_t i = 0; i < g.inputs.size(); ++i) {
    const Value& v = g.values[g.inputs[i]];
    const Shape& s = input_shapes[i];
    if (NumElements(s) < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("input '", v.name, "': invalid shape ", ShapeToString(s)));
    }
    if (!v.type.has_shape) continue;
    if (v.type.dims.size() != s.size()) {
      return absl::InvalidArgumentError(absl::StrCat("input '", v.name, "': expected rank ",
                                                     v.type.dims.size(), " (", v.type.ToString(),
                                                     "), got shape ", ShapeToString(s)));
    }
    for (size_t d = 0; d < s.size(); ++d) {
      const Dim& dim = v.type.dims[d];
      if (dim.is_static() && dim.value != s[d]) {
        return absl::InvalidArgumentError(absl::StrCat("input '", v.name, "': dimension ", d,
                                                       " must be ", dim.value, ", got shape ",
                                                       ShapeToString(s)));
      }
      if (!dim.symbol.empty()) {
        auto [it, inserted] = bound.emplace(dim.symbol, s[d]);
        if (!inserted && it->second != s[d]) {
          return absl::InvalidArgumentError(absl::StrCat("input '", v.name, "': dimension '",
                                                         dim.symbol, "' is ", s[d], " here but ",
                                                         it->second, " in an earlier input"));
        }
      }
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<InferredValue>> InferGraph(const Graph& g,
                                                      const std::vector<Shape>& input_shapes,
                                                      const InferOptions& opts) {
  if (auto s = CheckInputShapes(g, input_shapes); !s.ok()) return s;
  std::vector<InferredValue> vals(g.values.size());
  for (size_t v = 0; v < g.values.size(); ++v) {
    if (const auto& c = g.values[v].constant) {
      vals[v] = {c->dtype(), c->shape(), true, c};
    }
  }
  for (size_t i = 0; i < g.inputs.size(); ++i) {
    const Value& v = g.values[g.inputs[i]];
    if (v.type.dtype == DType::kUndefined) {
      return absl::InvalidArgumentError(absl::StrCat("input '", v.name, "' has no element type"));
    }
    vals[g.inputs[i]] = {v.type.dtype, input_shapes[i], true, nullptr};
  }
  std::vector<const InferredValue*> ins;
  std::vector<InferredValue> outs;
  for (const Node& n : g.nodes) {
    ins.assign(n.inputs.size(), nullptr);
    bool all_values = true;
    // Shape and Size read only their input's shape, which is known here even when its contents
    // are not: evaluating them lets Shape -> Gather -> Concat -> Reshape chains plan statically.
    const bool shape_only = n.domain.empty() && (n.op_type == "Shape" || n.op_type == "Size");
    for (size_t i = 0; i < n.inputs.size(); ++i) {
      if (n.inputs[i] == kNoValue) continue;
      ins[i] = &vals[n.inputs[i]];
      all_values = all_values && (ins[i]->value != nullptr || shape_only);
    }
    if (auto s = InferNode(n, ins, outs); !s.ok()) return s;
    int64_t out_elems = 0;
    for (size_t o = 0; o < n.outputs.size(); ++o) {
      if (n.outputs[o] == kNoValue) continue;
      out_elems += NumElements(outs[o].shape);
    }
    if (opts.evaluator && all_values && out_elems <= opts.max_eval_elements) {
      std::vector<TensorView> in_views(n.inputs.size());
      for (size_t i = 0; i < n.inputs.size(); ++i)
        if (ins[i]) {
          in_views[i] = ins[i]->value ? ins[i]->value->view()
                                      : TensorView{ins[i]->dtype, ins[i]->shape, nullptr};
        }
      std::vector<std::shared_ptr<Tensor>> results(n.outputs.size());
      std::vector<TensorView> out_views(n.outputs.size());
      for (size_t o = 0; o < n.outputs.size(); ++o) {
        if (n.outputs[o] == kNoValue) continue;
        results[o] = std::make_shared<Tensor>(outs[o].dtype, outs[o].shape);
        out_views[o] = results[o]->view();
      }
      // A node the evaluator cannot run just stays unevaluated; the real run reports errors.
      if ((*opts.evaluator)(n, in_views, out_views).ok()) {
        for (size_t o = 0; o < n.outputs.size(); ++o) {
          if (results[o]) results[o]->OwnStrings();  // evaluator strings are short-lived
          outs[o].value = results[o];
        }
      }
    }
    for (size_t o = 0; o < n.outputs.size(); ++o) {
      if (n.outputs[o] != kNoValue) vals[n.outputs[o]] = std::move(outs[o]);
    }
  }
  return vals;
}

}  // namespace socd::graph

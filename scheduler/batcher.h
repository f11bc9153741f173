// Tensor plumbing for dynamic batching (the grouping itself is RequestQueue's): which requests
// may share a batch, stacking their inputs along dim 0, and each request's rows of the outputs.
#pragma once

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "graph/tensor.h"

namespace socd::scheduler {

// Requests batch together only when every input has the same dtype and the same shape past
// dim 0; the key is a hash of exactly that (inputs in model order).
uint64_t BatchKey(const std::vector<graph::TensorView>& inputs);

// The batch dimension (dim 0) every input shares, or INVALID_ARGUMENT naming the input that
// has no dim 0 or disagrees.
absl::StatusOr<uint32_t> BatchRows(const std::vector<graph::TensorView>& inputs,
                                   const std::vector<std::string>& names);

// members[m][i] is input i of request m; returns input i of the batch (rows of every member in
// order). Copies go through memory::CopyBytes, so they are counted.
std::vector<graph::Tensor> ConcatRows(const std::vector<std::vector<graph::TensorView>>& members);

// Rows [begin, begin + rows) of `t` along dim 0, without copying.
graph::TensorView RowSlice(const graph::TensorView& t, int64_t begin, int64_t rows);

}  // namespace socd::scheduler

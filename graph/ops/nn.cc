// Shape inference for the nn operator group: Conv, ConvTranspose and pooling live in
// nn_conv_pool.cc, Gemm/MatMul and the normalizations in nn_linear_norm.cc.
#include "graph/op_schema.h"

namespace socd::graph {

namespace nn_ops {
void RegisterConvPoolOps(OpRegistry& r);
void RegisterLinearNormOps(OpRegistry& r);
}  // namespace nn_ops

void RegisterNnOps(OpRegistry& r) {
  nn_ops::RegisterConvPoolOps(r);
  nn_ops::RegisterLinearNormOps(r);
}

}  // namespace socd::graph

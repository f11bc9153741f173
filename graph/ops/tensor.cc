// Shape inference for the tensor operator group.
#include "graph/op_schema.h"

namespace socd::graph {

void RegisterTensorOps(OpRegistry& r) { (void)r; }

}  // namespace socd::graph

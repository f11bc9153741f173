// Shape inference for the quant operator group.
#include "graph/op_schema.h"

namespace socd::graph {

void RegisterQuantOps(OpRegistry& r) { (void)r; }

}  // namespace socd::graph

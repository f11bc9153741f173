// Shape inference for the nn operator group.
#include "graph/op_schema.h"

namespace socd::graph {

void RegisterNnOps(OpRegistry& r) { (void)r; }

}  // namespace socd::graph

// socd: the inference daemon. Until the serving issue lands it only reports what it would
// serve; the engine is exercised through socd-run.
#include <cstdio>
#include <cstring>

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--version") == 0) {
      std::printf("socd 0.1.0\n");
      return 0;
    }
  }
  std::fprintf(stderr, "socd: the gRPC daemon is not implemented yet; use socd-run\n");
  return 2;
}

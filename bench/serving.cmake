# Serving benchmarks (bench/serving_bench.py, docs/BENCHMARKS.md "Serving overhead"):
#   echo_load — the bare ServerLive RPC at N concurrent clients: the transport's own limit that
#   `socctl perf` throughput is compared against.
# Included from bench/CMakeLists.txt; paths are relative to this file so that it works from any
# including directory.
add_executable(echo_load ${CMAKE_CURRENT_LIST_DIR}/echo_load.cc)
target_include_directories(echo_load PRIVATE ${PROJECT_SOURCE_DIR})
target_link_libraries(echo_load PRIVATE socd_client Threads::Threads)
set_target_properties(echo_load PROPERTIES UNITY_BUILD OFF)

# Smoke test: the whole serving benchmark end to end in a few seconds (checks the script and the
# tools, not speed; writes its JSON and doc copy into the build tree, not docs/).
if(SOCD_PEERS_PYTHON AND SOCD_SHARED_DIR AND EXISTS ${SOCD_SHARED_DIR}/models/velardo-sum-mlp.onnx)
  add_test(NAME serving_bench_smoke
           COMMAND ${SOCD_PEERS_PYTHON} ${CMAKE_CURRENT_LIST_DIR}/serving_bench.py --quick
                   --socd $<TARGET_FILE:socd> --socctl $<TARGET_FILE:socctl>
                   --socd-run $<TARGET_FILE:socd-run> --echo-load $<TARGET_FILE:echo_load>
                   --shared ${SOCD_SHARED_DIR}
                   --out ${CMAKE_CURRENT_BINARY_DIR}/serving_smoke.json
                   --doc ${CMAKE_CURRENT_BINARY_DIR}/BENCHMARKS_serving_smoke.md)
  set_tests_properties(serving_bench_smoke PROPERTIES LABELS bench TIMEOUT 300)
endif()

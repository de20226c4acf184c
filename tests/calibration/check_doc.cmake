# ctest accuracy.doc: docs/accuracy.md must be exactly what
#   lmchoose_accuracy tests/calibration/measurements.tsv --markdown tests/calibration/accuracy.md.in
# prints (run from the repository root). On a difference it fails and says how to regenerate.
execute_process(
  COMMAND ${ACCURACY} tests/calibration/measurements.tsv --markdown tests/calibration/accuracy.md.in
  WORKING_DIRECTORY ${SOURCE_DIR}
  OUTPUT_VARIABLE generated ERROR_VARIABLE err RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "lmchoose_accuracy --markdown failed (exit ${rc}): ${err}")
endif()
file(READ ${SOURCE_DIR}/docs/accuracy.md committed)
if(NOT generated STREQUAL committed)
  file(WRITE ${CMAKE_CURRENT_BINARY_DIR}/accuracy.md.generated "${generated}")
  message(FATAL_ERROR "docs/accuracy.md differs from what the command prints (written to "
    "${CMAKE_CURRENT_BINARY_DIR}/accuracy.md.generated). Regenerate it from the repository root:\n"
    "  ./build/tests/lmchoose_accuracy tests/calibration/measurements.tsv "
    "--markdown tests/calibration/accuracy.md.in > docs/accuracy.md")
endif()

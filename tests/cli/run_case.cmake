# Runs one golden CLI case (STYLE §2.9, jq's shtest and curl's tests/data).
#
# A case directory holds:
#   args          one argument per line (paths relative to the case directory)
#   stdin         optional: fed to standard input
#   expected.out  stdout, byte for byte (@LMCHOOSE_VERSION@ and
#                 @LMCHOOSE_CATALOG_DATE@ are substituted)
#   expected.err  optional: stderr, byte for byte (default: empty)
#   expected.rc   optional: exit code (default 0)
#   workdir       optional: one line, the directory to run in, relative to
#                 the case directory (default: the case directory)
# With LM_BLESS=1 in the environment the expected files are rewritten from
# the actual output instead; review those diffs like code. Blessing is refused
# (the case fails) when CI is set: CI must compare, never rewrite (issue 11).
# With -DLM_VALGRIND=ON the command runs under memcheck and any error or
# definite leak fails the case (exit code 99 is reserved for it).
file(STRINGS ${CASE_DIR}/args args ENCODING UTF-8)
set(cmd ${LMCHOOSE} ${args})
if(LM_VALGRIND)
  set(cmd valgrind --quiet --error-exitcode=99 --leak-check=full
      --errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect
      ${cmd})
endif()
set(input_args "")
if(EXISTS ${CASE_DIR}/stdin)
  set(input_args INPUT_FILE ${CASE_DIR}/stdin)
endif()
set(workdir ${CASE_DIR})
if(EXISTS ${CASE_DIR}/workdir)
  file(STRINGS ${CASE_DIR}/workdir wd LIMIT_COUNT 1)
  get_filename_component(workdir ${CASE_DIR}/${wd} ABSOLUTE)
endif()
execute_process(COMMAND ${cmd}
  WORKING_DIRECTORY ${workdir}
  ${input_args}
  OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)

set(exp_rc 0)
if(EXISTS ${CASE_DIR}/expected.rc)
  file(READ ${CASE_DIR}/expected.rc exp_rc)
  string(STRIP "${exp_rc}" exp_rc)
endif()
set(exp_out "")
if(EXISTS ${CASE_DIR}/expected.out)
  file(READ ${CASE_DIR}/expected.out exp_out)
endif()
set(exp_err "")
if(EXISTS ${CASE_DIR}/expected.err)
  file(READ ${CASE_DIR}/expected.err exp_err)
endif()
string(REPLACE "@LMCHOOSE_VERSION@" "${VERSION}" exp_out "${exp_out}")
string(REPLACE "@LMCHOOSE_CATALOG_DATE@" "${CATALOG_DATE}" exp_out "${exp_out}")
string(REPLACE "@LMCHOOSE_VERSION@" "${VERSION}" exp_err "${exp_err}")

if(DEFINED ENV{LM_BLESS} AND DEFINED ENV{CI})
  message(FATAL_ERROR "LM_BLESS is refused when CI is set: CI compares the golden "
                      "files, it never rewrites them (case ${CASE_DIR})")
endif()
if("$ENV{LM_BLESS}" STREQUAL "1")
  string(REPLACE "${VERSION}" "@LMCHOOSE_VERSION@" bout "${out}")
  string(REPLACE "catalog ${CATALOG_DATE}" "catalog @LMCHOOSE_CATALOG_DATE@" bout "${bout}")
  string(REPLACE "${VERSION}" "@LMCHOOSE_VERSION@" berr "${err}")
  file(WRITE ${CASE_DIR}/expected.out "${bout}")
  if(NOT "${err}" STREQUAL "")
    file(WRITE ${CASE_DIR}/expected.err "${berr}")
  elseif(EXISTS ${CASE_DIR}/expected.err)
    file(REMOVE ${CASE_DIR}/expected.err)
  endif()
  if(NOT "${rc}" STREQUAL "0")
    file(WRITE ${CASE_DIR}/expected.rc "${rc}\n")
  elseif(EXISTS ${CASE_DIR}/expected.rc)
    file(REMOVE ${CASE_DIR}/expected.rc)
  endif()
  return()
endif()

set(failed FALSE)
if(NOT "${rc}" STREQUAL "${exp_rc}")
  message("exit code: expected ${exp_rc}, got ${rc}")
  set(failed TRUE)
endif()
if(NOT "${out}" STREQUAL "${exp_out}")
  message("stdout differs.\n--- expected\n${exp_out}\n--- actual\n${out}")
  set(failed TRUE)
endif()
if(NOT "${err}" STREQUAL "${exp_err}")
  message("stderr differs.\n--- expected\n${exp_err}\n--- actual\n${err}")
  set(failed TRUE)
endif()
if(failed)
  message(FATAL_ERROR "case ${CASE_DIR} failed")
endif()

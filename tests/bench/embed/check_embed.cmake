# Checks src/cmake/embed_profiles.cmake's comment stripping on the files of
# input/ (quoted '#', apostrophes in plain scalars, flow collections, a
# multi-line quoted scalar, a block scalar, CRLF line ends, a NUL byte): each
# embedded file must be byte for byte expected/NAME (issue 13).
#
#   cmake -DSOURCE_DIR=<repo> -DWORK_DIR=<scratch dir> -P check_embed.cmake
#
# expected/ was written by hand from input/: comment-only lines emptied,
# trailing comments cut; everything from an unclosed quote or a block scalar
# header on, and the CRLF and NUL files, unchanged. PyYAML loads each expected
# file to the same value as its input.
cmake_minimum_required(VERSION 3.21)
set(here ${SOURCE_DIR}/tests/bench/embed)
file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR}/stripped)
execute_process(
  COMMAND ${CMAKE_COMMAND} -DPROFILES_DIR=${here}/input -DOUTPUT=${WORK_DIR}/builtin.c
          -DSTRIPPED_DIR=${WORK_DIR}/stripped -P ${SOURCE_DIR}/src/cmake/embed_profiles.cmake
  RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "embed_profiles.cmake failed (${rc})")
endif()
file(GLOB inputs RELATIVE ${here}/input ${here}/input/*.yaml)
set(failed "")
foreach(f IN LISTS inputs)
  file(READ ${WORK_DIR}/stripped/${f}.hex got)
  file(READ ${here}/expected/${f} want HEX)
  if(NOT got STREQUAL want)
    list(APPEND failed ${f})
  endif()
endforeach()
if(failed)
  message(FATAL_ERROR "embedded text differs from tests/bench/embed/expected/ for: ${failed}")
endif()
list(LENGTH inputs n)
message(STATUS "${n} files embedded as expected")

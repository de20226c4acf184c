# Warning flags, each checked with check_c_compiler_flag so that gcc and clang
# both accept the list (libuv, libssh and cJSON do the same). LM_WERROR turns
# them into errors; CI sets it.
include(CheckCCompilerFlag)

set(LM_WARNING_CANDIDATES
  -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes -Wmissing-prototypes
  -Wold-style-definition -Wwrite-strings -Wformat=2 -Wcast-qual -Wundef
  -Wswitch-enum -Wdouble-promotion -Wimplicit-fallthrough -Wvla
  -Wmissing-variable-declarations -Wcomma -fno-common)

set(LM_WARNING_FLAGS "")
foreach(flag IN LISTS LM_WARNING_CANDIDATES)
  string(MAKE_C_IDENTIFIER "LM_HAS${flag}" var)
  check_c_compiler_flag(${flag} ${var})
  if(${var})
    list(APPEND LM_WARNING_FLAGS ${flag})
  endif()
endforeach()
if(LM_WERROR)
  list(APPEND LM_WARNING_FLAGS -Werror)
endif()

# Determinism: no fused multiply-add, so that x86 and ARM print the same
# numbers (DESIGN §7).
list(APPEND LM_WARNING_FLAGS -ffp-contract=off)

if(LM_FUZZ)
  # The library is instrumented for coverage; the harnesses link libFuzzer.
  set(LM_SANITIZE_FLAGS -fsanitize=fuzzer-no-link,address,undefined
      -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
elseif(LM_SANITIZE)
  set(LM_SANITIZE_FLAGS -fsanitize=address,undefined -fno-sanitize-recover=undefined
      -fno-omit-frame-pointer)
else()
  set(LM_SANITIZE_FLAGS "")
endif()

# SPDX-License-Identifier: Apache-2.0
# oom_check.cmake -- the command of every oom_<module> CTest (`ctest -L oom`):
#   cmake -DAZK_OOM_BIN=<test binary> -P oom_check.cmake   (AZK_OOM=1 in the environment)
# Runs the module's unit tests in OOM mode and passes only when they pass AND
# each OOM test reported failing every allocation in turn ("oom NAME: step 1,
# ..., completed", printed by azk_oom_report in tests/unit/azk_oom.h). An OOM
# run that samples like the plain unit run, or runs no OOM test, fails.
if(NOT AZK_OOM_BIN)
  message(FATAL_ERROR "oom_check: -DAZK_OOM_BIN=<binary> missing")
endif()
execute_process(COMMAND ${AZK_OOM_BIN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
message("${out}${err}")
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "oom_check: ${AZK_OOM_BIN} exited with ${rc}")
endif()
string(REGEX MATCHALL "oom [a-z_]+: step [0-9]+, [0-9]+ runs, [0-9]+ failed with NOMEM, [a-z ]+"
  reports "${out}")
list(LENGTH reports n)
if(n EQUAL 0)
  message(FATAL_ERROR "oom_check: no OOM test reported (expected a line 'oom NAME: step 1, ...')")
endif()
foreach(r ${reports})
  if(NOT r MATCHES ": step 1, " OR NOT r MATCHES "completed$" OR r MATCHES " 0 failed")
    message(FATAL_ERROR "oom_check: not every allocation was failed in turn: ${r}")
  endif()
endforeach()
message("oom_check: ${n} OOM test(s) failed every allocation in turn")

# Runs one Criterion test program under valgrind memcheck and fails on any
# memcheck error or leak in any of its processes. Criterion runs each test
# in a child process and ignores how that child exits, so valgrind's
# --error-exitcode is not enough: every process's log is read instead.
#
#   cmake -DVALGRIND=<valgrind> -DPROGRAM=<test program> -DLOGDIR=<dir>
#         -P memcheck.cmake
foreach(var VALGRIND PROGRAM LOGDIR)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "memcheck.cmake: ${var} is not set")
  endif()
endforeach()

file(REMOVE_RECURSE "${LOGDIR}")
file(MAKE_DIRECTORY "${LOGDIR}")
execute_process(
  COMMAND "${VALGRIND}" --error-exitcode=1 --leak-check=full
          --trace-children=yes "--log-file=${LOGDIR}/vg.%p.log" "${PROGRAM}"
  RESULT_VARIABLE rc)

file(GLOB logs "${LOGDIR}/vg.*.log")
list(LENGTH logs count)
set(bad 0)
foreach(log IN LISTS logs)
  file(STRINGS "${log}" summary REGEX "ERROR SUMMARY: [1-9]")
  if(summary)
    file(READ "${log}" text)
    message("${text}")
    math(EXPR bad "${bad} + 1")
  endif()
endforeach()

if(count EQUAL 0)
  message(FATAL_ERROR "memcheck: valgrind wrote no log")
endif()
if(NOT bad EQUAL 0)
  message(FATAL_ERROR "memcheck: ${bad} of ${count} processes had errors")
endif()
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "memcheck: ${PROGRAM} exited with ${rc}")
endif()
message("memcheck: ${count} processes, 0 errors")

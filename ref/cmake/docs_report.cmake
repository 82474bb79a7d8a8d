# Prints the outcome of the docs target: the warnings doxygen logged (each
# fails the target already, through WARN_AS_ERROR) and where the HTML is.
#   cmake -DLOG=warnings.log -DHTML=DIR -P docs_report.cmake
file(READ "${LOG}" text)
string(REGEX MATCHALL "[^\n]+" lines "${text}")
list(LENGTH lines count)
message("docs: ${count} warnings; HTML reference in ${HTML}/index.html")
if(count GREATER 0)
  message(FATAL_ERROR "${text}")
endif()

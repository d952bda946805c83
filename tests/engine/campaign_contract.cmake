# `nocturne-engine campaign` keeps its output contract (issue #18): six synthesized faults on shop, one per --report
# line, "with_incident=… recall=…" on a line before the last, and as the last line
#   campaign: faults=N incidents=I purity=0.xxx fragmentation=x.xx top1=0.xxx top3=0.xxx median_ms=x.x
# Scores are not asserted here (the campaign measures them). Invoked by ctest with -DENGINE=<path to nocturne-engine>.
execute_process(COMMAND ${ENGINE} campaign --scenario shop --faults 6 --seed 3 --history 1h --report
                OUTPUT_VARIABLE output ERROR_VARIABLE errors RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
    message(FATAL_ERROR "campaign failed (${rc}): ${errors}\n${output}")
endif()
string(STRIP "${output}" output)
string(REGEX MATCH "[^\n]*$" last "${output}")
set(number "[0-9]+\\.[0-9]")
if(NOT last MATCHES "^campaign: faults=6 incidents=[0-9]+ purity=${number}[0-9][0-9] fragmentation=${number}[0-9] top1=${number}[0-9][0-9] top3=${number}[0-9][0-9] median_ms=${number}$")
    message(FATAL_ERROR "last line breaks the contract: '${last}'\n${output}")
endif()
if(NOT output MATCHES "with_incident=[0-9]+ recall=${number}")
    message(FATAL_ERROR "no with_incident=/recall= line:\n${output}")
endif()
string(REGEX MATCHALL "(^|\n)fault c00[1-6]-[a-z_]+ +class=" faults "${output}")
list(LENGTH faults count)
if(NOT count EQUAL 6)
    message(FATAL_ERROR "expected 6 --report lines, found ${count}:\n${output}")
endif()
message(STATUS "${last}")

#include "records.h"

#include <cctype>

namespace Nocturne::Engine {

const char *logLevelName(LogLevel level)
{
    switch (level) {
    case LogLevel::Trace: return "TRACE";
    case LogLevel::Debug: return "DEBUG";
    case LogLevel::Info: return "INFO";
    case LogLevel::Warn: return "WARN";
    case LogLevel::Error: return "ERROR";
    case LogLevel::Fatal: return "FATAL";
    }
    return "INFO";
}

LogLevel parseLogLevel(const std::string &text)
{
    // Case-insensitive, with the usual spellings (syslog, log4j, Go, Python, OTLP severity text).
    std::string upper(text);
    for (char &c : upper)
        c = char(std::toupper(static_cast<unsigned char>(c)));
    // Single letters are logcat's (V D I W E F A).
    if (upper == "TRACE" || upper == "FINEST" || upper == "VERBOSE" || upper == "V")
        return LogLevel::Trace;
    if (upper == "DEBUG" || upper == "FINE" || upper == "FINER" || upper == "DBG" || upper == "D")
        return LogLevel::Debug;
    if (upper == "WARN" || upper == "WARNING" || upper == "W")
        return LogLevel::Warn;
    if (upper == "ERROR" || upper == "ERR" || upper == "SEVERE" || upper == "FAILURE" || upper == "E")
        return LogLevel::Error;
    if (upper == "FATAL" || upper == "CRITICAL" || upper == "CRIT" || upper == "PANIC" || upper == "EMERG" || upper == "EMERGENCY"
        || upper == "ALERT" || upper == "F" || upper == "A")
        return LogLevel::Fatal;
    return LogLevel::Info;
}

} // namespace Nocturne::Engine

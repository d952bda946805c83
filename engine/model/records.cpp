#include "records.h"

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
    if (text == "TRACE")
        return LogLevel::Trace;
    if (text == "DEBUG")
        return LogLevel::Debug;
    if (text == "WARN" || text == "WARNING")
        return LogLevel::Warn;
    if (text == "ERROR")
        return LogLevel::Error;
    if (text == "FATAL" || text == "CRITICAL")
        return LogLevel::Fatal;
    return LogLevel::Info;
}

} // namespace Nocturne::Engine

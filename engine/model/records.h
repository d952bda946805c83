#pragma once

#include <cstdint>
#include <string>

#include "core/clock.h"

namespace Nocturne::Engine {

enum class LogLevel : std::uint8_t { Trace, Debug, Info, Warn, Error, Fatal };
const char *logLevelName(LogLevel level);
LogLevel parseLogLevel(const std::string &text); // unknown text → Info

struct LogRecord {
    Timestamp ts = 0;
    std::string source; // entity or feed the line came from
    LogLevel level = LogLevel::Info;
    std::string message;
    std::uint32_t templateId = UINT32_MAX; // set by the engine's log analyzer (per source); UINT32_MAX: not mined
};

struct SpanRecord {
    std::uint64_t traceId = 0;
    std::uint64_t spanId = 0;
    std::uint64_t parentSpanId = 0; // 0: root span
    std::string service;
    std::string operation;
    std::string peer; // callee entity for client spans to caches, databases and queues
    Timestamp start = 0;
    Duration duration = 0;
    bool error = false;
    std::uint8_t kind = 0; // OTLP SpanKind: 0 unspecified, 1 internal, 2 server, 3 client, 4 producer, 5 consumer
};

// A discrete record for the event store: deploys, alerts, notes, later audit entries.
struct EventRecord {
    std::int64_t id = 0; // assigned by the event store
    Timestamp ts = 0;
    std::string kind;     // "deploy", "alert", "note", …
    std::string entity;
    std::string severity; // "info", "warning", "critical"
    std::string title;
    std::string attributes; // JSON object text
    std::string source;     // "scenario:shop", "alertmanager", …
};

} // namespace Nocturne::Engine

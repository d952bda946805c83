#include "result.h"

namespace Nocturne::Engine {

const char *errorCodeName(ErrorCode code)
{
    switch (code) {
    case ErrorCode::InvalidArgument: return "invalid-argument";
    case ErrorCode::ParseError: return "parse-error";
    case ErrorCode::NotFound: return "not-found";
    case ErrorCode::IoError: return "io-error";
    case ErrorCode::DatabaseError: return "database-error";
    case ErrorCode::SchemaError: return "schema-error";
    case ErrorCode::Unsupported: return "unsupported";
    case ErrorCode::OutOfOrder: return "out-of-order";
    case ErrorCode::LimitExceeded: return "limit-exceeded";
    case ErrorCode::Cancelled: return "cancelled";
    case ErrorCode::Internal: return "internal";
    }
    return "unknown";
}

std::string Error::toString() const
{
    std::string out;
    if (!context.empty()) {
        out += context;
        out += ": ";
    }
    out += message;
    out += " [";
    out += errorCodeName(code);
    out += ']';
    return out;
}

} // namespace Nocturne::Engine

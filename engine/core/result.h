#pragma once

#include <tl/expected.hpp>

#include <cstdint>
#include <string>
#include <utility>

namespace Nocturne::Engine {

// What went wrong, in a form code can branch on (code), a person can read (message) and a log can locate
// (context: the source and position, e.g. "shop.yaml:12:3" or "kafka otlp_metrics[3]@1234").
enum class ErrorCode {
    InvalidArgument,
    ParseError,
    NotFound,
    IoError,
    DatabaseError,
    SchemaError,
    Unsupported,
    OutOfOrder,
    LimitExceeded,
    Cancelled,
    Internal,
};

const char *errorCodeName(ErrorCode code);

struct Error {
    ErrorCode code = ErrorCode::Internal;
    std::string message;
    std::string context;

    // "context: message" for logs and status bars; never includes secrets because callers never put them there.
    std::string toString() const;
};

template<typename T>
using Result = tl::expected<T, Error>;

// Result<void> reads better at call sites as Status.
using Status = tl::expected<void, Error>;

inline tl::unexpected<Error> makeError(ErrorCode code, std::string message, std::string context = {})
{
    return tl::unexpected<Error>(Error{code, std::move(message), std::move(context)});
}

} // namespace Nocturne::Engine

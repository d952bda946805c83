#include "diagnosis_codec.h"

#include <QByteArray>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonParseError>
#include <QJsonValue>
#include <QString>
#include <cmath>
#include <exception>
#include <limits>
#include <optional>

namespace Nocturne::Engine {

namespace {

constexpr int kFormatVersion = 1;

QString key(const char *name) {
    return QString::fromLatin1(name);
}

QJsonValue number(double value) {
    if (std::isnan(value))
        return QJsonValue(QJsonValue::Null);
    if (std::isinf(value))
        return QJsonValue(value > 0 ? QStringLiteral("Infinity") : QStringLiteral("-Infinity"));
    return QJsonValue(value);
}

QJsonValue text(const std::string &value) {
    return QJsonValue(QString::fromStdString(value));
}

QJsonArray texts(const std::vector<std::string> &values) {
    QJsonArray out;
    for (const std::string &v : values)
        out.append(text(v));
    return out;
}

QJsonObject encodeEvidence(const RcaEvidence &e) {
    QJsonObject o;
    o.insert(key("metric"), text(e.metric));
    o.insert(key("kind"), text(e.kind));
    o.insert(key("score"), number(e.score));
    o.insert(key("direction"), number(e.direction));
    o.insert(key("onset"), QJsonValue(qint64(e.onset)));
    o.insert(key("value"), number(e.value));
    o.insert(key("reference"), number(e.reference));
    o.insert(key("text"), text(e.text));
    o.insert(key("correlation"), number(e.correlation));
    o.insert(key("lagSeconds"), number(e.lagSeconds));
    return o;
}

QJsonObject encodeCandidate(const RcaCandidate &c) {
    QJsonObject o;
    o.insert(key("entity"), text(c.entity));
    o.insert(key("faultClass"), text(c.faultClass));
    o.insert(key("score"), number(c.score));
    o.insert(key("confidence"), number(c.confidence));
    o.insert(key("tier"), QJsonValue(c.tier));
    QJsonArray evidence;
    for (const RcaEvidence &e : c.evidence)
        evidence.append(encodeEvidence(e));
    o.insert(key("evidence"), evidence);
    o.insert(key("disproof"), text(c.disproof));
    o.insert(key("propagationPath"), texts(c.propagationPath));
    o.insert(key("blastRadius"), texts(c.blastRadius));
    o.insert(key("requestShare"), number(c.requestShare));
    o.insert(key("pattern"), text(c.pattern));
    o.insert(key("action"), text(c.action));
    o.insert(key("feedbackWeight"), number(c.feedbackWeight));
    o.insert(key("walkScore"), number(c.walkScore));
    return o;
}

const char *typeName(const QJsonValue &v) {
    switch (v.type()) {
    case QJsonValue::Null:
        return "null";
    case QJsonValue::Bool:
        return "a boolean";
    case QJsonValue::Double:
        return "a number";
    case QJsonValue::String:
        return "a string";
    case QJsonValue::Array:
        return "an array";
    case QJsonValue::Object:
        return "an object";
    case QJsonValue::Undefined:
        return "nothing";
    }
    return "something else";
}

// Reads the fields of one JSON object into a struct, remembering the first problem with the field's path. Missing
// keys keep the struct's defaults (rows written before a field existed).
class Reader {
public:
    Reader(const QJsonObject &object, std::string path, std::optional<Error> &error)
        : m_object(object)
        , m_path(std::move(path))
        , m_error(error) {}

    bool ok() const { return !m_error.has_value(); }

    void fail(const std::string &field, ErrorCode code, const std::string &what) {
        if (!m_error)
            m_error = Error{code, m_path + field + ": " + what, "diagnosis JSON"};
    }

    std::optional<QJsonValue> value(const char *field) {
        if (!ok())
            return std::nullopt;
        const auto it = m_object.constFind(key(field));
        if (it == m_object.constEnd())
            return std::nullopt;
        return it.value();
    }

    void string(const char *field, std::string &out, bool required = false) {
        const auto v = value(field);
        if (!v) {
            if (required && ok())
                fail(field, ErrorCode::ParseError, "missing (expected a string)");
            return;
        }
        if (!v->isString())
            return fail(field, ErrorCode::ParseError, std::string("expected a string, got ") + typeName(*v));
        out = v->toString().toStdString();
    }

    void real(const char *field, double &out) {
        const auto v = value(field);
        if (!v)
            return;
        if (v->isNull()) {
            out = std::numeric_limits<double>::quiet_NaN();
        } else if (v->isDouble()) {
            out = v->toDouble();
        } else if (v->isString() && v->toString() == QLatin1String("Infinity")) {
            out = std::numeric_limits<double>::infinity();
        } else if (v->isString() && v->toString() == QLatin1String("-Infinity")) {
            out = -std::numeric_limits<double>::infinity();
        } else {
            fail(field, ErrorCode::ParseError, std::string("expected a number or null, got ") + typeName(*v));
        }
    }

    void integer(const char *field, std::int64_t &out, std::int64_t min, std::int64_t max) {
        const auto v = value(field);
        if (!v)
            return;
        if (!v->isDouble())
            return fail(field, ErrorCode::ParseError, std::string("expected an integer, got ") + typeName(*v));
        // toInteger answers the fallback for non-integral doubles and for integers outside qint64: try two fallbacks
        // so that a stored value equal to either still reads back.
        const qint64 a = v->toInteger(std::numeric_limits<qint64>::min());
        const qint64 b = v->toInteger(std::numeric_limits<qint64>::max());
        if (a != b)
            return fail(field, ErrorCode::ParseError, "expected an integer, got " + std::to_string(v->toDouble()));
        if (a < min || a > max)
            return fail(field, ErrorCode::ParseError, "integer " + std::to_string(a) + " out of range");
        out = a;
    }

    // Calls `each(element, path)` for every element of an array field (an absent field is an empty array).
    template<typename Each> void array(const char *field, std::size_t limit, Each each) {
        const auto v = value(field);
        if (!v)
            return;
        if (!v->isArray())
            return fail(field, ErrorCode::ParseError, std::string("expected an array, got ") + typeName(*v));
        const QJsonArray items = v->toArray();
        if (std::size_t(items.size()) > limit)
            return fail(field, ErrorCode::LimitExceeded,
                        std::to_string(items.size()) + " entries, at most " + std::to_string(limit) + " allowed");
        for (qsizetype i = 0; i < items.size() && ok(); ++i)
            each(items.at(i), m_path + field + '[' + std::to_string(i) + ']');
    }

    void strings(const char *field, std::vector<std::string> &out) {
        // Bounded by the input size only: the whole document is at most kMaxDiagnosisJsonBytes.
        array(field, std::numeric_limits<std::size_t>::max(), [&](const QJsonValue &item, const std::string &path) {
            if (!item.isString()) {
                if (!m_error)
                    m_error = Error{ErrorCode::ParseError, path + ": expected a string, got " + typeName(item),
                                    "diagnosis JSON"};
                return;
            }
            out.push_back(item.toString().toStdString());
        });
    }

    std::optional<Error> &error() { return m_error; }

private:
    QJsonObject m_object;
    std::string m_path; // "candidates[3]." – prefix of every field named in an error
    std::optional<Error> &m_error;
};

std::optional<QJsonObject> asObject(const QJsonValue &item, const std::string &path, std::optional<Error> &error) {
    if (item.isObject())
        return item.toObject();
    if (!error)
        error = Error{ErrorCode::ParseError, path + ": expected an object, got " + typeName(item), "diagnosis JSON"};
    return std::nullopt;
}

RcaEvidence decodeEvidence(const QJsonObject &object, const std::string &path, std::optional<Error> &error) {
    RcaEvidence e;
    Reader r(object, path + '.', error);
    r.string("metric", e.metric);
    r.string("kind", e.kind);
    r.real("score", e.score);
    r.real("direction", e.direction);
    std::int64_t onset = e.onset;
    r.integer("onset", onset, std::numeric_limits<std::int64_t>::min(), std::numeric_limits<std::int64_t>::max());
    e.onset = onset;
    r.real("value", e.value);
    r.real("reference", e.reference);
    r.string("text", e.text);
    r.real("correlation", e.correlation);
    r.real("lagSeconds", e.lagSeconds);
    return e;
}

RcaCandidate decodeCandidate(const QJsonObject &object, const std::string &path, std::optional<Error> &error) {
    RcaCandidate c;
    Reader r(object, path + '.', error);
    r.string("entity", c.entity, true);
    r.string("faultClass", c.faultClass);
    r.real("score", c.score);
    r.real("confidence", c.confidence);
    std::int64_t tier = c.tier;
    r.integer("tier", tier, std::numeric_limits<int>::min(), std::numeric_limits<int>::max());
    c.tier = int(tier);
    r.array("evidence", kMaxDiagnosisEvidence, [&](const QJsonValue &item, const std::string &itemPath) {
        if (const auto o = asObject(item, itemPath, error))
            c.evidence.push_back(decodeEvidence(*o, itemPath, error));
    });
    r.string("disproof", c.disproof);
    r.strings("propagationPath", c.propagationPath);
    r.strings("blastRadius", c.blastRadius);
    r.real("requestShare", c.requestShare);
    r.string("pattern", c.pattern);
    r.string("action", c.action);
    r.real("feedbackWeight", c.feedbackWeight);
    r.real("walkScore", c.walkScore);
    return c;
}

Result<std::vector<RcaCandidate>> decode(std::string_view json) {
    if (json.size() > kMaxDiagnosisJsonBytes)
        return makeError(ErrorCode::LimitExceeded,
                         "diagnosis of " + std::to_string(json.size()) + " bytes, at most " +
                             std::to_string(kMaxDiagnosisJsonBytes) + " allowed",
                         "diagnosis JSON");
    QJsonParseError parseError;
    const QJsonDocument document =
        QJsonDocument::fromJson(QByteArray::fromRawData(json.data(), qsizetype(json.size())), &parseError);
    if (parseError.error != QJsonParseError::NoError)
        return makeError(ErrorCode::ParseError,
                         "malformed JSON at byte " + std::to_string(parseError.offset) + ": " +
                             parseError.errorString().toStdString(),
                         "diagnosis JSON");
    if (!document.isObject())
        return makeError(ErrorCode::ParseError, "expected an object with \"version\" and \"candidates\"",
                         "diagnosis JSON");
    std::optional<Error> error;
    Reader top(document.object(), {}, error);
    if (!top.value("version"))
        return makeError(ErrorCode::ParseError, "version: missing (expected an integer)", "diagnosis JSON");
    std::int64_t version = 0;
    top.integer("version", version, 0, std::numeric_limits<int>::max());
    if (error)
        return tl::unexpected(*error);
    if (version != kFormatVersion)
        return makeError(version > kFormatVersion ? ErrorCode::Unsupported : ErrorCode::ParseError,
                         "version: " + std::to_string(version) + " (this build reads version " +
                             std::to_string(kFormatVersion) + ")",
                         "diagnosis JSON");
    if (!top.value("candidates"))
        return makeError(ErrorCode::ParseError, "candidates: missing (expected an array)", "diagnosis JSON");
    std::vector<RcaCandidate> out;
    top.array("candidates", kMaxDiagnosisCandidates, [&](const QJsonValue &item, const std::string &path) {
        if (const auto o = asObject(item, path, error))
            out.push_back(decodeCandidate(*o, path, error));
    });
    if (error)
        return tl::unexpected(*error);
    return out;
}

} // namespace

std::string encodeDiagnosis(const std::vector<RcaCandidate> &candidates) {
    QJsonArray list;
    for (const RcaCandidate &c : candidates)
        list.append(encodeCandidate(c));
    QJsonObject root;
    root.insert(key("version"), kFormatVersion);
    root.insert(key("candidates"), list);
    return QJsonDocument(root).toJson(QJsonDocument::Compact).toStdString();
}

Result<std::vector<RcaCandidate>> decodeDiagnosis(std::string_view json) noexcept {
    // Stored rows are input: allocation failures and anything unexpected become an Error, never an exception.
    try {
        return decode(json);
    } catch (const std::exception &e) {
        return makeError(ErrorCode::Internal, std::string("cannot decode the diagnosis: ") + e.what(),
                         "diagnosis JSON");
    } catch (...) {
        return makeError(ErrorCode::Internal, "cannot decode the diagnosis", "diagnosis JSON");
    }
}

} // namespace Nocturne::Engine

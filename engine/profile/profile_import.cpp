#include "profile_import.h"

#include <algorithm>
#include <cstring>
#include <fstream>

#include <zlib.h>

#include "profile/profile_import_detail.h"

#include "core/text.h"

namespace Nocturne::Engine {

namespace ProfileImportDetail {

std::string_view trim(std::string_view s)
{
    return trimBlanks(s);
}

std::string_view baseName(std::string_view path)
{
    const auto slash = path.find_last_of('/');
    return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

tl::unexpected<Error> cancelled(std::string_view source)
{
    return makeError(ErrorCode::Cancelled, "import cancelled", std::string(source));
}

Profile newProfile(std::string_view source, const char *format, std::string unit)
{
    Profile p;
    p.name = std::string(baseName(source));
    p.format = format;
    p.trees.emplace_back();
    p.trees.back().unit = unit;
    p.sampleTypes.push_back({"samples", unit == "samples" ? "count" : unit});
    return p;
}

} // namespace ProfileImportDetail

using namespace ProfileImportDetail;

namespace {

bool isGzip(std::string_view b)
{
    return b.size() >= 2 && static_cast<unsigned char>(b[0]) == 0x1f && static_cast<unsigned char>(b[1]) == 0x8b;
}

Result<std::string> gunzip(std::string_view in, std::string_view source, const ProfileImportOptions &options)
{
    z_stream zs{};
    if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK)
        return makeError(ErrorCode::Internal, "zlib init failed", std::string(source));
    std::string out;
    out.reserve(std::min<std::size_t>(in.size() * 4, options.maxInflatedBytes));
    zs.next_in = reinterpret_cast<Bytef *>(const_cast<char *>(in.data()));
    zs.avail_in = uInt(in.size());
    char buffer[1 << 16];
    int rc = Z_OK;
    std::size_t nextProgress = kProgressStep;
    while (rc != Z_STREAM_END) {
        zs.next_out = reinterpret_cast<Bytef *>(buffer);
        zs.avail_out = sizeof buffer;
        rc = inflate(&zs, Z_NO_FLUSH);
        if (rc != Z_OK && rc != Z_STREAM_END) {
            const std::size_t at = zs.total_in;
            inflateEnd(&zs);
            return makeError(ErrorCode::ParseError, rc == Z_BUF_ERROR ? "truncated gzip data" : "corrupt gzip data",
                             std::string(source) + " @byte " + std::to_string(at));
        }
        out.append(buffer, sizeof buffer - zs.avail_out);
        if (out.size() > options.maxInflatedBytes) {
            inflateEnd(&zs);
            return makeError(ErrorCode::LimitExceeded, "inflated size exceeds the limit", std::string(source));
        }
        if (options.progress && zs.total_in >= nextProgress) {
            nextProgress += kProgressStep;
            if (!options.progress(0.5 * double(zs.total_in) / double(in.size()))) {
                inflateEnd(&zs);
                return makeError(ErrorCode::Cancelled, "import cancelled", std::string(source));
            }
        }
        if (rc != Z_STREAM_END && zs.avail_in == 0 && zs.avail_out != 0) {
            inflateEnd(&zs);
            return makeError(ErrorCode::ParseError, "truncated gzip data", std::string(source) + " @byte " + std::to_string(in.size()));
        }
    }
    inflateEnd(&zs);
    return out;
}

std::string detectText(std::string_view head)
{
    // JSON flavours by their keys near the start.
    std::size_t i = 0;
    while (i < head.size() && (head[i] == ' ' || head[i] == '\n' || head[i] == '\r' || head[i] == '\t'))
        ++i;
    if (i < head.size() && (head[i] == '{' || head[i] == '[')) {
        if (head.find("\"traceEvents\"") != std::string_view::npos || head[i] == '[')
            return "chrome-trace";
        if (head.find("speedscope.app/file-format-schema") != std::string_view::npos
            || (head.find("\"shared\"") != std::string_view::npos && head.find("\"profiles\"") != std::string_view::npos))
            return "speedscope";
        if (head.find("\"nodes\"") != std::string_view::npos && head.find("\"traceEvents\"") == std::string_view::npos)
            return "cpuprofile";
        return "chrome-trace";
    }
    // perf script: a header line ending in "event:" followed by tab-indented frames.
    std::size_t pos = 0;
    int lines = 0;
    bool sawTabFrame = false, sawBacktick = false, sawFolded = false;
    while (pos < head.size() && lines < 200) {
        const auto nl = head.find('\n', pos);
        const std::string_view line = head.substr(pos, nl == std::string_view::npos ? head.size() - pos : nl - pos);
        pos = nl == std::string_view::npos ? head.size() : nl + 1;
        ++lines;
        if (line.empty() || line.front() == '#')
            continue;
        if (line.front() == '\t' && line.find(" (") != std::string_view::npos)
            sawTabFrame = true;
        if (line.find('`') != std::string_view::npos)
            sawBacktick = true;
        const auto sp = line.find_last_of(' ');
        if (line.front() != ' ' && line.front() != '\t' && sp != std::string_view::npos && sp + 1 < line.size()
            && std::all_of(line.begin() + std::ptrdiff_t(sp) + 1, line.end(), [](char c) { return (c >= '0' && c <= '9') || c == '.' || c == '\r'; }))
            sawFolded = true;
    }
    if (sawTabFrame)
        return "perf-script";
    if (sawBacktick)
        return "dtrace";
    if (sawFolded)
        return "folded";
    return {};
}

} // namespace

std::string detectProfileFormat(std::string_view bytes)
{
    if (isGzip(bytes)) {
        // Look at the first inflated kilobytes only.
        z_stream zs{};
        if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK)
            return {};
        std::string head(65536, '\0');
        zs.next_in = reinterpret_cast<Bytef *>(const_cast<char *>(bytes.data()));
        zs.avail_in = uInt(bytes.size());
        zs.next_out = reinterpret_cast<Bytef *>(head.data());
        zs.avail_out = uInt(head.size());
        inflate(&zs, Z_SYNC_FLUSH);
        head.resize(head.size() - zs.avail_out);
        inflateEnd(&zs);
        return detectProfileFormat(head);
    }
    // Binary (control bytes other than whitespace near the start): pprof is the only binary format.
    const std::string_view start = bytes.substr(0, 512);
    const auto binary = std::count_if(start.begin(), start.end(), [](char c) {
        const auto u = static_cast<unsigned char>(c);
        return u < 0x20 && u != '\n' && u != '\r' && u != '\t';
    });
    if (binary > 0)
        return "pprof";
    return detectText(bytes.substr(0, 65536));
}

Result<Profile> importProfile(std::string_view bytes, std::string_view sourceName, const ProfileImportOptions &options)
{
    std::string inflated;
    std::string_view data = bytes;
    if (isGzip(bytes)) {
        auto out = gunzip(bytes, sourceName, options);
        if (!out)
            return tl::unexpected(out.error());
        inflated = std::move(*out);
        data = inflated;
    }
    const std::string format = options.format.empty() ? detectProfileFormat(data) : options.format;
    Result<Profile> result = makeError(ErrorCode::Unsupported, "unrecognised profile format", std::string(sourceName));
    if (format == "folded")
        result = importFolded(data, sourceName, options);
    else if (format == "perf-script")
        result = importPerfScript(data, sourceName, options);
    else if (format == "dtrace")
        result = importDtrace(data, sourceName, options);
    else if (format == "pprof")
        result = importPprof(data, sourceName, options);
    else if (format == "speedscope" || format == "cpuprofile" || format == "chrome-trace")
        result = importJson(data, sourceName, format, options);
    else if (!format.empty())
        result = makeError(ErrorCode::Unsupported, "unknown profile format '" + format + "'", std::string(sourceName));
    if (result && options.progress)
        options.progress(1.0);
    return result;
}

Result<Profile> importProfileFile(const std::string &path, const ProfileImportOptions &options)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        return makeError(ErrorCode::IoError, "cannot open the file", path);
    in.seekg(0, std::ios::end);
    const auto size = std::streamoff(in.tellg());
    in.seekg(0);
    std::string bytes(std::size_t(std::max<std::streamoff>(0, size)), '\0');
    if (!in.read(bytes.data(), std::streamsize(bytes.size())))
        return makeError(ErrorCode::IoError, "cannot read the file", path);
    return importProfile(bytes, path, options);
}

std::string toFolded(const CallTree &tree)
{
    std::string out;
    std::vector<std::pair<CallNodeId, std::size_t>> stack{{CallTree::root(), 0}}; // node, length of prefix
    std::string prefix;
    while (!stack.empty()) {
        const auto [id, len] = stack.back();
        stack.pop_back();
        prefix.resize(len);
        const auto &n = tree.node(id);
        if (id != CallTree::root()) {
            if (!prefix.empty())
                prefix += ';';
            prefix += tree.frames()[n.frame].name;
            if (n.self > 0) {
                char buf[40];
                std::snprintf(buf, sizeof buf, " %.15g\n", n.self);
                out += prefix;
                out += buf;
            }
        }
        for (CallNodeId c = n.firstChild; c.isValid(); c = tree.node(c).nextSibling)
            stack.push_back({c, prefix.size()});
    }
    return out;
}

} // namespace Nocturne::Engine
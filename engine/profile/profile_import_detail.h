#pragma once

// Shared by the profile importers (profile_import*.cpp); not part of the engine's API.
#include <cstring>
#include <string>
#include <string_view>

#include "profile/profile_import.h"

namespace Nocturne::Engine::ProfileImportDetail {

constexpr std::size_t kProgressStep = std::size_t(4) << 20;

std::string_view trim(std::string_view s);
std::string_view baseName(std::string_view path);
tl::unexpected<Error> cancelled(std::string_view source);
// A profile with one tree of `unit` named after the source.
Profile newProfile(std::string_view source, const char *format, std::string unit = "samples");

// Line-by-line reading with 1-based line numbers, progress and cancel.
class LineReader
{
public:
    LineReader(std::string_view data, const ProfileImportOptions &options)
        : m_data(data)
        , m_options(options)
    {
    }
    bool next(std::string_view &line)
    {
        if (m_pos >= m_data.size())
            return false;
        const char *start = m_data.data() + m_pos;
        const void *nl = std::memchr(start, '\n', m_data.size() - m_pos);
        const std::size_t len = nl ? std::size_t(static_cast<const char *>(nl) - start) : m_data.size() - m_pos;
        line = std::string_view(start, len);
        if (!line.empty() && line.back() == '\r')
            line.remove_suffix(1);
        m_pos += len + 1;
        ++m_line;
        return true;
    }
    std::size_t lineNumber() const { return m_line; }
    // False when the caller asked to cancel.
    bool tick()
    {
        if (!m_options.progress || m_pos < m_nextProgress)
            return true;
        m_nextProgress = m_pos + kProgressStep;
        return m_options.progress(double(std::min(m_pos, m_data.size())) / double(std::max<std::size_t>(1, m_data.size())));
    }

private:
    std::string_view m_data;
    const ProfileImportOptions &m_options;
    std::size_t m_pos = 0;
    std::size_t m_line = 0;
    std::size_t m_nextProgress = kProgressStep;
};

struct Warnings
{
    Profile &profile;
    const ProfileImportOptions &options;
    std::string source;
    void add(std::size_t line, const std::string &what)
    {
        ++profile.skipped;
        if (profile.warnings.size() < options.maxWarnings)
            profile.warnings.push_back(source + ":" + std::to_string(line) + ": " + what);
    }
};


Result<Profile> importFolded(std::string_view data, std::string_view source, const ProfileImportOptions &options);
Result<Profile> importPerfScript(std::string_view data, std::string_view source, const ProfileImportOptions &options);
Result<Profile> importDtrace(std::string_view data, std::string_view source, const ProfileImportOptions &options);
Result<Profile> importPprof(std::string_view bytes, std::string_view source, const ProfileImportOptions &options);
// speedscope, cpuprofile or chrome-trace
Result<Profile> importJson(std::string_view data, std::string_view source, const std::string &format, const ProfileImportOptions &options);

} // namespace Nocturne::Engine::ProfileImportDetail

#include "profile_store.h"

#include <algorithm>
#include <set>

namespace Nocturne::Engine {

std::size_t profileBytes(const Profile &profile)
{
    std::size_t b = sizeof(Profile);
    if (!profile.trees.empty())
        b += profile.trees.front().frames().bytes();
    for (const auto &t : profile.trees)
        b += t.bytes();
    for (const auto &track : profile.timeline)
        b += track.spans.capacity() * sizeof(TimelineSpan);
    return b;
}

ProfileStore::ProfileStore()
    : ProfileStore(Options{})
{
}

ProfileStore::ProfileStore(Options options)
    : m_options(options)
{
}

void ProfileStore::add(StoredProfile profile)
{
    if (!profile.profile || profile.profile->trees.empty())
        return;
    const std::size_t size = profileBytes(*profile.profile);
    std::lock_guard lock(m_mutex);
    std::size_t sameService = 0;
    for (const auto &p : m_profiles)
        sameService += p.service == profile.service;
    // Oldest of the same service first when that service is at its cap, then oldest overall while over bytes.
    if (sameService >= m_options.maxPerService) {
        for (std::size_t i = 0; i < m_profiles.size(); ++i) {
            if (m_profiles[i].service == profile.service) {
                m_totalBytes -= m_bytes[i];
                m_profiles.erase(m_profiles.begin() + std::ptrdiff_t(i));
                m_bytes.erase(m_bytes.begin() + std::ptrdiff_t(i));
                break;
            }
        }
    }
    m_profiles.push_back(std::move(profile));
    m_bytes.push_back(size);
    m_totalBytes += size;
    while (m_totalBytes > m_options.maxBytes && m_profiles.size() > 1) {
        m_totalBytes -= m_bytes.front();
        m_profiles.erase(m_profiles.begin());
        m_bytes.erase(m_bytes.begin());
    }
    ++m_version;
}

std::vector<std::string> ProfileStore::services() const
{
    std::lock_guard lock(m_mutex);
    std::set<std::string> names;
    for (const auto &p : m_profiles)
        names.insert(p.service);
    return {names.begin(), names.end()};
}

bool ProfileStore::has(const std::string &service) const
{
    std::lock_guard lock(m_mutex);
    return std::any_of(m_profiles.begin(), m_profiles.end(), [&](const StoredProfile &p) { return p.service == service; });
}

std::vector<StoredProfile> ProfileStore::list(const std::string &service, Timestamp from, Timestamp to) const
{
    std::lock_guard lock(m_mutex);
    std::vector<StoredProfile> out;
    for (const auto &p : m_profiles) {
        if (p.service == service && p.end >= from && p.start <= to)
            out.push_back(p);
    }
    std::sort(out.begin(), out.end(), [](const StoredProfile &a, const StoredProfile &b) { return a.start < b.start; });
    return out;
}

std::optional<Profile> ProfileStore::merged(const std::string &service, Timestamp from, Timestamp to, const std::string &sampleType) const
{
    const auto parts = list(service, from, to); // merging happens outside the lock
    if (parts.empty())
        return std::nullopt;
    Profile out;
    out.name = service;
    out.service = service;
    out.format = parts.front().profile->format;
    out.trees.emplace_back();
    out.startNs = parts.front().start;
    out.endNs = parts.front().end;
    bool unitSet = false;
    for (const auto &part : parts) {
        const Profile &p = *part.profile;
        std::size_t sel = p.selected;
        if (!sampleType.empty()) {
            for (std::size_t i = 0; i < p.sampleTypes.size(); ++i)
                if (p.sampleTypes[i].type == sampleType)
                    sel = i;
        }
        if (sel >= p.trees.size())
            continue;
        if (!unitSet) {
            out.trees.back().unit = p.trees[sel].unit;
            if (sel < p.sampleTypes.size())
                out.sampleTypes = {p.sampleTypes[sel]};
            unitSet = true;
        }
        out.trees.back().merge(p.trees[sel]);
        out.samples += p.samples;
        out.startNs = std::min(out.startNs, part.start);
        out.endNs = std::max(out.endNs, part.end);
    }
    if (out.sampleTypes.empty())
        out.sampleTypes = {{"samples", "count"}};
    return out;
}

std::size_t ProfileStore::count() const
{
    std::lock_guard lock(m_mutex);
    return m_profiles.size();
}

std::size_t ProfileStore::bytes() const
{
    std::lock_guard lock(m_mutex);
    return m_totalBytes;
}

std::uint64_t ProfileStore::version() const
{
    std::lock_guard lock(m_mutex);
    return m_version;
}

} // namespace Nocturne::Engine

#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "profile/profile.h"

namespace Nocturne::Engine {

// A profile kept with the service it belongs to and the wall-time range it covers.
struct StoredProfile
{
    std::string service;
    Timestamp start = 0;
    Timestamp end = 0;
    std::string source; // URL, file or "scenario"
    std::shared_ptr<const Profile> profile;
};

// Profiles by service over time (live pprof polls, the scenario), bounded by bytes and count per service (oldest
// dropped first). Thread-safe; readers get shared immutable profiles.
class ProfileStore
{
public:
    struct Options
    {
        std::size_t maxBytes = std::size_t(256) << 20;
        std::size_t maxPerService = 720; // 12 h of one-minute profiles
    };
    ProfileStore();
    explicit ProfileStore(Options options);

    void add(StoredProfile profile);
    std::vector<std::string> services() const;
    // Profiles of `service` overlapping [from, to], oldest first.
    std::vector<StoredProfile> list(const std::string &service, Timestamp from, Timestamp to) const;
    // All profiles of `service` overlapping [from, to] merged into one tree (sample type by name; empty: each
    // profile's selected type). nullopt when none overlaps.
    std::optional<Profile> merged(const std::string &service, Timestamp from, Timestamp to, const std::string &sampleType = {}) const;
    bool has(const std::string &service) const;
    std::size_t count() const;
    std::size_t bytes() const;
    std::uint64_t version() const;

private:
    Options m_options;
    mutable std::mutex m_mutex;
    std::vector<StoredProfile> m_profiles; // by insertion (≈ time) order
    std::vector<std::size_t> m_bytes;
    std::size_t m_totalBytes = 0;
    std::uint64_t m_version = 0;
};

std::size_t profileBytes(const Profile &profile);

} // namespace Nocturne::Engine

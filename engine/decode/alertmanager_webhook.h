#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/result.h"

namespace Nocturne::Engine {

struct ReceivedAlert {
    std::string status; // "firing" | "resolved"
    std::map<std::string, std::string> labels;
    std::map<std::string, std::string> annotations;
    Timestamp startsAt = 0;
    Timestamp endsAt = 0; // 0: not set ("0001-01-01T00:00:00Z")
    std::string fingerprint;
    std::string generatorUrl;
};

struct WebhookPayload {
    std::string receiver;
    std::string status;
    std::string groupKey;
    std::vector<ReceivedAlert> alerts;
    int truncatedAlerts = 0;
};

// Decodes Alertmanager's webhook payload, version 4. Errors name the JSON offset or the alert index and field.
Result<WebhookPayload> decodeAlertmanagerWebhook(std::string_view json);

} // namespace Nocturne::Engine

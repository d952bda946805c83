// SONiC STATE_DB transceiver tables (JSON) → TransceiverDom per interface. In the I/O layer: needs simdjson.
#include <simdjson.h>

#include <charconv>

#include "fabric_telemetry.h"

namespace Nocturne::Engine {

namespace {
// SONiC stores numbers as strings; "N/A" (and anything unparsable) is not a value.
double sonicNumber(simdjson::dom::object fields, std::string_view key)
{
    std::string_view s;
    if (fields[key].get_string().get(s) != simdjson::SUCCESS)
        return kNoValue;
    double v = kNoValue;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    return ec == std::errc() ? v : kNoValue;
}

std::string sonicText(simdjson::dom::object fields, std::string_view key)
{
    std::string_view s;
    return fields[key].get_string().get(s) == simdjson::SUCCESS && s != "N/A" ? std::string(s) : std::string();
}
} // namespace

Result<std::map<std::string, TransceiverDom>> parseSonicTransceiverTables(std::string_view json, std::string_view source)
{
    simdjson::dom::parser parser;
    simdjson::dom::element root;
    if (auto e = parser.parse(json.data(), json.size()).get(root); e != simdjson::SUCCESS)
        return makeError(ErrorCode::ParseError, std::string("JSON: ") + simdjson::error_message(e), std::string(source));
    simdjson::dom::object tables;
    if (root.get_object().get(tables) != simdjson::SUCCESS)
        return makeError(ErrorCode::ParseError, "expected an object of \"TABLE|Interface\" keys", std::string(source));
    std::map<std::string, TransceiverDom> out;
    for (auto [key, value] : tables) {
        const auto bar = key.find('|');
        if (bar == std::string_view::npos)
            continue;
        const std::string_view table = key.substr(0, bar);
        const std::string iface(key.substr(bar + 1));
        simdjson::dom::object fields;
        if (value.get_object().get(fields) != simdjson::SUCCESS)
            return makeError(ErrorCode::ParseError, "table entry is not an object", std::string(source) + ": " + std::string(key));
        if (table != "TRANSCEIVER_DOM_SENSOR" && table != "TRANSCEIVER_DOM_THRESHOLD" && table != "TRANSCEIVER_INFO")
            continue;
        TransceiverDom &dom = out[iface];
        dom.interface = iface;
        if (table == "TRANSCEIVER_DOM_SENSOR") {
            dom.temperatureC = sonicNumber(fields, "temperature");
            dom.voltageV = sonicNumber(fields, "voltage");
            for (int lane = 1; lane <= 8; ++lane) {
                const std::string n = std::to_string(lane);
                const double rx = sonicNumber(fields, "rx" + n + "power");
                const double tx = sonicNumber(fields, "tx" + n + "power");
                const double bias = sonicNumber(fields, "tx" + n + "bias");
                if (std::isnan(rx) && std::isnan(tx) && std::isnan(bias))
                    continue;
                if (dom.lanes.size() < std::size_t(lane))
                    dom.lanes.resize(std::size_t(lane));
                dom.lanes[std::size_t(lane - 1)] = TransceiverDom::Lane{bias, tx, rx};
            }
        } else if (table == "TRANSCEIVER_DOM_THRESHOLD") {
            TransceiverThresholds &th = dom.thresholds;
            auto set = [&](double &slot, const char *k) {
                if (const double v = sonicNumber(fields, k); !std::isnan(v))
                    slot = v, dom.hasThresholds = true;
            };
            set(th.rxPowerLowAlarm, "rxpowerlowalarm");
            set(th.rxPowerLowWarning, "rxpowerlowwarning");
            set(th.txPowerLowAlarm, "txpowerlowalarm");
            set(th.txPowerLowWarning, "txpowerlowwarning");
            set(th.tempHighAlarm, "temphighalarm");
            set(th.tempHighWarning, "temphighwarning");
            set(th.biasHighAlarm, "txbiashighalarm");
            set(th.biasLowAlarm, "txbiaslowalarm");
            set(th.vccLowAlarm, "vcclowalarm");
            set(th.vccHighAlarm, "vcchighalarm");
        } else {
            dom.identifier = sonicText(fields, "type");
            dom.vendor = sonicText(fields, "manufacturer");
            dom.part = sonicText(fields, "model");
            dom.serial = sonicText(fields, "serial");
        }
    }
    return out;
}

} // namespace Nocturne::Engine

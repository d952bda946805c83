#include "fabric_telemetry.h"
#include "core/text.h"

#include <charconv>
#include <cstdlib>

#include "decode/prometheus_text.h"

namespace Nocturne::Engine {

namespace {
std::string at(std::string_view source, std::size_t line, std::size_t column = 1)
{
    return std::string(source) + ":" + std::to_string(line) + ":" + std::to_string(column);
}

template<typename F>
Status forEachLine(std::string_view text, F &&f)
{
    std::size_t pos = 0, lineNo = 0;
    while (pos <= text.size()) {
        const auto nl = text.find('\n', pos);
        const std::string_view line = text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
        pos = nl == std::string_view::npos ? text.size() + 1 : nl + 1;
        ++lineNo;
        if (Status s = f(line, lineNo); !s)
            return s;
    }
    return {};
}

bool parseU64(std::string_view s, std::uint64_t &out)
{
    s = trimBlanks(s);
    int base = 10;
    if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
        s.remove_prefix(2), base = 16;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out, base);
    return !s.empty() && ec == std::errc() && end == s.data() + s.size();
}

// The first number in `s` ("6.762 mA", "-inf dBm", "40.01 degrees C"); NaN when there is none.
double leadingNumber(std::string_view s)
{
    s = trimBlanks(s);
    if (s.substr(0, 4) == "-inf")
        return -std::numeric_limits<double>::infinity();
    double v = kNoValue;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    return ec == std::errc() ? v : kNoValue;
}

// "0.5155 mW / -2.88 dBm" → -2.88; a value in mW only is converted.
double dbmOf(std::string_view s)
{
    if (auto slash = s.find('/'); slash != std::string_view::npos)
        return leadingNumber(s.substr(slash + 1));
    const double mw = leadingNumber(s);
    return mw > 0 ? 10.0 * std::log10(mw) : (mw == 0 ? -std::numeric_limits<double>::infinity() : kNoValue);
}

int channelOf(std::string_view label)
{
    const auto c = label.find("(Channel ");
    if (c == std::string_view::npos)
        return 0;
    int n = 0;
    std::from_chars(label.data() + c + 9, label.data() + label.size(), n);
    return n;
}
} // namespace

Result<TransceiverDom> parseEthtoolModule(std::string_view text, std::string_view source)
{
    TransceiverDom dom;
    bool any = false;
    auto lane = [&](int channel) -> TransceiverDom::Lane & {
        const std::size_t i = std::size_t(channel > 0 ? channel - 1 : 0);
        if (dom.lanes.size() <= i)
            dom.lanes.resize(i + 1);
        return dom.lanes[i];
    };
    auto st = forEachLine(text, [&](std::string_view raw, std::size_t lineNo) -> Status {
        const std::string_view line = trimBlanks(raw);
        if (line.empty())
            return {};
        const auto colon = line.find(" : ");
        const auto colon2 = colon == std::string_view::npos ? line.find(':') : colon + 1;
        if (colon2 == std::string_view::npos)
            return makeError(ErrorCode::ParseError, "expected 'Label : value'", at(source, lineNo));
        const std::string_view label = trimBlanks(line.substr(0, colon2));
        const std::string_view value = trimBlanks(line.substr(colon2 + 1));
        any = true;
        const int ch = channelOf(label);
        auto starts = [&](std::string_view p) { return label.substr(0, p.size()) == p; };
        TransceiverThresholds &th = dom.thresholds;
        if (label == "Identifier")
            dom.identifier = std::string(value);
        else if (label == "Vendor name")
            dom.vendor = std::string(value);
        else if (label == "Vendor PN")
            dom.part = std::string(value);
        else if (label == "Vendor SN")
            dom.serial = std::string(value);
        else if (label == "Module temperature")
            dom.temperatureC = leadingNumber(value);
        else if (label == "Module voltage")
            dom.voltageV = leadingNumber(value);
        else if (label.find("threshold") != std::string_view::npos) {
            dom.hasThresholds = true;
            const bool high = label.find(" high ") != std::string_view::npos;
            const bool alarm = label.find(" alarm ") != std::string_view::npos;
            if (starts("Laser rx power")) {
                if (!high)
                    (alarm ? th.rxPowerLowAlarm : th.rxPowerLowWarning) = dbmOf(value);
            } else if (starts("Laser output power")) {
                if (!high)
                    (alarm ? th.txPowerLowAlarm : th.txPowerLowWarning) = dbmOf(value);
            } else if (starts("Module temperature")) {
                if (high)
                    (alarm ? th.tempHighAlarm : th.tempHighWarning) = leadingNumber(value);
            } else if (starts("Laser bias current")) {
                if (alarm)
                    (high ? th.biasHighAlarm : th.biasLowAlarm) = leadingNumber(value);
            } else if (starts("Module voltage")) {
                if (alarm)
                    (high ? th.vccHighAlarm : th.vccLowAlarm) = leadingNumber(value);
            }
        } else if (label.find(" alarm") != std::string_view::npos || label.find(" warning") != std::string_view::npos) {
            if (value == "On")
                dom.raisedFlags.emplace_back(label);
        } else if (starts("Laser bias current") || starts("Laser tx bias current")) {
            lane(ch).biasMa = leadingNumber(value);
        } else if (starts("Laser output power") || starts("Transmit avg optical power")) {
            lane(ch).txPowerDbm = dbmOf(value);
        } else if (starts("Receiver signal average optical power") || starts("Rcvr signal avg optical power")) {
            lane(ch).rxPowerDbm = dbmOf(value);
        }
        return {};
    });
    if (!st)
        return tl::unexpected(st.error());
    if (!any || (dom.identifier.empty() && dom.lanes.empty()))
        return makeError(ErrorCode::ParseError, "no module fields found (not `ethtool -m` output?)", std::string(source));
    return dom;
}

Result<PortCounters> parsePerfquery(std::string_view text, std::string_view source)
{
    PortCounters out;
    bool header = false;
    auto st = forEachLine(text, [&](std::string_view raw, std::size_t lineNo) -> Status {
        const std::string_view line = trimBlanks(raw);
        if (line.empty())
            return {};
        if (line.front() == '#') {
            // "# Port counters: Lid 12 port 18 (CapMask: …)" / "# Port extended counters: …"
            header = true;
            out.extended = line.find("extended") != std::string_view::npos;
            if (auto lid = line.find("Lid "); lid != std::string_view::npos)
                std::from_chars(line.data() + lid + 4, line.data() + line.size(), out.lid);
            if (auto port = line.find(" port "); port != std::string_view::npos)
                std::from_chars(line.data() + port + 6, line.data() + line.size(), out.port);
            return {};
        }
        const auto colon = line.find(':');
        if (colon == std::string_view::npos || colon == 0)
            return makeError(ErrorCode::ParseError, "expected 'Field:....value'", at(source, lineNo));
        std::string_view value = line.substr(colon + 1);
        while (!value.empty() && value.front() == '.')
            value.remove_prefix(1);
        std::uint64_t v = 0;
        if (!parseU64(value, v))
            return makeError(ErrorCode::ParseError, "bad value '" + std::string(trimBlanks(value)) + "' for " + std::string(line.substr(0, colon)),
                             at(source, lineNo, colon + 2));
        out.values[std::string(line.substr(0, colon))] = v;
        return {};
    });
    if (!st)
        return tl::unexpected(st.error());
    if (!header && out.values.empty())
        return makeError(ErrorCode::ParseError, "no counters found (not perfquery output?)", std::string(source));
    if (auto it = out.values.find("PortSelect"); it != out.values.end())
        out.port = int(it->second);
    return out;
}

Result<std::vector<PortErrorReport>> parseIbqueryerrors(std::string_view text, std::string_view source)
{
    std::vector<PortErrorReport> out;
    std::string description;
    std::uint64_t nodeGuid = 0;
    bool inNode = false;
    auto st = forEachLine(text, [&](std::string_view raw, std::size_t lineNo) -> Status {
        const std::string_view line = trimBlanks(raw);
        if (line.empty() || line.front() == '#')
            return {};
        if (line.substr(0, 11) == "Errors for ") {
            std::string_view rest = line.substr(11);
            const auto space = rest.find(' ');
            if (!parseU64(rest.substr(0, space), nodeGuid))
                return makeError(ErrorCode::ParseError, "bad node GUID", at(source, lineNo, 12));
            const auto q1 = rest.find('"'), q2 = rest.rfind('"');
            description = q1 != std::string_view::npos && q2 > q1 ? std::string(rest.substr(q1 + 1, q2 - q1 - 1)) : std::string();
            inNode = true;
            return {};
        }
        if (line.substr(0, 5) != "GUID ")
            return {}; // summary lines ("## Summary: …") and anything newer versions print
        if (!inNode)
            return makeError(ErrorCode::ParseError, "port line before 'Errors for'", at(source, lineNo));
        PortErrorReport r;
        r.description = description;
        const auto portPos = line.find(" port ");
        if (portPos == std::string_view::npos)
            return makeError(ErrorCode::ParseError, "missing ' port '", at(source, lineNo));
        if (!parseU64(line.substr(5, portPos - 5), r.guid))
            return makeError(ErrorCode::ParseError, "bad GUID", at(source, lineNo, 6));
        const auto colon = line.find(':', portPos);
        if (colon == std::string_view::npos)
            return makeError(ErrorCode::ParseError, "missing ':' after the port", at(source, lineNo, portPos + 7));
        const std::string_view port = trimBlanks(line.substr(portPos + 6, colon - portPos - 6));
        if (port == "ALL")
            r.port = -1;
        else if (std::uint64_t p = 0; parseU64(port, p) && p < 4096)
            r.port = int(p);
        else
            return makeError(ErrorCode::ParseError, "bad port '" + std::string(port) + "'", at(source, lineNo, portPos + 7));
        for (std::size_t open = line.find('[', colon); open != std::string_view::npos; open = line.find('[', open + 1)) {
            const auto close = line.find(']', open);
            const auto eq = line.find(" == ", open);
            if (close == std::string_view::npos || eq == std::string_view::npos || eq > close)
                return makeError(ErrorCode::ParseError, "expected '[Counter == value]'", at(source, lineNo, open + 1));
            std::string_view value = line.substr(eq + 4, close - eq - 4);
            value = value.substr(0, value.find(' ')); // "(155.869TB)" follows with --data
            std::uint64_t v = 0;
            if (!parseU64(value, v))
                return makeError(ErrorCode::ParseError, "bad counter value", at(source, lineNo, eq + 5));
            r.counters[std::string(line.substr(open + 1, eq - open - 1))] = v;
        }
        out.push_back(std::move(r));
        return {};
    });
    if (!st)
        return tl::unexpected(st.error());
    return out;
}

Result<std::vector<SysfsPort>> parseSysfsInfiniband(std::string_view text, std::string_view source)
{
    std::vector<SysfsPort> out;
    std::map<std::pair<std::string, int>, std::size_t> index;
    auto st = forEachLine(text, [&](std::string_view raw, std::size_t lineNo) -> Status {
        const std::string_view line = trimBlanks(raw);
        if (line.empty() || line.front() == '#')
            return {};
        constexpr std::string_view prefix = "/sys/class/infiniband/";
        const auto colon = line.find(": ");
        if (line.substr(0, prefix.size()) != prefix || colon == std::string_view::npos)
            return makeError(ErrorCode::ParseError, "expected '/sys/class/infiniband/<dev>/…: value'", at(source, lineNo));
        const std::string_view path = line.substr(prefix.size(), colon - prefix.size());
        const std::string_view value = trimBlanks(line.substr(colon + 2));
        const auto slash = path.find('/');
        if (slash == std::string_view::npos || path.substr(slash, 7) != "/ports/")
            return {}; // device attributes (board_id, fw_ver)
        const std::string device(path.substr(0, slash));
        std::string_view rest = path.substr(slash + 7);
        const auto slash2 = rest.find('/');
        std::uint64_t port = 0;
        if (slash2 == std::string_view::npos || !parseU64(rest.substr(0, slash2), port) || port == 0 || port > 4096)
            return makeError(ErrorCode::ParseError, "bad port in path", at(source, lineNo, prefix.size() + slash + 8));
        auto [it, inserted] = index.emplace(std::make_pair(device, int(port)), out.size());
        if (inserted)
            out.push_back(SysfsPort{device, int(port), {}, {}, {}, {}, {}});
        SysfsPort &p = out[it->second];
        const std::string_view attr = rest.substr(slash2 + 1);
        if (attr.substr(0, 9) == "counters/" || attr.substr(0, 12) == "hw_counters/") {
            std::uint64_t v = 0;
            if (!parseU64(value, v))
                return makeError(ErrorCode::ParseError, "counter value is not a number", at(source, lineNo, colon + 3));
            p.counters[std::string(attr.substr(attr.find('/') + 1))] = v;
        } else if (attr == "rate") {
            p.rate = std::string(value);
        } else if (attr == "state") {
            p.state = std::string(value);
        } else if (attr == "phys_state") {
            p.physState = std::string(value);
        } else if (attr == "link_layer") {
            p.linkLayer = std::string(value);
        }
        return {};
    });
    if (!st)
        return tl::unexpected(st.error());
    return out;
}

DcgmSamples dcgmGpuSamples(const ExpositionResult &exposition, std::string_view defaultHost)
{
    DcgmSamples out;
    out.blanks = exposition.skippedSentinels;
    for (const ParsedSample &s : exposition.samples) {
        const std::string_view gpu = s.key.label("gpu");
        std::string_view host = s.key.label("Hostname");
        if (host.empty())
            host = s.key.label("hostname");
        if (host.empty())
            host = defaultHost;
        if (gpu.empty() || host.empty() || gpu.find_first_not_of("0123456789") != std::string_view::npos) {
            ++out.unattributed;
            continue;
        }
        out.samples.push_back(GpuSample{std::string(host) + "/gpu" + std::string(gpu), s.key.name, s.value});
    }
    return out;
}

std::optional<double> CounterRate::update(Timestamp ts, std::uint64_t value)
{
    const bool wasHave = m_have;
    const Timestamp prevTs = m_ts;
    const std::uint64_t prev = m_value;
    m_have = true;
    m_ts = ts;
    m_value = value;
    if (m_saturation && value >= m_saturation) {
        m_saturated = true;
        return std::nullopt;
    }
    m_saturated = false;
    if (!wasHave || ts <= prevTs)
        return std::nullopt;
    const double dt = double(ts - prevTs) / double(kSecond);
    if (value < prev) {
        ++m_resets;
        return double(value) / dt;
    }
    return double(value - prev) / dt;
}

std::uint64_t ibCounterSaturation(std::string_view field)
{
    if (field == "SymbolErrorCounter" || field == "PortRcvErrors" || field == "PortRcvRemotePhysicalErrors"
        || field == "PortRcvSwitchRelayErrors" || field == "PortXmitDiscards")
        return 0xFFFF;
    if (field == "LinkErrorRecoveryCounter" || field == "LinkDownedCounter" || field == "PortXmitConstraintErrors"
        || field == "PortRcvConstraintErrors")
        return 0xFF;
    if (field == "LocalLinkIntegrityErrors" || field == "ExcessiveBufferOverrunErrors")
        return 0xF;
    if (field == "VL15Dropped" || field == "QP1Dropped")
        return 0xFFFF;
    if (field == "PortXmitData" || field == "PortRcvData" || field == "PortXmitPkts" || field == "PortRcvPkts"
        || field == "PortXmitWait")
        return 0xFFFFFFFF; // basic (non-extended) counters
    return 0;
}

std::vector<FabricObservation> FabricCounterRates::update(const std::string &port, Timestamp ts,
                                                          const std::map<std::string, std::uint64_t> &counters,
                                                          bool extended, double linkGbps)
{
    std::vector<FabricObservation> out;
    auto rate = [&](const std::string &field) -> std::optional<double> {
        auto it = counters.find(field);
        if (it == counters.end())
            return std::nullopt;
        auto [slot, inserted] = m_rates.try_emplace({port, field}, CounterRate(extended ? 0 : ibCounterSaturation(field)));
        return slot->second.update(ts, it->second);
    };
    auto first = [&](std::initializer_list<const char *> names) -> std::optional<double> {
        for (const char *n : names)
            if (counters.count(n))
                return rate(n);
        return std::nullopt;
    };
    if (auto r = first({"SymbolErrorCounter", "symbol_error"}))
        out.push_back({port, "ib_port_symbol_errors_per_second", *r});
    if (auto r = first({"PortRcvErrors", "port_rcv_errors"}))
        out.push_back({port, "ib_port_rcv_errors_per_second", *r});
    if (auto r = first({"PortXmitWait", "port_xmit_wait"}))
        out.push_back({port, "ib_port_xmit_wait_per_second", *r});
    for (const char *n : {"LinkDownedCounter", "link_downed"})
        if (auto it = counters.find(n); it != counters.end()) {
            out.push_back({port, "ib_port_link_downed_total", double(it->second)});
            break;
        }
    if (auto r = first({"port_xmit_bytes"})) { // node_exporter's port_data_transmitted_bytes_total: already bytes
        out.push_back({port, "ib_port_xmit_data_bytes_per_second", *r});
        if (linkGbps > 0)
            out.push_back({port, "ib_port_utilization_ratio", std::min(1.0, *r * 8 / (linkGbps * 1e9))});
    }
    if (auto r = first({"PortXmitData", "port_xmit_data"})) {
        const double bytes = *r * 4; // counted in 4-byte words
        out.push_back({port, "ib_port_xmit_data_bytes_per_second", bytes});
        if (linkGbps > 0)
            out.push_back({port, "ib_port_utilization_ratio", std::min(1.0, bytes * 8 / (linkGbps * 1e9))});
    }
    double pause = 0;
    bool anyPause = false;
    for (const auto &[name, value] : counters) {
        const bool pfc = (name.rfind("rx_prio", 0) == 0 || name.rfind("tx_prio", 0) == 0) && name.size() > 6
                         && name.compare(name.size() - 6, 6, "_pause") == 0;
        if (!pfc)
            continue;
        (void)value;
        if (auto r = rate(name)) {
            pause += *r;
            anyPause = true;
        }
    }
    if (anyPause)
        out.push_back({port, "roce_pfc_pause_frames_per_second", pause});
    return out;
}

std::string nodeExporterInfinibandField(std::string_view metric)
{
    if (metric == "node_infiniband_port_errors_received_total")
        return "port_rcv_errors";
    if (metric == "node_infiniband_port_transmit_wait_total")
        return "port_xmit_wait";
    if (metric == "node_infiniband_link_downed_total")
        return "link_downed";
    if (metric == "node_infiniband_port_data_transmitted_bytes_total")
        return "port_xmit_bytes";
    return {};
}

std::size_t FabricCounterRates::resets() const
{
    std::size_t n = 0;
    for (const auto &[key, r] : m_rates)
        n += r.resets();
    return n;
}

std::vector<FabricObservation> domObservations(const std::string &element, const TransceiverDom &dom)
{
    std::vector<FabricObservation> out;
    double rx = std::numeric_limits<double>::infinity(), tx = rx, bias = -rx;
    for (const TransceiverDom::Lane &lane : dom.lanes) {
        if (!std::isnan(lane.rxPowerDbm))
            rx = std::min(rx, lane.rxPowerDbm);
        if (!std::isnan(lane.txPowerDbm))
            tx = std::min(tx, lane.txPowerDbm);
        if (!std::isnan(lane.biasMa))
            bias = std::max(bias, lane.biasMa);
    }
    // A dark lane (-inf dBm) is reported as -40 dBm: far below any alarm, still a number for the store.
    if (rx != std::numeric_limits<double>::infinity())
        out.push_back({element, "transceiver_rx_power_dbm", std::max(rx, -40.0)});
    if (tx != std::numeric_limits<double>::infinity())
        out.push_back({element, "transceiver_tx_power_dbm", std::max(tx, -40.0)});
    if (bias != -std::numeric_limits<double>::infinity())
        out.push_back({element, "transceiver_bias_current_ma", bias});
    if (!std::isnan(dom.temperatureC))
        out.push_back({element, "transceiver_temperature_celsius", dom.temperatureC});
    if (!std::isnan(dom.voltageV))
        out.push_back({element, "transceiver_voltage_volts", dom.voltageV});
    return out;
}

std::uint64_t ibErrorThreshold(std::string_view field)
{
    if (field == "SymbolErrorCounter" || field == "LinkErrorRecoveryCounter" || field == "LinkDownedCounter"
        || field == "PortRcvErrors" || field == "LocalLinkIntegrityErrors" || field == "ExcessiveBufferOverrunErrors")
        return 10;
    if (field == "PortXmitWait")
        return 1000;
    return 100;
}

double ibLinkGbps(std::string_view width, std::string_view speed)
{
    // Per-lane data rates (Gb/s) after encoding.
    struct Rate {
        std::string_view name;
        double gbps;
    };
    static constexpr Rate kRates[] = {{"SDR", 2}, {"DDR", 4}, {"QDR", 8}, {"FDR10", 10}, {"FDR", 13.64}, {"EDR", 25},
                                      {"HDR", 50}, {"NDR", 100}, {"XDR", 200}};
    int lanes = 0;
    std::from_chars(width.data(), width.data() + width.size(), lanes);
    for (const Rate &r : kRates)
        if (speed == r.name)
            return lanes > 0 ? lanes * r.gbps : 0;
    return 0;
}

} // namespace Nocturne::Engine

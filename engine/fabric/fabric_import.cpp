// Importers for the fabric topology: ibnetdiscover, iblinkinfo (infiniband-diags) and a YAML description for RoCE.
#include <yaml-cpp/yaml.h>

#include <charconv>
#include <fstream>
#include <sstream>
#include <map>
#include <set>

#include "fabric.h"
#include "core/text.h"

namespace Nocturne::Engine {

namespace {
std::string where(std::string_view source, std::size_t line, std::size_t column)
{
    return std::string(source) + ":" + std::to_string(line) + ":" + std::to_string(column);
}

bool parseHex(std::string_view s, std::uint64_t &out)
{
    if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
        s.remove_prefix(2);
    if (s.empty() || s.size() > 16)
        return false;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out, 16);
    return ec == std::errc() && end == s.data() + s.size();
}

bool parseInt(std::string_view s, int &out)
{
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc() && end == s.data() + s.size();
}

// A node's fabric id from its NodeDescription: "MF0;leaf-su0-r3:MQM8700/U1" → "leaf-su0-r3", "gpu-node015 mlx5_7" →
// "gpu-node015/mlx5_7"; an empty or unusable description falls back to the discovery id ("S-…").
std::string nodeIdFromDescription(std::string_view description, bool isSwitch, std::string_view fallback)
{
    std::string_view d = trimBlanks(description);
    if (isSwitch) {
        if (auto semi = d.find(';'); semi != std::string_view::npos)
            d = d.substr(semi + 1);
        if (auto colon = d.find(':'); colon != std::string_view::npos)
            d = d.substr(0, colon);
        d = trimBlanks(d);
        if (d.empty() || d.find_first_of(" \t/\"") != std::string_view::npos)
            return std::string(fallback);
        return std::string(d);
    }
    if (d == "Mellanox Technologies Aggregation Node" || d.empty())
        return std::string(fallback);
    const auto space = d.find(' ');
    if (space == std::string_view::npos)
        return std::string(d) + "/HCA-1";
    std::string host(trimBlanks(d.substr(0, space))), device(trimBlanks(d.substr(space + 1)));
    for (char &c : device)
        if (c == ' ' || c == '/')
            c = '_';
    if (host.find('/') != std::string::npos)
        return std::string(fallback);
    return host + "/" + device;
}

// Width and speed from "4xHDR" / "4X" + "HDR" spellings.
void splitRate(std::string_view token, std::string &width, std::string &speed)
{
    const auto x = token.find_first_of("xX");
    if (x == std::string_view::npos || x == 0)
        return;
    width = std::string(token.substr(0, x)) + "x";
    speed = std::string(token.substr(x + 1));
}

struct PendingLink {
    std::uint64_t localNode = 0;
    int localPort = 0;
    std::uint64_t localPortGuid = 0;
    std::uint64_t remoteNode = 0;
    int remotePort = 0;
    std::string remoteDescription;
    bool remoteSwitch = false;
    std::string width, speed;
    int lid = 0;
    std::size_t line = 0;
};

struct PendingNode {
    std::uint64_t guid = 0;
    bool isSwitch = false;
    std::string description;
    std::string discoveryId;
    int lid = 0;
    int portCount = 0;
};

// Builds a fabric from discovered nodes and (possibly duplicated, one per end) link records.
Result<Fabric> assemble(std::vector<PendingNode> &found, std::vector<PendingLink> &links, std::string_view source)
{
    Fabric fabric;
    std::map<std::uint64_t, int> byGuid;
    std::set<std::string> ids;
    auto add = [&](const PendingNode &n) {
        std::string id = nodeIdFromDescription(n.description, n.isSwitch, n.discoveryId);
        if (!ids.insert(id).second)
            id = n.discoveryId; // duplicate descriptions (unnamed switches): fall back to the GUID id
        ids.insert(id);
        FabricNode node;
        node.id = id;
        node.kind = n.isSwitch ? FabricNodeKind::Switch : FabricNodeKind::Hca;
        node.guid = n.guid;
        node.description = n.description;
        node.lid = n.lid;
        byGuid[n.guid] = fabric.addNode(std::move(node));
    };
    for (const PendingNode &n : found)
        if (!byGuid.count(n.guid))
            add(n);
    for (const PendingLink &l : links) {
        if (!byGuid.count(l.remoteNode)) {
            // The far end never got a record of its own (a partial discovery): take it from the comment.
            char id[24];
            std::snprintf(id, sizeof id, "%s-%016llx", l.remoteSwitch ? "S" : "H", static_cast<unsigned long long>(l.remoteNode));
            add(PendingNode{l.remoteNode, l.remoteSwitch, l.remoteDescription, id, 0, 0});
        }
        const int a = fabric.port(byGuid.at(l.localNode), l.localPort);
        const int b = fabric.port(byGuid.at(l.remoteNode), l.remotePort);
        FabricPort &pa = fabric.ports[std::size_t(a)];
        if (l.localPortGuid)
            pa.guid = l.localPortGuid;
        if (!l.width.empty())
            pa.width = l.width, pa.speed = l.speed;
        if (l.lid && !pa.lid)
            pa.lid = l.lid;
        if (!fabric.connect(a, b))
            return makeError(ErrorCode::ParseError,
                             "port " + fabric.ports[std::size_t(a)].id + " is cabled to two different peers (" +
                                 fabric.ports[std::size_t(b)].id + " and " +
                                 (fabric.ports[std::size_t(a)].peer >= 0 ? fabric.ports[std::size_t(fabric.ports[std::size_t(a)].peer)].id
                                                                           : std::string("?")) + ")",
                             where(source, l.line, 1));
    }
    for (std::size_t i = 0; i < fabric.ports.size(); ++i) {
        FabricPort &p = fabric.ports[i];
        if (p.peer >= 0 && p.width.empty()) {
            p.width = fabric.ports[std::size_t(p.peer)].width;
            p.speed = fabric.ports[std::size_t(p.peer)].speed;
        }
    }
    fabric.finalize();
    return fabric;
}

// The first double-quoted string at or after `from`; npos-safe. Returns false when there is none.
bool quoted(std::string_view line, std::size_t from, std::string_view &out, std::size_t &end)
{
    const auto open = line.find('"', from);
    if (open == std::string_view::npos)
        return false;
    const auto close = line.find('"', open + 1);
    if (close == std::string_view::npos)
        return false;
    out = line.substr(open + 1, close - open - 1);
    end = close + 1;
    return true;
}

bool discoveryGuid(std::string_view id, std::uint64_t &guid, bool &isSwitch)
{
    if (id.size() != 18 || id[1] != '-' || (id[0] != 'S' && id[0] != 'H' && id[0] != 'R'))
        return false;
    isSwitch = id[0] == 'S';
    return parseHex(id.substr(2), guid);
}
} // namespace

Result<Fabric> importIbnetdiscover(std::string_view text, std::string_view source)
{
    std::vector<PendingNode> found;
    std::vector<PendingLink> links;
    std::size_t lineNo = 0;
    bool inNode = false;
    std::size_t pos = 0;
    while (pos <= text.size()) {
        const auto nl = text.find('\n', pos);
        std::string_view raw = text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
        pos = nl == std::string_view::npos ? text.size() + 1 : nl + 1;
        ++lineNo;
        const std::string_view line = trimBlanks(raw);
        if (line.empty()) {
            inNode = false;
            continue;
        }
        if (line.front() == '#' || (line.find('=') != std::string_view::npos && line.front() != '['))
            continue; // comments; vendid=, devid=, sysimgguid=, switchguid=, caguid=
        auto error = [&](const std::string &why, std::size_t column) {
            return makeError(ErrorCode::ParseError, why, where(source, lineNo, column));
        };
        if (line.substr(0, 6) == "Switch" || line.substr(0, 2) == "Ca" || line.substr(0, 2) == "Rt") {
            PendingNode node;
            node.isSwitch = line.front() == 'S';
            std::string_view id;
            std::size_t end = 0;
            if (!quoted(line, 0, id, end))
                return error("node line without a quoted node id", 1);
            std::string_view count = trimBlanks(line.substr(line.find_first_of(" \t"), line.find('"') - line.find_first_of(" \t")));
            if (!parseInt(count, node.portCount) || node.portCount <= 0 || node.portCount > 4096)
                return error("bad port count '" + std::string(count) + "'", 1);
            bool isSwitch = false;
            if (!discoveryGuid(id, node.guid, isSwitch))
                return error("bad node id '" + std::string(id) + "' (expected S-, H- or R- and 16 hex digits)", line.find('"') + 1);
            node.discoveryId = std::string(id);
            const auto hash = line.find('#', end);
            if (hash != std::string_view::npos) {
                std::string_view desc;
                std::size_t descEnd = 0;
                if (quoted(line, hash, desc, descEnd))
                    node.description = std::string(desc);
                if (auto lid = line.find(" lid ", hash); lid != std::string_view::npos) {
                    std::string_view rest = line.substr(lid + 5);
                    parseInt(rest.substr(0, rest.find(' ')), node.lid);
                }
            }
            found.push_back(std::move(node));
            inNode = true;
            continue;
        }
        if (line.front() == '[') {
            if (!inNode)
                return error("port line outside a node record", 1);
            PendingLink link;
            link.line = lineNo;
            link.localNode = found.back().guid;
            const auto close = line.find(']');
            if (close == std::string_view::npos || !parseInt(line.substr(1, close - 1), link.localPort) || link.localPort <= 0
                || link.localPort > found.back().portCount)
                return error("bad local port number", 2);
            std::size_t at = close + 1;
            if (at < line.size() && line[at] == '(') {
                const auto paren = line.find(')', at);
                if (paren == std::string_view::npos || !parseHex(line.substr(at + 1, paren - at - 1), link.localPortGuid))
                    return error("bad port GUID", at + 1);
                at = paren + 1;
            }
            std::string_view remote;
            std::size_t end = 0;
            if (!quoted(line, at, remote, end))
                return error("port line without a quoted remote node id", at + 1);
            if (!discoveryGuid(remote, link.remoteNode, link.remoteSwitch))
                return error("bad remote node id '" + std::string(remote) + "'", line.find('"', at) + 2);
            if (end >= line.size() || line[end] != '[')
                return error("missing remote port number", end + 1);
            const auto rclose = line.find(']', end);
            if (rclose == std::string_view::npos || !parseInt(line.substr(end + 1, rclose - end - 1), link.remotePort)
                || link.remotePort <= 0 || link.remotePort > 4096)
                return error("bad remote port number", end + 2);
            const auto hash = line.find('#', rclose);
            if (hash != std::string_view::npos) {
                std::string_view comment = line.substr(hash + 1);
                std::string_view desc;
                std::size_t descEnd = 0;
                if (quoted(comment, 0, desc, descEnd))
                    link.remoteDescription = std::string(desc);
                // CA ports: "# lid 140 lmc 0 "desc" lid 44 4xHDR"; switch ports: "# "desc" lid 7 4xHDR".
                if (trimBlanks(comment).substr(0, 4) == "lid ") {
                    std::string_view rest = trimBlanks(comment).substr(4);
                    parseInt(rest.substr(0, rest.find(' ')), link.lid);
                }
                const auto lastSpace = comment.find_last_of(' ');
                if (lastSpace != std::string_view::npos)
                    splitRate(trimBlanks(comment.substr(lastSpace + 1)), link.width, link.speed);
            }
            links.push_back(std::move(link));
            continue;
        }
        return error("unrecognised line", 1);
    }
    if (found.empty())
        return makeError(ErrorCode::ParseError, "no nodes found (not ibnetdiscover output?)", std::string(source));
    return assemble(found, links, source);
}

Result<Fabric> importIblinkinfo(std::string_view text, std::string_view source)
{
    struct Row {
        std::size_t node;
        int lid, port, remoteLid, remotePort;
        std::uint64_t portGuid;
        bool up;
        std::string width, speed;
        std::size_t line;
    };
    std::vector<PendingNode> found;
    std::vector<Row> rows;
    std::size_t lineNo = 0, pos = 0;
    while (pos <= text.size()) {
        const auto nl = text.find('\n', pos);
        std::string_view raw = text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
        pos = nl == std::string_view::npos ? text.size() + 1 : nl + 1;
        ++lineNo;
        std::string_view line = trimBlanks(raw);
        if (line.empty() || line.front() == '#')
            continue;
        auto error = [&](const std::string &why, std::size_t column) {
            return makeError(ErrorCode::ParseError, why, where(source, lineNo, column));
        };
        if (line.substr(0, 7) == "Switch:" || line.substr(0, 3) == "CA:") {
            PendingNode node;
            node.isSwitch = line.front() == 'S';
            std::string_view rest = trimBlanks(line.substr(node.isSwitch ? 7 : 3));
            if (rest.empty() || rest.back() != ':')
                return error("header does not end with ':'", line.size());
            rest.remove_suffix(1);
            if (node.isSwitch) {
                const auto space = rest.find(' ');
                if (space == std::string_view::npos || !parseHex(rest.substr(0, space), node.guid))
                    return error("switch header without a GUID", 9);
                rest = trimBlanks(rest.substr(space + 1));
            }
            node.description = std::string(rest);
            found.push_back(std::move(node));
            continue;
        }
        if (found.empty())
            return error("port row before any Switch:/CA: header", 1);
        Row row{found.size() - 1, 0, 0, 0, 0, 0, false, {}, {}, lineNo};
        // Columns: [portGuid] lid port[..] ==( width speed Gbps state/ phys)==> rlid rport[..] "rdesc" ( … )
        const auto arrow = line.find("==(");
        const auto arrowEnd = line.find(")==>");
        if (arrow == std::string_view::npos || arrowEnd == std::string_view::npos || arrowEnd < arrow)
            return error("port row without '==( … )==>'", 1);
        std::vector<std::string_view> left;
        for (std::string_view l = line.substr(0, arrow); !trimBlanks(l).empty();) {
            l = trimBlanks(l);
            const auto sp = l.find_first_of(" \t");
            left.push_back(l.substr(0, sp));
            l = sp == std::string_view::npos ? std::string_view() : l.substr(sp);
        }
        if (left.size() < 2)
            return error("port row without lid and port", 1);
        std::size_t k = 0;
        if (left[0].substr(0, 2) == "0x") {
            if (!parseHex(left[0], row.portGuid))
                return error("bad port GUID", 1);
            ++k;
        }
        if (left.size() < k + 2)
            return error("port row without lid and port", 1);
        const std::string_view portTok = left[k + 1].substr(0, left[k + 1].find('['));
        if (!parseInt(left[k], row.lid) || !parseInt(portTok, row.port) || row.port <= 0)
            return error("bad lid or port number", 1);
        const std::string_view state = line.substr(arrow + 3, arrowEnd - arrow - 3);
        row.up = state.find("Active") != std::string_view::npos || state.find("LinkUp") != std::string_view::npos;
        row.up = row.up && state.find("Down") == std::string_view::npos;
        {
            std::string_view s = trimBlanks(state);
            const auto sp = s.find(' ');
            if (sp != std::string_view::npos && row.up) {
                row.width = std::string(s.substr(0, sp));
                for (char &c : row.width)
                    if (c == 'X')
                        c = 'x';
            }
        }
        if (row.up) {
            std::string_view right = trimBlanks(line.substr(arrowEnd + 4));
            const auto sp = right.find_first_of(" \t");
            if (sp == std::string_view::npos || !parseInt(right.substr(0, sp), row.remoteLid))
                return error("bad remote lid", arrowEnd + 5);
            right = trimBlanks(right.substr(sp));
            std::string_view rp = right.substr(0, right.find_first_of("[ \t"));
            if (!parseInt(rp, row.remotePort) || row.remotePort <= 0)
                return error("bad remote port", arrowEnd + 5);
        }
        rows.push_back(std::move(row));
    }
    if (found.empty())
        return makeError(ErrorCode::ParseError, "no Switch:/CA: headers found (not iblinkinfo output?)", std::string(source));
    // CA headers carry no GUID: take the first port GUID; LIDs identify the far ends.
    std::map<int, std::size_t> nodeByLid;
    for (const Row &r : rows) {
        PendingNode &n = found[r.node];
        if (!n.guid && r.portGuid)
            n.guid = r.portGuid - 1; // the node GUID is conventionally the port-1 GUID minus one
        if (!n.lid)
            n.lid = r.lid;
        nodeByLid.emplace(r.lid, r.node);
    }
    for (std::size_t i = 0; i < found.size(); ++i) {
        if (!found[i].guid)
            found[i].guid = 0xfe00000000000000ull + i; // unnamed: a synthetic, unique GUID
        char id[24];
        std::snprintf(id, sizeof id, "%s-%016llx", found[i].isSwitch ? "S" : "H", static_cast<unsigned long long>(found[i].guid));
        found[i].discoveryId = id;
    }
    std::vector<PendingLink> links;
    for (const Row &r : rows) {
        if (!r.up)
            continue;
        auto far = nodeByLid.find(r.remoteLid);
        if (far == nodeByLid.end())
            return makeError(ErrorCode::ParseError, "remote lid " + std::to_string(r.remoteLid) + " is not in the file",
                             where(source, r.line, 1));
        PendingLink l;
        l.localNode = found[r.node].guid;
        l.localPort = r.port;
        l.localPortGuid = r.portGuid;
        l.remoteNode = found[far->second].guid;
        l.remotePort = r.remotePort;
        l.width = r.width;
        l.lid = r.lid;
        l.line = r.line;
        links.push_back(std::move(l));
    }
    auto fabric = assemble(found, links, source);
    if (!fabric)
        return fabric;
    // Down ports exist too (uncabled), so the port count matches the device.
    std::map<std::uint64_t, int> nodeOfGuid;
    for (std::size_t i = 0; i < fabric->nodes.size(); ++i)
        nodeOfGuid[fabric->nodes[i].guid] = int(i);
    for (const Row &r : rows)
        if (!r.up)
            fabric->port(nodeOfGuid[found[r.node].guid], r.port);
    fabric->finalize();
    return fabric;
}

Result<Fabric> importFabricYaml(std::string_view text, std::string_view source)
{
    auto at = [&](const YAML::Mark &mark) { return where(source, std::size_t(mark.line + 1), std::size_t(mark.column + 1)); };
    try {
        const YAML::Node root = YAML::Load(std::string(text));
        if (!root.IsMap())
            return makeError(ErrorCode::ParseError, "expected a map with switches, servers, links, jobs", at(root.Mark()));
        for (const auto &kv : root) {
            const std::string key = kv.first.as<std::string>();
            if (key != "switches" && key != "servers" && key != "links" && key != "jobs" && key != "gpu_affinity")
                return makeError(ErrorCode::ParseError, "unknown key `" + key + "`", at(kv.first.Mark()));
        }
        Fabric fabric;
        for (const YAML::Node &s : root["switches"]) {
            if (!s["name"])
                return makeError(ErrorCode::ParseError, "a switch needs a `name`", at(s.Mark()));
            const std::string name = s["name"].as<std::string>();
            if (fabric.findNode(name) >= 0)
                return makeError(ErrorCode::ParseError, "duplicate switch `" + name + "`", at(s["name"].Mark()));
            FabricNode n;
            n.id = name;
            n.description = name;
            fabric.addNode(std::move(n));
        }
        std::map<std::string, std::map<std::string, int>> nicsOf; // host → nic name → node
        std::map<std::string, int> gpuCount;
        for (const YAML::Node &s : root["servers"]) {
            if (!s["name"] || !s["nics"] || !s["nics"].IsSequence())
                return makeError(ErrorCode::ParseError, "a server needs a `name` and a `nics` list", at(s.Mark()));
            const std::string host = s["name"].as<std::string>();
            gpuCount[host] = s["gpus"] ? s["gpus"].as<int>() : 8;
            if (gpuCount[host] < 0 || gpuCount[host] > 64)
                return makeError(ErrorCode::ParseError, "`gpus` must be 0…64", at(s["gpus"].Mark()));
            for (const YAML::Node &nic : s["nics"]) {
                for (const char *k : {"name", "switch", "port"})
                    if (!nic[k])
                        return makeError(ErrorCode::ParseError, std::string("a NIC needs `") + k + "`", at(nic.Mark()));
                const std::string device = nic["name"].as<std::string>();
                FabricNode n;
                n.id = host + "/" + device;
                n.kind = FabricNodeKind::Hca;
                n.description = host + " " + device;
                n.rail = nic["rail"] ? nic["rail"].as<int>() : -1;
                const int node = fabric.addNode(std::move(n));
                nicsOf[host][device] = node;
                const int sw = fabric.findNode(nic["switch"].as<std::string>());
                if (sw < 0 || fabric.nodes[std::size_t(sw)].kind != FabricNodeKind::Switch)
                    return makeError(ErrorCode::ParseError, "unknown switch `" + nic["switch"].as<std::string>() + "`", at(nic["switch"].Mark()));
                const int port = nic["port"].as<int>();
                if (port <= 0 || port > 4096)
                    return makeError(ErrorCode::ParseError, "port must be 1…4096", at(nic["port"].Mark()));
                if (!fabric.connect(fabric.port(node, 1), fabric.port(sw, port)))
                    return makeError(ErrorCode::ParseError, "switch port already cabled", at(nic["port"].Mark()));
            }
        }
        for (const YAML::Node &l : root["links"]) {
            if (!l["a"] || !l["b"])
                return makeError(ErrorCode::ParseError, "a link needs `a` and `b` (\"switch/pN\")", at(l.Mark()));
            int ends[2];
            for (int e = 0; e < 2; ++e) {
                const YAML::Node &v = l[e == 0 ? "a" : "b"];
                const std::string spec = v.as<std::string>();
                const auto slash = spec.rfind("/p");
                int number = 0;
                const int sw = slash == std::string::npos ? -1 : fabric.findNode(spec.substr(0, slash));
                if (sw < 0 || !parseInt(std::string_view(spec).substr(slash + 2), number) || number <= 0)
                    return makeError(ErrorCode::ParseError, "expected \"<switch>/p<N>\", got `" + spec + "`", at(v.Mark()));
                ends[e] = fabric.port(sw, number);
            }
            if (!fabric.connect(ends[0], ends[1]))
                return makeError(ErrorCode::ParseError, "port already cabled elsewhere", at(l.Mark()));
        }
        // GPUs: gpu_affinity names the NIC of each GPU index; otherwise GPU i ↔ NIC on rail i.
        fabric.finalize(0);
        for (auto &[host, count] : gpuCount) {
            const int s = fabric.findServer(host);
            for (int g = 0; g < count; ++g) {
                FabricGpu gpu;
                gpu.id = host + "/gpu" + std::to_string(g);
                gpu.server = s;
                gpu.index = g;
                const std::string key = "gpu" + std::to_string(g);
                if (root["gpu_affinity"] && root["gpu_affinity"][key]) {
                    auto it = nicsOf[host].find(root["gpu_affinity"][key].as<std::string>());
                    if (it == nicsOf[host].end())
                        return makeError(ErrorCode::ParseError, "gpu_affinity names an unknown NIC on " + host,
                                         at(root["gpu_affinity"][key].Mark()));
                    gpu.hca = it->second;
                } else if (s >= 0) {
                    for (int h : fabric.servers[std::size_t(s)].hcas)
                        if (fabric.nodes[std::size_t(h)].rail == g)
                            gpu.hca = h;
                }
                fabric.gpus.push_back(std::move(gpu));
            }
        }
        if (const YAML::Node jobs = root["jobs"]) {
            for (const YAML::Node &j : jobs) {
                if (!j["name"] || !j["servers"])
                    return makeError(ErrorCode::ParseError, "a job needs `name` and `servers`", at(j.Mark()));
                FabricJob job{j["name"].as<std::string>(), {}};
                for (const YAML::Node &h : j["servers"]) {
                    const int s = fabric.findServer(h.as<std::string>());
                    if (s < 0)
                        return makeError(ErrorCode::ParseError, "unknown server `" + h.as<std::string>() + "`", at(h.Mark()));
                    job.servers.push_back(s);
                }
                fabric.jobs.push_back(std::move(job));
            }
        }
        fabric.finalize(0);
        return fabric;
    } catch (const YAML::Exception &e) {
        return makeError(ErrorCode::ParseError, e.msg, at(e.mark));
    }
}

Status applyJobsYaml(Fabric &fabric, std::string_view text, std::string_view source)
{
    try {
        const YAML::Node root = YAML::Load(std::string(text));
        if (!root.IsMap())
            return makeError(ErrorCode::ParseError, "expected a map job → [hosts]",
                             where(source, std::size_t(root.Mark().line + 1), std::size_t(root.Mark().column + 1)));
        std::vector<FabricJob> jobs;
        for (const auto &kv : root) {
            FabricJob job{kv.first.as<std::string>(), {}};
            if (!kv.second.IsSequence())
                return makeError(ErrorCode::ParseError, "hosts of `" + job.name + "` must be a list",
                                 where(source, std::size_t(kv.second.Mark().line + 1), std::size_t(kv.second.Mark().column + 1)));
            for (const YAML::Node &h : kv.second) {
                const int s = fabric.findServer(h.as<std::string>());
                if (s < 0)
                    return makeError(ErrorCode::NotFound, "unknown host `" + h.as<std::string>() + "`",
                                     where(source, std::size_t(h.Mark().line + 1), std::size_t(h.Mark().column + 1)));
                job.servers.push_back(s);
            }
            jobs.push_back(std::move(job));
        }
        for (FabricJob &j : jobs) {
            if (int existing = fabric.findJob(j.name); existing >= 0)
                fabric.jobs[std::size_t(existing)] = std::move(j);
            else
                fabric.jobs.push_back(std::move(j));
        }
        return {};
    } catch (const YAML::Exception &e) {
        return makeError(ErrorCode::ParseError, e.msg,
                         where(source, std::size_t(e.mark.line + 1), std::size_t(e.mark.column + 1)));
    }
}

Result<Fabric> importFabricFile(const std::string &path, std::string format)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        return makeError(ErrorCode::IoError, "cannot open the topology file", path);
    std::ostringstream buffer;
    buffer << in.rdbuf();
    const std::string text = buffer.str();
    if (format.empty() || format == "auto") {
        const bool yaml = path.size() > 5 && (path.rfind(".yaml") == path.size() - 5 || path.rfind(".yml") == path.size() - 4);
        format = yaml ? "yaml" : (text.find("Switch:") != std::string::npos || text.rfind("CA:", 0) == 0) ? "iblinkinfo" : "ibnetdiscover";
    }
    if (format == "ibnetdiscover")
        return importIbnetdiscover(text, path);
    if (format == "iblinkinfo")
        return importIblinkinfo(text, path);
    if (format == "yaml")
        return importFabricYaml(text, path);
    return makeError(ErrorCode::InvalidArgument, "unknown topology format '" + format + "' (ibnetdiscover, iblinkinfo, yaml)", path);
}

} // namespace Nocturne::Engine

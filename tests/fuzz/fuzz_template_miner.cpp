// The template miner on arbitrary lines, with a small template bound so the capacity paths run too: no crash, every
// line counted once, templates within the bound, and a restore of the saved templates gives the same ids.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "logs/template_miner.h"

using namespace Nocturne::Engine;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    const std::string_view input(reinterpret_cast<const char *>(data), size);
    MinerConfig config;
    config.maxTemplates = 16;
    TemplateMiner miner(config);
    std::vector<std::string_view> lines;
    for (std::size_t start = 0; start < input.size();) {
        const std::size_t nl = input.find('\n', start);
        lines.push_back(input.substr(start, nl == std::string_view::npos ? std::string_view::npos : nl - start));
        if (nl == std::string_view::npos)
            break;
        start = nl + 1;
    }
    for (std::string_view line : lines) {
        miner.add(line);
        (void)TemplateMiner::variableSpans(line);
    }
    std::uint64_t counted = 0;
    for (const auto &t : miner.templates())
        counted += t.count;
    // At most maxTemplates plus one overflow template per line length.
    if (counted != lines.size() || miner.templates().size() > config.maxTemplates + lines.size())
        __builtin_trap();
    TemplateMiner restored(config);
    restored.restore(miner.templates());
    if (restored.templates().size() != miner.templates().size())
        __builtin_trap();
    return 0;
}

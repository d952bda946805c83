#pragma once

#include <memory>

#include "decode/feed_decoding.h"

namespace Nocturne::Engine::Detail {

std::unique_ptr<FeedDecoder> makeOtlpProtoDecoder(Signal signal, SeriesStore &store, SeriesResolver::Limits limits);
std::unique_ptr<FeedDecoder> makeOtlpJsonDecoder(Signal signal, SeriesStore &store, SeriesResolver::Limits limits);
std::unique_ptr<FeedDecoder> makeJsonLinesDecoder(Signal signal, SeriesStore &store, SeriesResolver::Limits limits);
std::unique_ptr<FeedDecoder> makeRawTextDecoder();

} // namespace Nocturne::Engine::Detail

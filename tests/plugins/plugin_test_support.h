#pragma once
// Shared by the plugin tests: plugin calls block their caller, and the HTTP servers these tests run live on the main
// thread, so a call runs on another thread while the main thread keeps processing events.
#include <QCoreApplication>

#include <chrono>
#include <future>
#include <utility>

namespace Nocturne::Test {

template<typename F>
auto withEvents(F &&f)
{
    auto future = std::async(std::launch::async, std::forward<F>(f));
    while (future.wait_for(std::chrono::milliseconds(2)) != std::future_status::ready)
        QCoreApplication::processEvents(QEventLoop::AllEvents, 2);
    return future.get();
}

} // namespace Nocturne::Test

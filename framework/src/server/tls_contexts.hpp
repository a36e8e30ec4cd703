// The server's TLS settings, loaded from the configured PEM files: one OpenSSL
// context per certificate, the first the default, the others chosen by SNI.
// A reload builds a new set; handshakes in flight keep the set they started with.
#pragma once

#include <memory>
#include <mutex>
#include <vector>

#include <boost/asio/ssl/context.hpp>

#include "asiohttp/server.hpp"

namespace asiohttp::detail {

class TlsContexts {
public:
    // Throws std::runtime_error naming the file when a certificate or key does not load.
    explicit TlsContexts(const std::vector<web::TLSCertificate>& certificates);
    TlsContexts(const TlsContexts&) = delete;
    TlsContexts& operator=(const TlsContexts&) = delete;

    boost::asio::ssl::context& default_context() noexcept { return *contexts_.front(); }

private:
    static int on_server_name(SSL* ssl, int* alert, void* self);
    std::vector<std::unique_ptr<boost::asio::ssl::context>> contexts_;
};

// The current set, swapped whole on reload.
class TlsSettings {
public:
    explicit TlsSettings(const web::ServerTLS& config)
        : config_(config), current_(std::make_shared<TlsContexts>(config.certificates)) {}

    std::shared_ptr<TlsContexts> current() const {
        std::lock_guard lock(mutex_);
        return current_;
    }
    void reload() {
        auto fresh = std::make_shared<TlsContexts>(config_.certificates);  // throws before anything changes
        std::lock_guard lock(mutex_);
        current_ = std::move(fresh);
    }
    std::chrono::milliseconds handshake_timeout() const noexcept { return config_.handshake_timeout; }

private:
    const web::ServerTLS config_;
    mutable std::mutex mutex_;
    std::shared_ptr<TlsContexts> current_;
};

}  // namespace asiohttp::detail

// The client's errors, as aiohttp's: one base, ClientError, and a type per
// way a request fails, each with a short kind() for logs and tools.
#pragma once

#include <chrono>
#include <stdexcept>
#include <string>
#include <string_view>

#include "asiohttp/multidict.hpp"

namespace asiohttp {

class ClientError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
    // "invalid_url", "connection", "timeout", "tls", "http", "payload", "closed".
    virtual std::string_view kind() const noexcept { return "client"; }
};

// Not a URL we can fetch: malformed, or a scheme other than http(s)/ws(s).
class InvalidURL : public ClientError {
public:
    using ClientError::ClientError;
    std::string_view kind() const noexcept override { return "invalid_url"; }
};

// Could not connect or lost the connection: refused, DNS failure, reset.
class ClientConnectionError : public ClientError {
public:
    using ClientError::ClientError;
    std::string_view kind() const noexcept override { return "connection"; }
};

// Connecting failed (connection refused, no such host): the request was never sent.
class ClientConnectorError : public ClientConnectionError {
public:
    using ClientConnectionError::ClientConnectionError;
};

// The server closed the connection before a complete response.
class ServerDisconnectedError : public ClientConnectionError {
public:
    using ClientConnectionError::ClientConnectionError;
};

// The TLS handshake failed, certificate verification included.
class ClientSSLError : public ClientConnectorError {
public:
    using ClientConnectorError::ClientConnectorError;
    std::string_view kind() const noexcept override { return "tls"; }
};

// One of ClientTimeout's limits passed; which() says which one.
class ClientTimeoutError : public ClientError {
public:
    enum class Which { total, connect, sock_connect, sock_read };
    ClientTimeoutError(Which which, std::chrono::milliseconds limit, const std::string& during);
    Which which() const noexcept { return which_; }
    std::string_view kind() const noexcept override { return "timeout"; }

private:
    Which which_;
};

// The response was malformed, or larger than the session allows.
class ClientPayloadError : public ClientError {
public:
    using ClientError::ClientError;
    std::string_view kind() const noexcept override { return "payload"; }
};

// A 4xx/5xx under raise_for_status, or too many redirects.
class ClientResponseError : public ClientError {
public:
    ClientResponseError(int status, std::string message, std::string url);
    int status() const noexcept { return status_; }
    const std::string& message() const noexcept { return message_; }
    const std::string& url() const noexcept { return url_; }
    std::string_view kind() const noexcept override { return "http"; }

private:
    int status_;
    std::string message_;
    std::string url_;
};

class TooManyRedirects : public ClientResponseError {
public:
    using ClientResponseError::ClientResponseError;
};

// The session (or WebSocket) was used after close().
class ClientClosedError : public ClientError {
public:
    using ClientError::ClientError;
    std::string_view kind() const noexcept override { return "closed"; }
};

}  // namespace asiohttp

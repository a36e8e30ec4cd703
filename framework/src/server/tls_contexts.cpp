#include "server/tls_contexts.hpp"

#include <stdexcept>

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

namespace asiohttp::detail {

namespace ssl = boost::asio::ssl;

namespace {

// Mozilla's "intermediate" TLS 1.2 suites (forward secrecy, AEAD only); TLS 1.3 keeps OpenSSL's own.
constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

// ALPN: we speak HTTP/1.1; a client that offers only other protocols gets no ALPN answer.
int select_http11(SSL*, const unsigned char** out, unsigned char* outlen, const unsigned char* in, unsigned inlen,
                  void*) {
    static constexpr unsigned char ours[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
    unsigned char* selected = nullptr;
    if (SSL_select_next_proto(&selected, outlen, ours, sizeof ours, in, inlen) != OPENSSL_NPN_NEGOTIATED)
        return SSL_TLSEXT_ERR_NOACK;
    *out = selected;
    return SSL_TLSEXT_ERR_OK;
}

std::unique_ptr<ssl::context> load(const web::TLSCertificate& c) {
    auto ctx = std::make_unique<ssl::context>(ssl::context::tls_server);
    SSL_CTX* native = ctx->native_handle();
    SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
    SSL_CTX_set_options(native, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION);
    SSL_CTX_set_cipher_list(native, kTls12Ciphers);
    SSL_CTX_set_alpn_select_cb(native, select_http11, nullptr);
    try {
        ctx->use_certificate_chain_file(c.cert_file);
    } catch (const std::exception& e) {
        throw std::runtime_error("TLS: cannot load certificate '" + c.cert_file + "': " + e.what());
    }
    try {
        ctx->use_private_key_file(c.key_file, ssl::context::pem);
    } catch (const std::exception& e) {
        throw std::runtime_error("TLS: cannot load private key '" + c.key_file + "': " + e.what());
    }
    if (SSL_CTX_check_private_key(native) != 1)
        throw std::runtime_error("TLS: private key '" + c.key_file + "' does not match certificate '" + c.cert_file +
                                 "'");
    return ctx;
}

}  // namespace

TlsContexts::TlsContexts(const std::vector<web::TLSCertificate>& certificates) {
    if (certificates.empty()) throw std::invalid_argument("TLS: no certificate given");
    for (auto& c : certificates) contexts_.push_back(load(c));
    if (contexts_.size() > 1) {
        SSL_CTX_set_tlsext_servername_callback(default_context().native_handle(), on_server_name);
        SSL_CTX_set_tlsext_servername_arg(default_context().native_handle(), this);
    }
}

// SNI: the first certificate that covers the asked-for name serves the handshake.
int TlsContexts::on_server_name(SSL* ssl, int*, void* self) {
    const char* name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
    if (!name) return SSL_TLSEXT_ERR_OK;
    for (auto& ctx : static_cast<TlsContexts*>(self)->contexts_) {
        X509* leaf = SSL_CTX_get0_certificate(ctx->native_handle());
        if (leaf && X509_check_host(leaf, name, 0, 0, nullptr) == 1) {
            SSL_set_SSL_CTX(ssl, ctx->native_handle());
            break;
        }
    }
    return SSL_TLSEXT_ERR_OK;
}

}  // namespace asiohttp::detail

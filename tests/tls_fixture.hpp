// A TLS test server: a self-signed certificate made at run time (for
// "localhost" and 127.0.0.1) and a small HTTPS responder on 127.0.0.1.
#pragma once

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <asiohttp/server.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

struct TestCertificate {
    std::string cert_pem, key_pem;

    static TestCertificate make(const char* subject_alt_names = "DNS:localhost,IP:127.0.0.1") {
        EVP_PKEY* key = EVP_EC_gen("P-256");
        X509* x = X509_new();
        X509_set_version(x, 2);
        ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
        X509_gmtime_adj(X509_getm_notBefore(x), -3600);
        X509_gmtime_adj(X509_getm_notAfter(x), 24 * 3600);
        X509_set_pubkey(x, key);
        X509_NAME* name = X509_get_subject_name(x);
        X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("asiohttp test"), -1,
                                   -1, 0);
        X509_set_issuer_name(x, name);
        X509V3_CTX ctx;
        X509V3_set_ctx_nodb(&ctx);
        X509V3_set_ctx(&ctx, x, x, nullptr, nullptr, 0);
        for (auto [nid, value] : {std::pair{NID_subject_alt_name, subject_alt_names},
                                  std::pair{NID_basic_constraints, "critical,CA:TRUE"}}) {
            X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
            X509_add_ext(x, ext, -1);
            X509_EXTENSION_free(ext);
        }
        X509_sign(x, key, EVP_sha256());
        TestCertificate c;
        BIO* bio = BIO_new(BIO_s_mem());
        PEM_write_bio_X509(bio, x);
        c.cert_pem = drain(bio);
        PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
        c.key_pem = drain(bio);
        BIO_free(bio);
        X509_free(x);
        EVP_PKEY_free(key);
        return c;
    }

    // Writes the certificate to a file (the client's ca_file, the server's cert_file).
    std::string write_cert(const std::string& name) const { return write(name, cert_pem); }
    // Writes the private key to a file (the server's key_file).
    std::string write_key(const std::string& name) const { return write(name + "-key", key_pem); }

private:
    static std::string write(const std::string& name, const std::string& pem) {
        auto path = std::filesystem::temp_directory_path() / (name + "-" + std::to_string(::getpid()) + ".pem");
        std::ofstream(path) << pem;
        return path.string();
    }
    static std::string drain(BIO* bio) {
        char* data = nullptr;
        auto n = BIO_get_mem_data(bio, &data);
        std::string out(data, std::size_t(n));
        (void)BIO_reset(bio);
        return out;
    }
};

// A certificate and its files, removed at the end of the test.
struct CertFiles {
    TestCertificate cert;
    std::string cert_file, key_file;
    explicit CertFiles(const std::string& name, const char* names = "DNS:localhost,IP:127.0.0.1")
        : cert(TestCertificate::make(names)), cert_file(cert.write_cert(name)), key_file(cert.write_key(name)) {}
    ~CertFiles() {
        std::filesystem::remove(cert_file);
        std::filesystem::remove(key_file);
    }
    asiohttp::web::TLSCertificate files() const { return {cert_file, key_file}; }
};

// Answers every HTTPS request with 200 "tls ok <target>", keeping connections alive.
class TlsTestServer {
public:
    explicit TlsTestServer(const TestCertificate& cert) : ctx_(boost::asio::ssl::context::tls_server) {
        ctx_.use_certificate_chain(boost::asio::buffer(cert.cert_pem));
        ctx_.use_private_key(boost::asio::buffer(cert.key_pem), boost::asio::ssl::context::pem);
        acceptor_.open(boost::asio::ip::tcp::v4());
        acceptor_.bind({boost::asio::ip::make_address("127.0.0.1"), 0});
        acceptor_.listen();
        boost::asio::co_spawn(ioc_, accept_loop(), boost::asio::detached);
        thread_ = std::thread([this] { ioc_.run(); });
    }
    ~TlsTestServer() {
        ioc_.stop();
        thread_.join();
    }
    std::uint16_t port() const { return acceptor_.local_endpoint().port(); }

private:
    boost::asio::awaitable<void> accept_loop() {
        for (;;) {
            auto socket = co_await acceptor_.async_accept(boost::asio::use_awaitable);
            boost::asio::co_spawn(ioc_, serve(std::move(socket)), boost::asio::detached);
        }
    }
    boost::asio::awaitable<void> serve(boost::asio::ip::tcp::socket socket) {
        namespace http = boost::beast::http;
        boost::asio::ssl::stream<boost::asio::ip::tcp::socket> s(std::move(socket), ctx_);
        co_await s.async_handshake(boost::asio::ssl::stream_base::server, boost::asio::use_awaitable);
        boost::beast::flat_buffer buffer;
        for (;;) {
            http::request<http::string_body> req;
            co_await http::async_read(s, buffer, req, boost::asio::use_awaitable);
            http::response<http::string_body> res(http::status::ok, 11);
            res.body() = "tls ok " + std::string(req.target());
            res.prepare_payload();
            co_await http::async_write(s, res, boost::asio::use_awaitable);
        }
    }

    boost::asio::io_context ioc_;
    boost::asio::ssl::context ctx_;
    boost::asio::ip::tcp::acceptor acceptor_{ioc_};
    std::thread thread_;
};

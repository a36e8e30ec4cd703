// What a statement returned (library target asiohttp::pg):
//
//   auto rows = co_await pool.query("select id, title from notes where id > $1", 10);
//   for (const auto& row : rows) use(row[0].as<std::int64_t>(), row["title"].as<std::string>());
//
// Values arrive as PostgreSQL's text and convert with libpqxx's string
// conversions (as<T>), so every type libpqxx converts works here. A row or
// field keeps its result alive: each may outlive the Result it came from.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include <pqxx/strconv>

struct pg_result;  // libpq's PGresult

namespace asiohttp::pg {

namespace detail {
using ResultData = std::shared_ptr<const pg_result>;
}

class Field {
public:
    Field(detail::ResultData data, int row, int column) : data_(std::move(data)), row_(row), column_(column) {}

    bool is_null() const;
    // The text PostgreSQL sent ("" for null).
    const char* c_str() const;
    std::string_view view() const;
    std::string_view name() const;

    // The value as T; a null throws std::domain_error.
    template <class T>
    T as() const {
        if (is_null()) null_error();
        T out;
        pqxx::string_traits<T>::from_string(c_str(), out);
        return out;
    }
    // The value as T, or nullopt for null.
    template <class T>
    std::optional<T> get() const {
        if (is_null()) return std::nullopt;
        return as<T>();
    }

private:
    [[noreturn]] void null_error() const;

    detail::ResultData data_;
    int row_, column_;
};

class Row {
public:
    Row(detail::ResultData data, int row) : data_(std::move(data)), row_(row) {}

    std::size_t size() const;
    Field operator[](int column) const { return Field(data_, row_, column); }
    // By column name; an unknown name throws std::out_of_range.
    Field operator[](std::string_view name) const;
    Field operator[](const char* name) const { return (*this)[std::string_view(name)]; }

private:
    detail::ResultData data_;
    int row_;
};

class Result {
public:
    Result() = default;
    explicit Result(detail::ResultData data) : data_(std::move(data)) {}

    std::size_t size() const;
    bool empty() const { return size() == 0; }
    std::size_t columns() const;
    // Rows an INSERT, UPDATE or DELETE touched.
    std::size_t affected_rows() const;
    Row operator[](std::size_t row) const { return Row(data_, static_cast<int>(row)); }

    class const_iterator {
    public:
        using value_type = Row;
        using difference_type = std::ptrdiff_t;
        const_iterator() = default;
        const_iterator(const Result* r, std::size_t i) : result_(r), i_(i) {}
        Row operator*() const { return (*result_)[i_]; }
        const_iterator& operator++() { ++i_; return *this; }
        const_iterator operator++(int) { auto old = *this; ++i_; return old; }
        bool operator==(const const_iterator& o) const { return i_ == o.i_; }

    private:
        const Result* result_ = nullptr;
        std::size_t i_ = 0;
    };
    const_iterator begin() const { return {this, 0}; }
    const_iterator end() const { return {this, size()}; }

private:
    detail::ResultData data_;
};

}  // namespace asiohttp::pg

#include <libpq-fe.h>

#include "asiohttp/pg_result.hpp"

namespace asiohttp::pg {

namespace {
PGresult* raw(const detail::ResultData& d) { return const_cast<PGresult*>(d.get()); }
}  // namespace

bool Field::is_null() const { return PQgetisnull(raw(data_), row_, column_) != 0; }
const char* Field::c_str() const { return PQgetvalue(raw(data_), row_, column_); }
std::string_view Field::view() const {
    return {PQgetvalue(raw(data_), row_, column_), static_cast<std::size_t>(PQgetlength(raw(data_), row_, column_))};
}
std::string_view Field::name() const {
    const char* n = PQfname(raw(data_), column_);
    return n ? n : "";
}
void Field::null_error() const {
    throw std::domain_error("pg: column \"" + std::string(name()) + "\" is null in row " + std::to_string(row_));
}

std::size_t Row::size() const { return static_cast<std::size_t>(PQnfields(raw(data_))); }

Field Row::operator[](std::string_view name) const {
    const int column = PQfnumber(raw(data_), std::string(name).c_str());
    if (column < 0) throw std::out_of_range("pg: no column \"" + std::string(name) + "\"");
    return Field(data_, row_, column);
}

std::size_t Result::size() const { return data_ ? static_cast<std::size_t>(PQntuples(raw(data_))) : 0; }
std::size_t Result::columns() const { return data_ ? static_cast<std::size_t>(PQnfields(raw(data_))) : 0; }
std::size_t Result::affected_rows() const {
    if (!data_) return 0;
    const char* n = PQcmdTuples(raw(data_));
    return n && *n ? std::stoul(n) : 0;
}

}  // namespace asiohttp::pg

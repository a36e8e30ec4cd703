#include "base/http_date.hpp"

#include <cstdio>
#include <cstring>

namespace asiohttp::detail {
namespace {
constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
}  // namespace

std::string format_http_date(std::time_t t) {
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d GMT", kDays[tm.tm_wday], tm.tm_mday,
                  kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
    return buf;
}

std::optional<std::time_t> parse_http_date(std::string_view s) {
    // Only IMF-fixdate, which is what every current client sends.
    if (s.size() != 29 || !s.ends_with(" GMT")) return std::nullopt;  // sscanf does not check what follows %d
    std::string str(s);
    char wday[4], mon[4];
    std::tm tm{};
    if (std::sscanf(str.c_str(), "%3s, %2d %3s %4d %2d:%2d:%2d GMT", wday, &tm.tm_mday, mon, &tm.tm_year,
                    &tm.tm_hour, &tm.tm_min, &tm.tm_sec) != 7)
        return std::nullopt;
    tm.tm_mon = -1;
    for (int i = 0; i < 12; ++i)
        if (std::strcmp(mon, kMonths[i]) == 0) tm.tm_mon = i;
    // RFC 6265 §5.1.1's bounds (a year before 1601 is no date), a second for a leap one.
    if (tm.tm_mon < 0 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_year < 1601 || tm.tm_hour > 23 ||
        tm.tm_min > 59 || tm.tm_sec > 60 || tm.tm_hour < 0 || tm.tm_min < 0 || tm.tm_sec < 0)
        return std::nullopt;
    tm.tm_year -= 1900;
    return timegm(&tm);
}

std::string_view current_http_date() {
    thread_local std::time_t cached_second = 0;
    thread_local std::string cached;
    std::time_t now = std::time(nullptr);
    if (now != cached_second) {
        cached = format_http_date(now);
        cached_second = now;
    }
    return cached;
}

}  // namespace asiohttp::detail

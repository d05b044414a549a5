// Dates and times for people, formatted by ICU in the reader's locale and time zone.
#pragma once

#include <cstdint>
#include <string>

namespace tandem {

// e.g. "21 de noviembre de 2026, 17:02" (es) or "November 21, 2026 at 5:02 PM" (en). `time_zone`
// is an IANA id ("Europe/Madrid"); empty or unknown means the machine's own.
std::string format_date_time(std::int64_t ms_since_epoch, const std::string& locale, const std::string& time_zone = "");

// How long ago, e.g. "5 minutes ago", "hace 2 días", "昨日".
std::string format_relative(std::int64_t ms_since_epoch, std::int64_t now_ms, const std::string& locale);

// Whether ICU knows this IANA time zone id.
bool is_time_zone(const std::string& time_zone);

}  // namespace tandem

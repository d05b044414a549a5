// Dates and times for people, formatted by ICU in the viewer's locale and the machine's time zone.
#pragma once

#include <cstdint>
#include <string>

namespace tandem {

// e.g. "21 de noviembre de 2026, 17:02" (es) or "November 21, 2026 at 5:02 PM" (en).
std::string format_date_time(std::int64_t ms_since_epoch, const std::string& locale);

}  // namespace tandem

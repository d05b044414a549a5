#include "i18n/formats.h"

#include <cmath>
#include <memory>

#include <unicode/datefmt.h>
#include <unicode/reldatefmt.h>
#include <unicode/timezone.h>

namespace tandem {
namespace {

icu::Locale icu_locale(const std::string& tag) {
  UErrorCode status = U_ZERO_ERROR;
  icu::Locale where = icu::Locale::forLanguageTag(tag, status);
  return U_SUCCESS(status) ? where : icu::Locale::getEnglish();
}

std::string utf8(const icu::UnicodeString& s) {
  std::string out;
  s.toUTF8String(out);
  return out;
}

}  // namespace

bool is_time_zone(const std::string& time_zone) {
  if (time_zone.empty() || time_zone.size() > 64) return false;
  std::unique_ptr<icu::TimeZone> zone(icu::TimeZone::createTimeZone(icu::UnicodeString::fromUTF8(time_zone)));
  return zone && *zone != icu::TimeZone::getUnknown();
}

std::string format_date_time(std::int64_t ms_since_epoch, const std::string& locale, const std::string& time_zone) {
  std::unique_ptr<icu::DateFormat> format(
      icu::DateFormat::createDateTimeInstance(icu::DateFormat::kLong, icu::DateFormat::kShort, icu_locale(locale)));
  if (!format) return std::string();
  if (is_time_zone(time_zone)) format->adoptTimeZone(icu::TimeZone::createTimeZone(icu::UnicodeString::fromUTF8(time_zone)));
  icu::UnicodeString text;
  format->format(static_cast<UDate>(ms_since_epoch), text);
  return utf8(text);
}

std::string format_relative(std::int64_t ms_since_epoch, std::int64_t now_ms, const std::string& locale) {
  UErrorCode status = U_ZERO_ERROR;
  icu::RelativeDateTimeFormatter format(icu_locale(locale), status);
  if (U_FAILURE(status)) return std::string();
  double seconds = static_cast<double>(ms_since_epoch - now_ms) / 1000.0;
  double size = std::fabs(seconds);
  URelativeDateTimeUnit unit = UDAT_REL_UNIT_SECOND;
  double amount = seconds;
  if (size >= 86400 * 365) unit = UDAT_REL_UNIT_YEAR, amount = seconds / (86400 * 365);
  else if (size >= 86400 * 30) unit = UDAT_REL_UNIT_MONTH, amount = seconds / (86400 * 30);
  else if (size >= 86400 * 7) unit = UDAT_REL_UNIT_WEEK, amount = seconds / (86400 * 7);
  else if (size >= 86400) unit = UDAT_REL_UNIT_DAY, amount = seconds / 86400;
  else if (size >= 3600) unit = UDAT_REL_UNIT_HOUR, amount = seconds / 3600;
  else if (size >= 60) unit = UDAT_REL_UNIT_MINUTE, amount = seconds / 60;
  icu::UnicodeString text;
  // Whole units, as people say them ("2 days ago", and "yesterday" where a language has a word).
  format.format(std::trunc(amount), unit, text, status);
  return U_SUCCESS(status) ? utf8(text) : std::string();
}

}  // namespace tandem

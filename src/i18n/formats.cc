#include "i18n/formats.h"

#include <memory>

#include <unicode/datefmt.h>

namespace tandem {

std::string format_date_time(std::int64_t ms_since_epoch, const std::string& locale) {
  UErrorCode status = U_ZERO_ERROR;
  icu::Locale where = icu::Locale::forLanguageTag(locale, status);
  if (U_FAILURE(status)) where = icu::Locale::getEnglish();
  std::unique_ptr<icu::DateFormat> format(
      icu::DateFormat::createDateTimeInstance(icu::DateFormat::kLong, icu::DateFormat::kShort, where));
  if (!format) return std::string();
  icu::UnicodeString text;
  format->format(static_cast<UDate>(ms_since_epoch), text);
  std::string out;
  text.toUTF8String(out);
  return out;
}

}  // namespace tandem

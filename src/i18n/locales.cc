#include "i18n/locales.h"

#include <unicode/localematcher.h>

namespace tandem {

struct LocaleNegotiator::Matcher {
  icu::LocaleMatcher icu;
};

LocaleNegotiator::LocaleNegotiator(std::vector<std::string> supported) : supported_(std::move(supported)) {
  UErrorCode status = U_ZERO_ERROR;
  icu::LocaleMatcher::Builder builder;
  std::vector<icu::Locale> locales;
  for (const auto& tag : supported_) {
    UErrorCode tag_status = U_ZERO_ERROR;
    icu::Locale locale = icu::Locale::forLanguageTag(tag, tag_status);
    if (U_SUCCESS(tag_status)) builder.addSupportedLocale(locale);
    if (locales.empty() && U_SUCCESS(tag_status)) builder.setDefaultLocale(&locale);
    locales.push_back(locale);
  }
  matcher_ = std::make_unique<Matcher>(Matcher{builder.build(status)});
}

LocaleNegotiator::~LocaleNegotiator() = default;

namespace {
std::string tag_of(const icu::Locale* locale, const std::vector<std::string>& supported) {
  if (!locale) return supported.empty() ? "en" : supported.front();
  UErrorCode status = U_ZERO_ERROR;
  std::string tag = locale->toLanguageTag<std::string>(status);
  if (U_FAILURE(status)) return supported.front();
  return tag;
}
}  // namespace

std::string LocaleNegotiator::from_accept_language(std::string_view header) const {
  if (header.empty() || header.size() > 1024) return supported_.front();
  UErrorCode status = U_ZERO_ERROR;
  const icu::Locale* best = matcher_->icu.getBestMatchForListString(icu::StringPiece(header.data(), header.size()), status);
  if (U_FAILURE(status)) return supported_.front();
  return tag_of(best, supported_);
}

std::string LocaleNegotiator::from_tag(std::string_view tag) const {
  if (tag.empty() || tag.size() > 64) return supported_.front();
  UErrorCode status = U_ZERO_ERROR;
  icu::Locale desired = icu::Locale::forLanguageTag(icu::StringPiece(tag.data(), tag.size()), status);
  if (U_FAILURE(status) || desired.isBogus()) return supported_.front();
  const icu::Locale* best = matcher_->icu.getBestMatch(desired, status);
  if (U_FAILURE(status)) return supported_.front();
  return tag_of(best, supported_);
}

std::string LocaleNegotiator::direction(const std::string& tag) {
  UErrorCode status = U_ZERO_ERROR;
  icu::Locale locale = icu::Locale::forLanguageTag(tag, status);
  return U_SUCCESS(status) && locale.isRightToLeft() ? "rtl" : "ltr";
}

}  // namespace tandem

#include "i18n/locales.h"

#include <algorithm>
#include <cstdlib>
#include <unordered_map>

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

namespace {

// Language and script, with the script filled in from likely subtags (zh-TW → zh + Hant).
std::pair<std::string, std::string> language_and_script(icu::Locale locale) {
  UErrorCode status = U_ZERO_ERROR;
  locale.addLikelySubtags(status);
  return {locale.getLanguage(), locale.getScript()};
}

}  // namespace

std::optional<std::string> LocaleNegotiator::match(std::string_view tag) const {
  if (tag.empty() || tag.size() > 64 || tag == "*") return std::nullopt;
  UErrorCode status = U_ZERO_ERROR;
  icu::Locale desired = icu::Locale::forLanguageTag(icu::StringPiece(tag.data(), tag.size()), status);
  if (U_FAILURE(status) || desired.isBogus() || std::string(desired.getLanguage()).empty()) return std::nullopt;
  icu::LocaleMatcher::Result result = matcher_->icu.getBestMatchResult(desired, status);
  const icu::Locale* best = result.getSupportedLocale();
  if (U_FAILURE(status) || !best || result.getSupportedIndex() < 0) return std::nullopt;
  if (language_and_script(desired) != language_and_script(*best)) return std::nullopt;
  return tag_of(best, supported_);
}

std::string LocaleNegotiator::from_accept_language(std::string_view header) const {
  if (header.empty() || header.size() > 1024) return supported_.front();
  // "es-MX,es;q=0.9,en;q=0.5": tags by descending q (q=0 means "not this one"), ties in order.
  std::vector<std::pair<double, std::string>> wanted;
  std::size_t start = 0;
  while (start <= header.size()) {
    std::size_t comma = header.find(',', start);
    std::string item(header.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start));
    start = comma == std::string_view::npos ? header.size() + 1 : comma + 1;
    std::string tag = item.substr(0, item.find(';'));
    tag.erase(0, tag.find_first_not_of(" \t"));
    tag.erase(tag.find_last_not_of(" \t") + 1);
    double q = 1.0;
    if (auto at = item.find(";q="); at != std::string::npos) {
      char* end = nullptr;
      q = std::strtod(item.c_str() + at + 3, &end);
      if (end == item.c_str() + at + 3 || !(q >= 0 && q <= 1)) continue;
    }
    if (q > 0 && !tag.empty()) wanted.emplace_back(q, tag);
  }
  std::stable_sort(wanted.begin(), wanted.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  for (const auto& [q, tag] : wanted)
    if (auto found = match(tag)) return *found;
  return supported_.front();
}

std::string LocaleNegotiator::from_tag(std::string_view tag) const { return match(tag).value_or(supported_.front()); }

std::string LocaleNegotiator::direction(const std::string& tag) {
  // Asked for on every view: remembered per thread (a handful of tags), not parsed each time.
  thread_local std::unordered_map<std::string, bool> right_to_left;
  auto known = right_to_left.find(tag);
  if (known == right_to_left.end()) {
    if (right_to_left.size() >= 64) right_to_left.clear();  // only ever a few: bounded all the same
    UErrorCode status = U_ZERO_ERROR;
    icu::Locale locale = icu::Locale::forLanguageTag(tag, status);
    known = right_to_left.emplace(tag, U_SUCCESS(status) && locale.isRightToLeft()).first;
  }
  return known->second ? "rtl" : "ltr";
}

}  // namespace tandem

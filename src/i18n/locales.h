// Locale negotiation with ICU's LocaleMatcher: Accept-Language or a partner's choice → one of the
// locales Tandem has catalogs for.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace tandem {

class LocaleNegotiator {
 public:
  // `supported` are BCP 47 tags; the first is the default when nothing matches.
  explicit LocaleNegotiator(std::vector<std::string> supported);
  ~LocaleNegotiator();
  LocaleNegotiator(const LocaleNegotiator&) = delete;
  LocaleNegotiator& operator=(const LocaleNegotiator&) = delete;

  // Best supported locale for an Accept-Language header ("es-MX,es;q=0.9,en;q=0.5"); the default
  // for an empty, "*" or unreadable header.
  std::string from_accept_language(std::string_view header) const;
  // Best supported locale for one tag ("es-AR" → "es"); the default when none is close.
  std::string from_tag(std::string_view tag) const;

  const std::vector<std::string>& supported() const { return supported_; }

  // "rtl" for right-to-left scripts (ar, he, fa, ur…), else "ltr".
  static std::string direction(const std::string& tag);

 private:
  std::vector<std::string> supported_;
  struct Matcher;  // wraps icu::LocaleMatcher, so ICU stays out of this header
  std::unique_ptr<Matcher> matcher_;
};

}  // namespace tandem

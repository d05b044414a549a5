// Locale negotiation with ICU's LocaleMatcher: Accept-Language or a partner's choice → one of the
// locales Tandem has catalogs for.
#pragma once

#include <memory>
#include <optional>
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

  // Best supported locale for an Accept-Language header ("es-MX,es;q=0.9,en;q=0.5"), taking the
  // listed languages in order of preference; the default for an empty, "*" or unreadable header.
  // A match must be the same language in the same script: pt-PT gets pt-BR, but uk never gets
  // ru and zh-TW (Traditional) never gets zh-Hans (Simplified).
  std::string from_accept_language(std::string_view header) const;
  // Best supported locale for one tag ("es-AR" → "es"); the default when none is close.
  std::string from_tag(std::string_view tag) const;

  const std::vector<std::string>& supported() const { return supported_; }

  // The supported locale for one tag, if there is one of the same language and script.
  std::optional<std::string> match(std::string_view tag) const;

  // "rtl" for right-to-left scripts (ar, he, fa, ur…), else "ltr".
  static std::string direction(const std::string& tag);

 private:
  std::vector<std::string> supported_;
  struct Matcher;  // wraps icu::LocaleMatcher, so ICU stays out of this header
  std::unique_ptr<Matcher> matcher_;
};

}  // namespace tandem

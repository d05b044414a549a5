#include "i18n/message_check.h"

#include <memory>

#include <unicode/messagepattern.h>
#include <unicode/plurrule.h>
#include <unicode/strenum.h>

namespace tandem {
namespace {

std::string utf8(const icu::UnicodeString& s) {
  std::string out;
  s.toUTF8String(out);
  return out;
}

std::string kind_name(UMessagePatternArgType type) {
  switch (type) {
    case UMSGPAT_ARG_TYPE_NONE: return "simple";
    case UMSGPAT_ARG_TYPE_SIMPLE: return "formatted";  // {n, number}, {d, date}, …
    case UMSGPAT_ARG_TYPE_CHOICE: return "choice";
    case UMSGPAT_ARG_TYPE_PLURAL: return "plural";
    case UMSGPAT_ARG_TYPE_SELECT: return "select";
    case UMSGPAT_ARG_TYPE_SELECTORDINAL: return "selectordinal";
  }
  return "simple";
}

std::string join(const std::set<std::string>& items) {
  std::string out;
  std::size_t i = 0;
  for (const auto& item : items) {
    if (i) out += ++i == items.size() ? " and " : ", ";
    else ++i;
    out += "\"" + item + "\"";
  }
  return out;
}

}  // namespace

std::map<std::string, ArgumentUse> describe_arguments(const std::string& pattern) {
  std::map<std::string, ArgumentUse> out;
  UErrorCode status = U_ZERO_ERROR;
  UParseError parse_error{};
  icu::MessagePattern parsed(icu::UnicodeString::fromUTF8(pattern), &parse_error, status);
  if (U_FAILURE(status)) return out;
  for (int32_t i = 0; i < parsed.countParts(); ++i) {
    const icu::MessagePattern::Part& start = parsed.getPart(i);
    if (start.getType() != UMSGPAT_PART_TYPE_ARG_START) continue;
    const icu::MessagePattern::Part& name = parsed.getPart(i + 1);
    ArgumentUse& use = out[utf8(parsed.getSubstring(name))];
    use.kind = kind_name(start.getArgType());
    bool keyed = start.getArgType() == UMSGPAT_ARG_TYPE_PLURAL || start.getArgType() == UMSGPAT_ARG_TYPE_SELECT ||
                 start.getArgType() == UMSGPAT_ARG_TYPE_SELECTORDINAL;
    if (!keyed) continue;
    // Selectors at this argument's own level; nested messages are skipped whole.
    int32_t limit = parsed.getLimitPartIndex(i);
    for (int32_t j = i + 2; j < limit; ++j) {
      const icu::MessagePattern::Part& part = parsed.getPart(j);
      if (part.getType() == UMSGPAT_PART_TYPE_ARG_SELECTOR) {
        std::string keyword = utf8(parsed.getSubstring(part));
        if (!keyword.starts_with("=")) use.categories.insert(keyword);
      } else if (part.getType() == UMSGPAT_PART_TYPE_MSG_START) {
        j = parsed.getLimitPartIndex(j);
      }
    }
  }
  return out;
}

std::set<std::string> plural_categories(const std::string& locale) {
  std::set<std::string> out;
  UErrorCode status = U_ZERO_ERROR;
  icu::Locale where = icu::Locale::forLanguageTag(locale, status);
  std::unique_ptr<icu::PluralRules> rules(icu::PluralRules::forLocale(where, status));
  if (U_FAILURE(status) || !rules) return {"other"};
  std::unique_ptr<icu::StringEnumeration> keywords(rules->getKeywords(status));
  if (U_FAILURE(status) || !keywords) return {"other"};
  while (const icu::UnicodeString* keyword = keywords->snext(status)) out.insert(utf8(*keyword));
  return out;
}

std::vector<std::string> check_message(const std::string& locale, const std::string& pattern,
                                       const std::string& english) {
  std::vector<std::string> problems;
  {
    UErrorCode status = U_ZERO_ERROR;
    UParseError parse_error{};
    icu::MessagePattern parsed(icu::UnicodeString::fromUTF8(pattern), &parse_error, status);
    if (U_FAILURE(status)) {
      problems.push_back(std::string("is not valid ICU MessageFormat (") + u_errorName(status) + ")");
      return problems;
    }
  }
  if (pattern.empty()) problems.push_back("is empty");
  // In ICU MessageFormat an ASCII apostrophe right before a brace starts quoted text, so
  // "l'{name}" shows a literal "{name}". A typographic ’ never does.
  for (std::size_t at = pattern.find('\''); at != std::string::npos; at = pattern.find('\'', at + 1)) {
    if (at + 1 < pattern.size() && (pattern[at + 1] == '{' || pattern[at + 1] == '}')) {
      problems.push_back("an ASCII apostrophe before \"" + std::string(1, pattern[at + 1]) +
                         "\" turns what follows into plain text; write ’ instead");
      break;
    }
  }
  auto used = describe_arguments(pattern);
  std::set<std::string> required = plural_categories(locale);
  for (const auto& [name, use] : used) {
    if (use.kind != "plural") continue;
    std::set<std::string> missing, unknown;
    for (const auto& category : required)
      if (!use.categories.count(category)) missing.insert(category);
    for (const auto& category : use.categories)
      if (!required.count(category)) unknown.insert(category);
    if (!missing.empty())
      problems.push_back("the plural of {" + name + "} needs " + join(missing) + " in " + locale);
    if (!unknown.empty())
      problems.push_back("the plural of {" + name + "} has " + join(unknown) + ", which " + locale + " does not use");
  }
  if (!english.empty()) {
    auto source = describe_arguments(english);
    for (const auto& [name, use] : source) {
      auto it = used.find(name);
      if (it != used.end() && it->second.kind != use.kind)
        problems.push_back("{" + name + "} is " + use.kind + " in English but " + it->second.kind + " here");
    }
  }
  return problems;
}

}  // namespace tandem

// What `tandem lint` checks in one message, using ICU's own parser and CLDR plural rules: that it
// parses, that no apostrophe silently turns a placeholder into text, that a translation uses the
// same arguments of the same kinds as its English source, and that every plural gives each
// category the language needs (few and many in Russian, zero to many in Arabic, only other in
// Japanese).
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

namespace tandem {

struct ArgumentUse {
  std::string kind;                  // "simple", "number", "plural", "select", "selectordinal", …
  std::set<std::string> categories;  // plural/select: the keywords given (=N selectors excluded)
};

// Arguments a pattern uses, by name; empty when it does not parse.
std::map<std::string, ArgumentUse> describe_arguments(const std::string& pattern);

// CLDR plural categories of a locale ("one", "few", "many", "other", …).
std::set<std::string> plural_categories(const std::string& locale);

// Problems with one message, as sentences for lint ("" key context is added by the caller).
// `english` is empty when `pattern` is itself the English source.
std::vector<std::string> check_message(const std::string& locale, const std::string& pattern,
                                       const std::string& english);

}  // namespace tandem

// Message catalogs (ARB-style JSON, one per locale and flow plus "ui") and ICU MessageFormat
// rendering with a locale fallback chain. Catalogs are immutable once loaded; rendering is
// thread-safe (each thread keeps its own compiled formatters, since MessageFormat is not).
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "core/value.h"

namespace tandem {

class Catalogs {
 public:
  Catalogs();

  // Adds one ARB file as catalog `name` ("ui" or a flow id); its locale comes from "@@locale".
  // Every message is compiled once here: one that does not parse is left out (so English is shown
  // instead) and listed in problems(); the rest of the file still loads. Fails for a file that is
  // not a catalog at all.
  // `locale` overrides "@@locale" (lint files a catalog under its directory's locale).
  Status add_arb(std::string_view text, const std::string& name, const std::string& path, const std::string& locale = "");
  // Messages add_arb left out, as "path: "key" is not valid ICU MessageFormat (…)".
  const std::vector<std::string>& problems() const { return problems_; }
  // The keys of one catalog in the order its file lists them.
  const std::vector<std::string>* keys_in_order(const std::string& locale, const std::string& name) const;

  // The pattern for `key`, or nullptr.
  const std::string* pattern(const std::string& locale, const std::string& name, const std::string& key) const;
  // All messages of one catalog in one locale, or nullptr.
  const std::map<std::string, std::string>* messages(const std::string& locale, const std::string& name) const;
  // Locales that have at least one catalog, sorted.
  std::vector<std::string> locales() const;

  // Renders `key` for `locale`, falling back along locale_chain(locale) to English. A key missing
  // everywhere renders as an empty string (flows are checked at load time so this cannot happen
  // for them); a raw key is never shown.
  std::string render(const std::string& locale, const std::string& name, const std::string& key,
                     const Args& args) const;

  // Names of the arguments a pattern uses ({name}, {n, plural, …}); empty if it does not parse.
  static std::set<std::string> argument_names(const std::string& pattern);

  // A list for a reader of `locale`: each item is a message key of catalog `name` (or shown as
  // it is when it is not one), joined as the language joins lists ("a, b and c", "a、b和c").
  std::string render_list(const std::string& locale, const std::string& name, const List& items) const;

  // The locales tried for `locale`: itself, then its parents that write the same script, then
  // "en". pt-BR → pt → en; zh-TW → zh-Hant → en (never zh, which is Simplified); sr-Latn → en
  // (never sr, which is Cyrillic).
  static std::vector<std::string> locale_chain(const std::string& locale);
  // The same, computed once per thread and locale.
  static const std::vector<std::string>& cached_chain(const std::string& locale);

  // Adds the pseudo-locales made from the English catalogs, for testing layouts: en-XA (accented
  // and about 40% longer) and ar-XB (right to left). Only literal text changes; arguments,
  // plurals and selects stay intact.
  void add_pseudo_locales();

 private:
  std::map<std::string, std::map<std::string, std::string>> catalogs_;  // "locale/name" → key → pattern
  std::map<std::string, std::vector<std::string>> order_;                // "locale/name" → keys as listed
  std::vector<std::string> problems_;
  std::uint64_t generation_;
};

}  // namespace tandem

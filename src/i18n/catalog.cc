#include "i18n/catalog.h"

#include <atomic>
#include <memory>
#include <unordered_map>

#include <nlohmann/json.hpp>
#include <unicode/listformatter.h>
#include <unicode/messagepattern.h>
#include <unicode/msgfmt.h>
#include <unicode/unistr.h>

namespace tandem {
namespace {

std::atomic<std::uint64_t> next_generation{1};

std::string catalog_id(const std::string& locale, const std::string& name) { return locale + "/" + name; }

icu::Locale icu_locale(const std::string& tag) {
  UErrorCode status = U_ZERO_ERROR;
  icu::Locale locale = icu::Locale::forLanguageTag(tag, status);
  return U_SUCCESS(status) ? locale : icu::Locale::getEnglish();
}

std::unique_ptr<icu::MessageFormat> compile(const std::string& pattern, const std::string& locale, std::string* why) {
  UErrorCode status = U_ZERO_ERROR;
  UParseError parse_error{};
  auto format = std::make_unique<icu::MessageFormat>(icu::UnicodeString::fromUTF8(pattern), icu_locale(locale),
                                                     parse_error, status);
  if (U_FAILURE(status)) {
    if (why) *why = std::string(u_errorName(status)) + " at offset " + std::to_string(parse_error.offset);
    return nullptr;
  }
  return format;
}

// Compiled formatters of this thread, keyed by catalog generation, locale, name and key.
using FormatterCache = std::unordered_map<std::string, std::unique_ptr<icu::MessageFormat>>;
FormatterCache& thread_formatters() {
  thread_local FormatterCache cache;
  return cache;
}

}  // namespace

Catalogs::Catalogs() : generation_(next_generation++) {}

Status Catalogs::add_arb(std::string_view text, const std::string& name, const std::string& path) {
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    return make_error("internal", path + ": invalid JSON: " + std::string(e.what()));
  }
  if (!doc.is_object() || !doc.value("@@locale", nlohmann::json()).is_string())
    return make_error("internal", path + ": a catalog must be a JSON object with \"@@locale\"");
  std::string locale = doc["@@locale"].get<std::string>();
  auto& messages = catalogs_[catalog_id(locale, name)];
  for (const auto& [key, value] : doc.items()) {
    if (key.starts_with("@")) continue;
    if (!value.is_string()) return make_error("internal", path + ": \"" + key + "\" must be text");
    std::string why;
    if (!compile(value.get<std::string>(), locale, &why))
      return make_error("internal", path + ": \"" + key + "\" is not valid ICU MessageFormat (" + why + ")");
    messages[key] = value.get<std::string>();
  }
  return Ok{};
}

const std::string* Catalogs::pattern(const std::string& locale, const std::string& name, const std::string& key) const {
  auto messages = this->messages(locale, name);
  if (!messages) return nullptr;
  auto it = messages->find(key);
  return it == messages->end() ? nullptr : &it->second;
}

const std::map<std::string, std::string>* Catalogs::messages(const std::string& locale, const std::string& name) const {
  auto it = catalogs_.find(catalog_id(locale, name));
  return it == catalogs_.end() ? nullptr : &it->second;
}

std::vector<std::string> Catalogs::locales() const {
  std::vector<std::string> out;
  for (const auto& [id, messages] : catalogs_) {
    std::string locale = id.substr(0, id.find('/'));
    if (out.empty() || out.back() != locale) out.push_back(locale);
  }
  return out;
}

std::vector<std::string> Catalogs::locale_chain(const std::string& locale) {
  std::vector<std::string> chain = {locale};
  auto dash = locale.find('-');
  if (dash != std::string::npos) chain.push_back(locale.substr(0, dash));
  if (locale != "en") chain.push_back("en");
  return chain;
}

std::set<std::string> Catalogs::argument_names(const std::string& pattern) {
  std::set<std::string> names;
  UErrorCode status = U_ZERO_ERROR;
  UParseError parse_error{};
  icu::MessagePattern parsed(icu::UnicodeString::fromUTF8(pattern), &parse_error, status);
  if (U_FAILURE(status)) return names;
  for (int32_t i = 0; i < parsed.countParts(); ++i) {
    const icu::MessagePattern::Part& part = parsed.getPart(i);
    if (part.getType() != UMSGPAT_PART_TYPE_ARG_NAME) continue;
    std::string name;
    parsed.getSubstring(part).toUTF8String(name);
    names.insert(name);
  }
  return names;
}

std::string Catalogs::render_list(const std::string& locale, const std::string& name, const List& items) const {
  std::vector<icu::UnicodeString> parts;
  for (const std::string& item : items) {
    std::string text = pattern(locale, name, item) || pattern("en", name, item) ? render(locale, name, item, {}) : item;
    parts.push_back(icu::UnicodeString::fromUTF8(text));
  }
  UErrorCode status = U_ZERO_ERROR;
  std::unique_ptr<icu::ListFormatter> format(icu::ListFormatter::createInstance(icu_locale(locale), status));
  icu::UnicodeString joined;
  if (U_SUCCESS(status)) format->format(parts.data(), static_cast<int32_t>(parts.size()), joined, status);
  std::string out;
  joined.toUTF8String(out);
  return out;
}

std::string Catalogs::render(const std::string& locale, const std::string& name, const std::string& key,
                             const Args& args) const {
  for (const std::string& candidate : locale_chain(locale)) {
    const std::string* source = pattern(candidate, name, key);
    if (!source) continue;
    std::string cache_key = std::to_string(generation_) + "\x1f" + catalog_id(candidate, name) + "\x1f" + key;
    auto& cache = thread_formatters();
    auto it = cache.find(cache_key);
    if (it == cache.end()) it = cache.emplace(cache_key, compile(*source, candidate, nullptr)).first;
    if (!it->second) continue;

    std::vector<icu::UnicodeString> names;
    std::vector<icu::Formattable> values;
    names.reserve(args.size());
    values.reserve(args.size());
    for (const auto& [arg, value] : args) {
      names.push_back(icu::UnicodeString::fromUTF8(arg));
      if (is_text(value)) values.emplace_back(icu::UnicodeString::fromUTF8(std::get<std::string>(value)));
      else if (is_number(value)) values.emplace_back(static_cast<int64_t>(std::get<std::int64_t>(value)));
      else values.emplace_back(icu::UnicodeString::fromUTF8(render_list(candidate, name, std::get<List>(value))));
    }
    icu::UnicodeString result;
    UErrorCode status = U_ZERO_ERROR;
    it->second->format(names.data(), values.data(), static_cast<int32_t>(values.size()), result, status);
    if (U_FAILURE(status)) continue;
    std::string out;
    result.toUTF8String(out);
    return out;
  }
  return std::string();
}

}  // namespace tandem

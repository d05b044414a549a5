#include "i18n/catalog.h"

#include <algorithm>
#include <atomic>
#include <functional>
#include <memory>
#include <unordered_map>

#include <nlohmann/json.hpp>
#include <unicode/listformatter.h>
#include <unicode/messagepattern.h>
#include <unicode/msgfmt.h>
#include <unicode/ubidi.h>
#include <unicode/uchar.h>
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

// What this thread knows about one message in one locale: its compiled formatter (null when the
// locale lacks the message, so the miss is remembered too) and whether that locale reads right to
// left. Keyed by catalog generation, locale, catalog name and key.
struct CachedMessage {
  std::unique_ptr<icu::MessageFormat> format;
  bool rtl = false;
};
using FormatterCache = std::unordered_map<std::string, CachedMessage>;
FormatterCache& thread_formatters() {
  thread_local FormatterCache cache;
  return cache;
}

// A name or typed answer written in the other direction than the reader's language is wrapped in
// FIRST STRONG ISOLATE … POP DIRECTIONAL ISOLATE, so "Ana" inside Arabic (or Arabic inside
// English) cannot reorder the sentence around it.
icu::UnicodeString isolate(const icu::UnicodeString& text, bool reader_rtl) {
  UBiDiDirection direction = ubidi_getBaseDirection(text.getBuffer(), text.length());
  if (direction == UBIDI_NEUTRAL || (direction == UBIDI_RTL) == reader_rtl) return text;
  icu::UnicodeString out;
  out += static_cast<UChar>(0x2068);
  out += text;
  out += static_cast<UChar>(0x2069);
  return out;
}

}  // namespace

Catalogs::Catalogs() : generation_(next_generation++) {}

Status Catalogs::add_arb(std::string_view text, const std::string& name, const std::string& path,
                         const std::string& locale_override) {
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    return make_error("internal", path + ": invalid JSON: " + std::string(e.what()));
  }
  if (!doc.is_object() || !doc.value("@@locale", nlohmann::json()).is_string())
    return make_error("internal", path + ": a catalog must be a JSON object with \"@@locale\"");
  std::string locale = locale_override.empty() ? doc["@@locale"].get<std::string>() : locale_override;
  auto& messages = catalogs_[catalog_id(locale, name)];
  auto& order = order_[catalog_id(locale, name)];
  // File order matters for some catalogs (a feelings vocabulary is listed the way it is meant to
  // be read), so parse again keeping it.
  auto ordered = nlohmann::ordered_json::parse(text, nullptr, false);
  for (const auto& [key, value] : ordered.items()) {
    if (key.starts_with("@")) continue;
    if (!value.is_string()) return make_error("internal", path + ": \"" + key + "\" must be text");
    std::string why;
    if (value.get_ref<const std::string&>().empty()) continue;  // an empty translation falls back to English
    if (!compile(value.get<std::string>(), locale, &why)) {
      problems_.push_back(path + ": \"" + key + "\" is not valid ICU MessageFormat (" + why + ")");
      continue;
    }
    messages[key] = value.get<std::string>();
    order.push_back(key);
  }
  return Ok{};
}

const std::string* Catalogs::pattern(const std::string& locale, const std::string& name, const std::string& key) const {
  auto messages = this->messages(locale, name);
  if (!messages) return nullptr;
  auto it = messages->find(key);
  return it == messages->end() ? nullptr : &it->second;
}

const std::vector<std::string>* Catalogs::keys_in_order(const std::string& locale, const std::string& name) const {
  auto it = order_.find(catalog_id(locale, name));
  return it == order_.end() ? nullptr : &it->second;
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

std::vector<std::string> Catalogs::locale_chain(const std::string& locale) { return cached_chain(locale); }

const std::vector<std::string>& Catalogs::cached_chain(const std::string& locale) {
  thread_local std::unordered_map<std::string, std::vector<std::string>> cache;
  if (auto hit = cache.find(locale); hit != cache.end()) return hit->second;
  std::vector<std::string> chain = {locale};
  auto add = [&](const std::string& tag) {
    if (!tag.empty() && std::find(chain.begin(), chain.end(), tag) == chain.end()) chain.push_back(tag);
  };
  UErrorCode status = U_ZERO_ERROR;
  icu::Locale full = icu::Locale::forLanguageTag(locale, status);
  if (U_SUCCESS(status) && !full.isBogus()) {
    full.addLikelySubtags(status);
    std::string language = full.getLanguage();
    std::string script = full.getScript();
    // The bare language only if it writes the same script by default (zh is Hans, sr is Cyrl);
    // otherwise the language with its script (zh-TW → zh-Hant).
    icu::Locale bare(language.c_str());
    UErrorCode likely = U_ZERO_ERROR;
    bare.addLikelySubtags(likely);
    if (U_SUCCESS(likely) && script == bare.getScript()) add(language);
    else if (!script.empty()) add(language + "-" + script);
  }
  add("en");
  return cache.emplace(locale, std::move(chain)).first->second;
}

namespace {

// Rewrites only the literal text of a MessageFormat pattern with `change`, leaving argument
// names, types, selectors, "#" and quoting exactly as they were.
std::string rewrite_literals(const std::string& pattern, const std::function<icu::UnicodeString(const icu::UnicodeString&)>& change) {
  icu::UnicodeString source = icu::UnicodeString::fromUTF8(pattern);
  UErrorCode status = U_ZERO_ERROR;
  UParseError parse_error{};
  icu::MessagePattern parsed(source, &parse_error, status);
  if (U_FAILURE(status)) return pattern;
  icu::UnicodeString out;
  std::vector<bool> in_message;  // the innermost open part: a message body (true) or an argument
  int32_t position = 0;
  for (int32_t i = 0; i < parsed.countParts(); ++i) {
    const icu::MessagePattern::Part& part = parsed.getPart(i);
    int32_t start = part.getIndex();
    icu::UnicodeString gap = source.tempSubStringBetween(position, start);
    out += (!in_message.empty() && in_message.back()) ? change(gap) : gap;
    out += source.tempSubStringBetween(start, part.getLimit());
    position = part.getLimit();
    switch (part.getType()) {
      case UMSGPAT_PART_TYPE_MSG_START: in_message.push_back(true); break;
      case UMSGPAT_PART_TYPE_ARG_START: in_message.push_back(false); break;
      case UMSGPAT_PART_TYPE_MSG_LIMIT:
      case UMSGPAT_PART_TYPE_ARG_LIMIT:
        if (!in_message.empty()) in_message.pop_back();
        break;
      default: break;
    }
  }
  out += source.tempSubString(position);
  std::string utf8;
  out.toUTF8String(utf8);
  return utf8;
}

icu::UnicodeString accented_longer(const icu::UnicodeString& text) {
  static const icu::UnicodeString plain = icu::UnicodeString::fromUTF8("aceinosuyACEINOSUY");
  static const icu::UnicodeString fancy = icu::UnicodeString::fromUTF8("àçéîñöšûýÀÇÉÎÑÖŠÛÝ");
  icu::UnicodeString out;
  int32_t letters = 0;
  for (int32_t i = 0; i < text.length(); ++i) {
    UChar c = text.charAt(i);
    int32_t at = plain.indexOf(c);
    out += at >= 0 ? fancy.charAt(at) : c;
    if (u_isalpha(c)) ++letters;
  }
  // About 40% longer, the way German or Russian often run, so tight layouts show up in tests.
  for (int32_t i = 0; i < (letters * 2 + 4) / 5; ++i) out += static_cast<UChar>(0x00B7);
  return out;
}

icu::UnicodeString right_to_left(const icu::UnicodeString& text) {
  if (text.isEmpty()) return text;
  icu::UnicodeString out;
  out += static_cast<UChar>(0x202E);  // RIGHT-TO-LEFT OVERRIDE
  out += text;
  out += static_cast<UChar>(0x202C);  // POP DIRECTIONAL FORMATTING
  return out;
}

}  // namespace

void Catalogs::add_pseudo_locales() {
  std::map<std::string, std::map<std::string, std::string>> added;
  for (const auto& [id, messages] : catalogs_) {
    if (!id.starts_with("en/")) continue;
    std::string name = id.substr(3);
    for (const auto& [key, pattern] : messages) {
      added["en-XA/" + name][key] = "[" + rewrite_literals(pattern, accented_longer) + "]";
      added["ar-XB/" + name][key] = rewrite_literals(pattern, right_to_left);
    }
  }
  for (auto& [id, messages] : added) catalogs_[id] = std::move(messages);
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
  auto& cache = thread_formatters();
  thread_local std::string cache_key;
  for (const std::string& candidate : cached_chain(locale)) {
    cache_key.clear();
    cache_key.append(std::to_string(generation_)).append("\x1f").append(candidate).append("/").append(name).append("\x1f").append(key);
    auto it = cache.find(cache_key);
    if (it == cache.end()) {
      CachedMessage entry;
      if (const std::string* source = pattern(candidate, name, key)) {
        entry.format = compile(*source, candidate, nullptr);
        UErrorCode status = U_ZERO_ERROR;
        entry.rtl = icu::Locale::forLanguageTag(candidate, status).isRightToLeft();
      }
      it = cache.emplace(cache_key, std::move(entry)).first;
    }
    if (!it->second.format) continue;

    icu::UnicodeString names[16];
    icu::Formattable values[16];
    if (args.size() > 16) continue;  // no message takes that many arguments
    int32_t count = 0;
    for (const auto& [arg, value] : args) {
      names[count] = icu::UnicodeString::fromUTF8(arg);
      if (is_text(value)) values[count] = isolate(icu::UnicodeString::fromUTF8(std::get<std::string>(value)), it->second.rtl);
      else if (is_number(value)) values[count] = static_cast<int64_t>(std::get<std::int64_t>(value));
      else values[count] = icu::UnicodeString::fromUTF8(render_list(candidate, name, std::get<List>(value)));
      ++count;
    }
    icu::UnicodeString result;
    UErrorCode status = U_ZERO_ERROR;
    it->second.format->format(names, values, count, result, status);
    if (U_FAILURE(status)) continue;
    std::string out;
    result.toUTF8String(out);
    return out;
  }
  return std::string();
}

}  // namespace tandem

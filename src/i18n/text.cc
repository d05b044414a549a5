#include "i18n/text.h"

#include <memory>

#include <unicode/brkiter.h>
#include <unicode/ubidi.h>
#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/uscript.h>
#include <unicode/unistr.h>
#include <unicode/utf8.h>

namespace tandem {

bool is_valid_utf8(std::string_view text) {
  const auto* s = reinterpret_cast<const uint8_t*>(text.data());
  int32_t length = static_cast<int32_t>(text.size());
  if (text.size() > static_cast<std::size_t>(INT32_MAX)) return false;
  for (int32_t i = 0; i < length;) {
    UChar32 c;
    U8_NEXT(s, i, length, c);
    if (c < 0) return false;
  }
  return true;
}

namespace {
std::size_t count_graphemes(const icu::UnicodeString& text) {
  UErrorCode status = U_ZERO_ERROR;
  thread_local std::unique_ptr<icu::BreakIterator> breaker(
      icu::BreakIterator::createCharacterInstance(icu::Locale::getRoot(), status));
  if (!breaker) return static_cast<std::size_t>(text.countChar32());
  breaker->setText(text);
  std::size_t count = 0;
  for (int32_t p = breaker->next(); p != icu::BreakIterator::DONE; p = breaker->next()) ++count;
  return count;
}
}  // namespace

std::size_t grapheme_count(std::string_view text) {
  return count_graphemes(icu::UnicodeString::fromUTF8(icu::StringPiece(text.data(), text.size())));
}

std::string text_direction(std::string_view text) {
  icu::UnicodeString u = icu::UnicodeString::fromUTF8(icu::StringPiece(text.data(), text.size()));
  switch (ubidi_getBaseDirection(u.getBuffer(), u.length())) {
    case UBIDI_RTL: return "rtl";
    case UBIDI_LTR: return "ltr";
    default: return "";
  }
}

Result<std::string> clean_user_text(std::string_view raw, std::size_t max_graphemes) {
  if (!is_valid_utf8(raw)) return make_error("invalid-utf8", "the text is not valid UTF-8");
  icu::UnicodeString text = icu::UnicodeString::fromUTF8(icu::StringPiece(raw.data(), raw.size()));
  icu::UnicodeString kept;
  for (int32_t i = 0; i < text.length();) {
    UChar32 c = text.char32At(i);
    i += U16_LENGTH(c);
    if (c == '\r') {
      if (i < text.length() && text.charAt(i) == '\n') continue;
      c = '\n';
    }
    if (c != '\n' && c != '\t' && u_charType(c) == U_CONTROL_CHAR) continue;
    kept.append(c);
  }
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* nfc = icu::Normalizer2::getNFCInstance(status);
  icu::UnicodeString normalized = U_SUCCESS(status) ? nfc->normalize(kept, status) : kept;
  if (U_FAILURE(status)) normalized = kept;

  int32_t start = 0, end = normalized.length();
  while (start < end && u_isUWhiteSpace(normalized.char32At(start))) start += U16_LENGTH(normalized.char32At(start));
  while (end > start) {
    UChar32 last = normalized.char32At(end - 1);
    if (!u_isUWhiteSpace(last)) break;
    end -= U16_LENGTH(last);
  }
  icu::UnicodeString trimmed = normalized.tempSubStringBetween(start, end);
  if (trimmed.isEmpty()) return make_error("text-empty", "the text is empty");
  std::size_t graphemes = count_graphemes(trimmed);
  if (graphemes > max_graphemes) {
    return make_error("text-too-long", "the text has " + std::to_string(graphemes) + " characters; the limit is " +
                                           std::to_string(max_graphemes),
                      {{"max", static_cast<std::int64_t>(max_graphemes)}});
  }
  std::string out;
  trimmed.toUTF8String(out);
  return out;
}

std::string truncate_graphemes(std::string_view text, std::size_t max_graphemes) {
  icu::UnicodeString u = icu::UnicodeString::fromUTF8(icu::StringPiece(text.data(), static_cast<int32_t>(text.size())));
  UErrorCode status = U_ZERO_ERROR;
  std::unique_ptr<icu::BreakIterator> breaker(icu::BreakIterator::createCharacterInstance(icu::Locale::getRoot(), status));
  if (U_FAILURE(status)) return std::string(text);
  breaker->setText(u);
  int32_t end = breaker->first();
  for (std::size_t n = 0; n < max_graphemes && end != icu::BreakIterator::DONE; ++n) end = breaker->next();
  if (end == icu::BreakIterator::DONE || end >= u.length()) return std::string(text);
  std::string out;
  u.tempSubString(0, end).toUTF8String(out);
  return out + "…";
}

std::string search_fold(std::string_view text) {
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* nfd = icu::Normalizer2::getNFDInstance(status);
  const icu::Normalizer2* fold = icu::Normalizer2::getNFKCCasefoldInstance(status);
  if (U_FAILURE(status)) return std::string(text);
  icu::UnicodeString decomposed = nfd->normalize(icu::UnicodeString::fromUTF8(icu::StringPiece(text.data(), static_cast<int32_t>(text.size()))), status);
  icu::UnicodeString kept;
  UScriptCode base = USCRIPT_COMMON;
  for (int32_t i = 0; i < decomposed.length();) {
    UChar32 c = decomposed.char32At(i);
    i += U16_LENGTH(c);
    if (u_charType(c) == U_NON_SPACING_MARK) {
      if (base == USCRIPT_LATIN || base == USCRIPT_GREEK || base == USCRIPT_CYRILLIC || base == USCRIPT_ARABIC ||
          base == USCRIPT_HEBREW)
        continue;
    } else {
      base = uscript_getScript(c, &status);
    }
    kept.append(c);
  }
  icu::UnicodeString folded = fold->normalize(kept, status);
  if (U_FAILURE(status)) return std::string(text);
  std::string out;
  folded.toUTF8String(out);
  return out;
}

}  // namespace tandem

// Checks and normalizes text that people type: valid UTF-8, NFC, trimmed, length in grapheme
// clusters (what a person counts as characters, so "👩‍❤️‍👨" or "é" count once).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "core/result.h"

namespace tandem {

bool is_valid_utf8(std::string_view text);

// Number of grapheme clusters; `text` must be valid UTF-8.
std::size_t grapheme_count(std::string_view text);

// The direction a piece of typed text reads in, from its first strong character (Unicode
// bidi): "rtl" for Arabic or Hebrew, "ltr" for Latin, Cyrillic, CJK…, "" when it has none
// (digits, emoji), so a page can lay out each answer correctly whatever the page's language.
std::string text_direction(std::string_view text);

// Validates, drops control characters other than tab and newline (CR LF → LF), NFC-normalizes and
// trims. Errors: invalid-utf8, text-empty, text-too-long (args: max).
Result<std::string> clean_user_text(std::string_view raw, std::size_t max_graphemes);

// At most `max_graphemes` user-perceived characters of `text`, with "…" when shortened.
std::string truncate_graphemes(std::string_view text, std::size_t max_graphemes);

// Text as a search matches it: case, width and compatibility forms folded (NFKC_Casefold), and
// accents and vowel marks dropped after Latin, Greek, Cyrillic, Arabic and Hebrew letters, so
// "Cafe" finds "café" and "مرحبا" finds "مَرْحَبًا". Marks that change a letter in other scripts
// (Japanese dakuten, Devanagari vowel signs) are kept. `text` must be valid UTF-8.
std::string search_fold(std::string_view text);

}  // namespace tandem

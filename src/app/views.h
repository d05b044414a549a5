// What a session looks like from outside: the view for one partner, and the transcript as JSON
// and Markdown, rendered in a given locale. Shapes are documented in docs/api.md. A private
// answer only ever appears for the partner who gave it.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "app/session_service.h"

namespace tandem {

// `after`: the caller already holds the thread up to that event, so `thread` only carries the
// entries of later events (and `thread_after` says so); without it, the whole thread.
nlohmann::json render_view(const LiveSession& session, Partner viewer, const std::string& locale,
                           const Catalogs& catalogs, std::optional<std::uint64_t> after = std::nullopt);
// Who reads a transcript: their language, their time zone (IANA; empty: the machine's) and now.
struct Reader {
  std::string locale;
  std::string time_zone;
  std::int64_t now_ms = 0;
};

nlohmann::json render_transcript(const LiveSession& session, const Reader& reader, std::optional<Partner> viewer,
                                 const Catalogs& catalogs);
enum class TranscriptFormat { Markdown, Text, Html };

// The transcript as a document: Markdown, plain text, or a printable HTML page (which links
// /print.css and nothing else). Whatever a person typed is escaped for the format, so it always
// reads exactly as typed and never becomes formatting or markup.
std::string render_document(const LiveSession& session, const Reader& reader, std::optional<Partner> viewer,
                            const Catalogs& catalogs, TranscriptFormat format);

// The text of one entry for a reader of `locale`: guide and event lines are rendered from their
// message; typed answers are shown exactly as typed.
std::string entry_text(const Entry& entry, const std::string& locale, const Catalogs& catalogs);

// Whether a reader may see an entry: `viewer` sees their own private answers; no viewer, none.
inline bool shown_to(const Entry& entry, std::optional<Partner> viewer) {
  return viewer ? entry.visible_to(*viewer) : !entry.only;
}

}  // namespace tandem

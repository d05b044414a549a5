// The transcript as Markdown: what the guide said as plain paragraphs, each partner's answers
// under their name, pauses and stops in italics. Everything a person typed is escaped so it
// reads exactly as typed and never turns into formatting or markup.
#include <sstream>

#include "app/views.h"
#include "i18n/formats.h"

namespace tandem {
namespace {

std::string escape_markdown(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '\\': case '`': case '*': case '_': case '[': case ']': case '<': case '>':
      case '#': case '|': case '~':
        out += '\\';
        out += c;
        break;
      case '\n':
        out += "  \n";  // a hard line break keeps the partner's own lines
        break;
      default:
        out += c;
    }
  }
  return out;
}

}  // namespace

std::string render_markdown(const LiveSession& session, const Reader& reader, std::optional<Partner> viewer,
                            const Catalogs& catalogs) {
  const std::string& locale = reader.locale;
  const SessionState& s = session.state;
  const Flow& flow = *session.flows.root;
  std::ostringstream md;
  md << "# " << catalogs.render(locale, flow.id, flow.title, {}) << "\n\n";
  md << escape_markdown(s.info(Partner::A).name) << " · " << escape_markdown(s.info(Partner::B).name) << " — "
     << format_date_time(session.record.created_ms, locale, reader.time_zone) << "\n\n";
  for (const Entry& e : session.entries) {
    if (!shown_to(e, viewer)) continue;
    std::string text = entry_text(e, locale, catalogs);
    switch (e.kind) {
      case EntryKind::Guide:
        md << escape_markdown(text) << "\n\n";
        break;
      case EntryKind::Input:
        md << "**" << escape_markdown(s.info(*e.by).name) << ":** " << escape_markdown(text) << "\n\n";
        break;
      case EntryKind::Event:
        md << "_" << escape_markdown(text) << "_\n\n";
        break;
    }
  }
  return md.str();
}

}  // namespace tandem

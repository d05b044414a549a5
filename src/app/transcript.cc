// The transcript as a document (Markdown, plain text, printable HTML): what the guide said as
// paragraphs, each partner's answers under their name, pauses and stops set apart. Everything a
// person typed is escaped for the format, so it reads exactly as typed.
#include <sstream>

#include "app/views.h"
#include "i18n/formats.h"
#include "i18n/locales.h"

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

namespace {

std::string escape_html(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      case '\n': out += "<br>"; break;
      default: out += c;
    }
  }
  return out;
}

// Writes one transcript line by line, in one of the formats.
class Writer {
 public:
  explicit Writer(TranscriptFormat format) : format_(format) {}

  void begin(const std::string& title, const std::string& byline, const std::string& locale, const std::string& dir) {
    switch (format_) {
      case TranscriptFormat::Markdown: out_ << "# " << title << "\n\n" << byline << "\n\n"; break;
      case TranscriptFormat::Text: out_ << title << "\n" << byline << "\n\n"; break;
      case TranscriptFormat::Html:
        out_ << "<!doctype html>\n<html lang=\"" << escape_html(locale) << "\" dir=\"" << dir << "\"><head><meta charset=\"utf-8\">"
             << "<title>" << escape_html(title) << "</title><link rel=\"stylesheet\" href=\"/print.css\"></head>\n<body><main>"
             << "<h1>" << escape_html(title) << "</h1>\n<p class=\"byline\">" << escape_html(byline) << "</p>\n";
        break;
    }
  }
  void guide(const std::string& text) {
    switch (format_) {
      case TranscriptFormat::Markdown: out_ << escape_markdown(text) << "\n\n"; break;
      case TranscriptFormat::Text: out_ << text << "\n\n"; break;
      case TranscriptFormat::Html: out_ << "<p class=\"guide\">" << escape_html(text) << "</p>\n"; break;
    }
  }
  void answer(const std::string& name, const std::string& text) {
    switch (format_) {
      case TranscriptFormat::Markdown: out_ << "**" << escape_markdown(name) << ":** " << escape_markdown(text) << "\n\n"; break;
      case TranscriptFormat::Text: out_ << name << ": " << text << "\n\n"; break;
      case TranscriptFormat::Html:
        out_ << "<p class=\"answer\"><b><bdi>" << escape_html(name) << "</bdi>:</b> <span dir=\"auto\">" << escape_html(text)
             << "</span></p>\n";
        break;
    }
  }
  void event(const std::string& text) {
    switch (format_) {
      case TranscriptFormat::Markdown: out_ << "_" << escape_markdown(text) << "_\n\n"; break;
      case TranscriptFormat::Text: out_ << "(" << text << ")\n\n"; break;
      case TranscriptFormat::Html: out_ << "<p class=\"event\"><i>" << escape_html(text) << "</i></p>\n"; break;
    }
  }
  std::string finish() {
    if (format_ == TranscriptFormat::Html) out_ << "</main></body></html>\n";
    return out_.str();
  }

 private:
  TranscriptFormat format_;
  std::ostringstream out_;
};

}  // namespace

std::string render_document(const LiveSession& session, const Reader& reader, std::optional<Partner> viewer,
                            const Catalogs& catalogs, TranscriptFormat format) {
  const std::string& locale = reader.locale;
  const SessionState& s = session.state;
  const Flow& flow = *session.flows.root;
  Writer writer(format);
  std::string names = s.info(Partner::A).name + " · " + s.info(Partner::B).name;
  if (format == TranscriptFormat::Markdown) names = escape_markdown(s.info(Partner::A).name) + " · " + escape_markdown(s.info(Partner::B).name);
  writer.begin(catalogs.render(locale, flow.id, flow.title, {}),
               names + " — " + format_date_time(session.record.created_ms, locale, reader.time_zone), locale,
               LocaleNegotiator::direction(locale));
  for (const Entry& e : session.entries) {
    if (!shown_to(e, viewer)) continue;
    std::string text = entry_text(e, locale, catalogs);
    switch (e.kind) {
      case EntryKind::Guide: writer.guide(text); break;
      case EntryKind::Input: writer.answer(s.info(*e.by).name, text); break;
      case EntryKind::Event: writer.event(text); break;
    }
  }
  return writer.finish();
}

}  // namespace tandem

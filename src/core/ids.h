// Identifiers and content hashes.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace tandem {

// A new random session id: 32 lowercase hex digits (128 bits from std::random_device).
std::string new_session_id();

// True if `s` has the shape of a session id, so unknown ids can be refused before any lookup.
bool is_session_id(std::string_view s);

// 64-bit FNV-1a of `data` as 16 hex digits. Identifies content (a pinned flow version, the
// English source of a translation); it is not a security measure.
std::string content_hash(std::string_view data);

// ISO 8601 UTC with seconds, e.g. "2026-11-21T17:02:11Z".
std::string iso8601_utc(std::int64_t ms_since_epoch);

}  // namespace tandem

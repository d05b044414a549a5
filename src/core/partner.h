// The two partners of a session. Roles (speaker/listener) change during a flow; a and b never do.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>

namespace tandem {

enum class Partner { A = 0, B = 1 };

inline constexpr std::array<Partner, 2> kPartners = {Partner::A, Partner::B};

inline Partner other(Partner p) { return p == Partner::A ? Partner::B : Partner::A; }
inline int index_of(Partner p) { return static_cast<int>(p); }
inline std::string_view to_string(Partner p) { return p == Partner::A ? "a" : "b"; }

inline std::optional<Partner> parse_partner(std::string_view s) {
  if (s == "a") return Partner::A;
  if (s == "b") return Partner::B;
  return std::nullopt;
}

// Name and locale of one partner, fixed when the session starts.
struct PartnerInfo {
  std::string name;
  std::string locale;
  bool operator==(const PartnerInfo&) const = default;
};

}  // namespace tandem

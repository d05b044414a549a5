// Two devices: the first device asks for a short pairing code for one partner of one session;
// the other device opens /join with it and gets a device token (a cookie) that lets it take part
// in that session as that partner, and nothing else. Codes are single use, expire, and wrong
// guesses are rate limited, so a six-digit code cannot be guessed in its lifetime.
// Everything is in memory: a restart signs every device out (the owner gets a new address too).
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "core/partner.h"
#include "core/result.h"

namespace tandem {

struct PairingCode {
  std::string code;           // six digits
  std::string session;
  Partner partner = Partner::B;
  std::int64_t expires_ms = 0;
};

// What a joined device may do: take part in one session as one partner.
struct DeviceGrant {
  std::string session;
  Partner partner = Partner::B;
};

struct PairingLimits {
  std::int64_t code_lifetime_ms = 10 * 60 * 1000;
  int wrong_codes_per_window = 5;        // wrong guesses allowed per window, across all codes
  std::int64_t window_ms = 60 * 1000;
};

class Pairing {
 public:
  explicit Pairing(PairingLimits limits = {}) : limits_(limits) {}

  // A fresh code for `partner` of `session`; replaces any earlier code for that session.
  PairingCode issue(const std::string& session, Partner partner, std::int64_t now_ms);
  // Exchanges a code for a device token. Errors: pairing-code (wrong, used or expired) and
  // too-many-tries (more wrong guesses than the window allows; wait for it to pass).
  Result<std::string> redeem(const std::string& code, std::int64_t now_ms);

  std::optional<DeviceGrant> device(const std::string& token) const;
  // True once a device has joined as `partner` of `session`.
  bool joined(const std::string& session, Partner partner) const;
  // The code waiting to be used for `session`, if any.
  std::optional<PairingCode> outstanding(const std::string& session, std::int64_t now_ms) const;
  // Forgets codes and devices of a deleted session (or of every session).
  void forget(const std::string& session);
  void forget_all();

 private:
  PairingLimits limits_;
  mutable std::mutex mutex_;
  std::map<std::string, PairingCode> codes_;     // by code
  std::map<std::string, DeviceGrant> devices_;   // by token
  std::int64_t window_start_ms_ = 0;
  int wrong_in_window_ = 0;
};

}  // namespace tandem

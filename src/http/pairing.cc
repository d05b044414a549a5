#include "http/pairing.h"

#include <random>

#include "core/ids.h"

namespace tandem {

PairingCode Pairing::issue(const std::string& session, Partner partner, std::int64_t now_ms) {
  std::lock_guard lock(mutex_);
  std::erase_if(codes_, [&](const auto& entry) { return entry.second.session == session || entry.second.expires_ms <= now_ms; });
  std::random_device device;
  std::uniform_int_distribution<int> digits(0, 999'999);
  std::string code;
  do {
    code = std::to_string(digits(device));
    code.insert(0, 6 - code.size(), '0');
  } while (codes_.count(code));
  PairingCode issued{code, session, partner, now_ms + limits_.code_lifetime_ms};
  codes_[code] = issued;
  return issued;
}

Result<std::string> Pairing::redeem(const std::string& code, std::int64_t now_ms) {
  std::lock_guard lock(mutex_);
  if (now_ms - window_start_ms_ >= limits_.window_ms) {
    window_start_ms_ = now_ms;
    wrong_in_window_ = 0;
  }
  if (wrong_in_window_ >= limits_.wrong_codes_per_window)
    return make_error("too-many-tries", "too many wrong pairing codes; wait for the window to pass");
  auto it = codes_.find(code);
  if (it == codes_.end() || it->second.expires_ms <= now_ms) {
    ++wrong_in_window_;
    return make_error("pairing-code", "no such pairing code, or it expired");
  }
  std::string token = new_session_id() + new_session_id();
  devices_[token] = DeviceGrant{it->second.session, it->second.partner};
  codes_.erase(it);
  return token;
}

std::optional<DeviceGrant> Pairing::device(const std::string& token) const {
  std::lock_guard lock(mutex_);
  auto it = devices_.find(token);
  if (it == devices_.end()) return std::nullopt;
  return it->second;
}

bool Pairing::joined(const std::string& session, Partner partner) const {
  std::lock_guard lock(mutex_);
  for (const auto& [token, grant] : devices_)
    if (grant.session == session && grant.partner == partner) return true;
  return false;
}

std::optional<PairingCode> Pairing::outstanding(const std::string& session, std::int64_t now_ms) const {
  std::lock_guard lock(mutex_);
  for (const auto& [code, pending] : codes_)
    if (pending.session == session && pending.expires_ms > now_ms) return pending;
  return std::nullopt;
}

void Pairing::forget(const std::string& session) {
  std::lock_guard lock(mutex_);
  std::erase_if(codes_, [&](const auto& entry) { return entry.second.session == session; });
  std::erase_if(devices_, [&](const auto& entry) { return entry.second.session == session; });
}

void Pairing::forget_all() {
  std::lock_guard lock(mutex_);
  codes_.clear();
  devices_.clear();
}

}  // namespace tandem

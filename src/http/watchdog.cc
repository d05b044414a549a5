#include "http/watchdog.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <cstdlib>
#include <set>

namespace tandem {
namespace {

// The numeric address and port of a socket address, as cpp-httplib reports a peer.
std::pair<std::string, int> peer_of(const sockaddr_storage& address) {
  char text[INET6_ADDRSTRLEN] = {};
  if (address.ss_family == AF_INET) {
    const auto* v4 = reinterpret_cast<const sockaddr_in*>(&address);
    inet_ntop(AF_INET, &v4->sin_addr, text, sizeof text);
    return {text, ntohs(v4->sin_port)};
  }
  const auto* v6 = reinterpret_cast<const sockaddr_in6*>(&address);
  inet_ntop(AF_INET6, &v6->sin6_addr, text, sizeof text);
  return {text, ntohs(v6->sin6_port)};
}

int port_of(const sockaddr_storage& address) {
  if (address.ss_family == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in*>(&address)->sin_port);
  if (address.ss_family == AF_INET6) return ntohs(reinterpret_cast<const sockaddr_in6*>(&address)->sin6_port);
  return -1;
}

}  // namespace

ConnectionWatchdog::ConnectionWatchdog(int port, std::chrono::milliseconds budget, std::chrono::milliseconds scan_every)
    : port_(port), budget_(budget), scan_every_(scan_every), thread_([this] { run(); }) {}

ConnectionWatchdog::~ConnectionWatchdog() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void ConnectionWatchdog::request_started(const std::string& address, int port) {
  std::lock_guard lock(mutex_);
  auto& c = connections_[{address, port}];
  c.busy = true;
}

void ConnectionWatchdog::request_finished(const std::string& address, int port) {
  std::lock_guard lock(mutex_);
  auto& c = connections_[{address, port}];
  c.busy = false;
  c.since = std::chrono::steady_clock::now();
}

void ConnectionWatchdog::run() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    wake_.wait_for(lock, scan_every_);
    if (stopping_) break;
    lock.unlock();
    scan();
    lock.lock();
  }
}

// Walks this process's open sockets: the server's accepted connections are the ones whose local
// port is ours and that have a peer.
void ConnectionWatchdog::scan() {
  auto now = std::chrono::steady_clock::now();
  DIR* dir = ::opendir("/proc/self/fd");
  if (!dir) return;
  std::set<Peer> seen;
  while (dirent* entry = ::readdir(dir)) {
    char* end = nullptr;
    long fd = std::strtol(entry->d_name, &end, 10);
    if (end == entry->d_name || *end != '\0' || fd == ::dirfd(dir)) continue;
    struct stat st {};
    if (::fstat(static_cast<int>(fd), &st) != 0 || !S_ISSOCK(st.st_mode)) continue;
    sockaddr_storage local{}, remote{};
    socklen_t local_size = sizeof local, remote_size = sizeof remote;
    if (::getsockname(static_cast<int>(fd), reinterpret_cast<sockaddr*>(&local), &local_size) != 0) continue;
    if (port_of(local) != port_) continue;
    if (::getpeername(static_cast<int>(fd), reinterpret_cast<sockaddr*>(&remote), &remote_size) != 0) continue;  // listening
    Peer peer = peer_of(remote);
    seen.insert(peer);
    // Unread bytes mean no worker is reading this connection yet (it waits in the pool's
    // queue, its request complete): not its fault, so never cut.
    int unread = 0;
    bool waiting = ::ioctl(static_cast<int>(fd), FIONREAD, &unread) == 0 && unread > 0;
    bool overdue = false;
    {
      std::lock_guard lock(mutex_);
      auto [it, fresh] = connections_.try_emplace(peer, Connection{now, false});
      overdue = !fresh && !waiting && !it->second.busy && now - it->second.since > budget_;
      if (overdue) connections_.erase(it);
    }
    if (overdue) {
      ::shutdown(static_cast<int>(fd), SHUT_RDWR);  // the pool thread's read returns; httplib closes it
      ++cut_;
    }
  }
  ::closedir(dir);
  std::lock_guard lock(mutex_);
  // Closed connections go; one inside a handler stays until its answer is written.
  std::erase_if(connections_, [&](const auto& entry) { return !entry.second.busy && !seen.count(entry.first); });
}

}  // namespace tandem

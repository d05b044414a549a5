// The files of web/, dialogs/ and locales/ as they were when the binary was built.
#pragma once

#include <cstddef>
#include <span>
#include <string_view>

namespace tandem {

struct EmbeddedFile {
  std::string_view path;  // relative to the repository root, e.g. "web/index.html"
  const unsigned char* data;
  std::size_t size;

  std::string_view text() const { return {reinterpret_cast<const char*>(data), size}; }
};

std::span<const EmbeddedFile> embedded_files();

}  // namespace tandem

// The module: a table of functions. Context-aware (NAPI_MODULE_INIT) so that every worker
// thread can load it; it keeps no state of its own, so calls from several threads at once are
// safe as long as they do not write the same memory (the engine gives each task its own).
#include <node_api.h>

#include "kernels.h"

// Raised whenever a function's arguments change, so that a stale build is refused by the loader.
static constexpr int32_t kAbiVersion = 1;

NAPI_MODULE_INIT() {
  struct Entry {
    const char* name;
    napi_callback fn;
  };
  static const Entry entries[] = {
      {"decode", f2i::Decode},
      {"planeStats", f2i::PlaneStats},
      {"histogram", f2i::Histogram},
      {"mipmapSums", f2i::MipmapSums},
      {"mipmapMeans", f2i::MipmapMeans},
      {"zStatsOfTile", f2i::ZStatsOfTile},
      {"storeZStats", f2i::StoreZStats},
      {"swizzle", f2i::Swizzle},
      {"gatherWindow", f2i::GatherWindow},
  };
  for (const Entry& e : entries) {
    napi_value fn;
    if (napi_create_function(env, e.name, NAPI_AUTO_LENGTH, e.fn, nullptr, &fn) != napi_ok) return nullptr;
    if (napi_set_named_property(env, exports, e.name, fn) != napi_ok) return nullptr;
  }
  napi_value abi;
  if (napi_create_int32(env, kAbiVersion, &abi) != napi_ok) return nullptr;
  if (napi_set_named_property(env, exports, "abiVersion", abi) != napi_ok) return nullptr;
  return exports;
}

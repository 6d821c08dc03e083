// The addon's functions, one source file per kernel concept (as in src/kernels/). Each takes
// typed arrays and offsets, computes in place, and returns undefined (or throws on bad arguments).
#pragma once

#include <node_api.h>

namespace f2i {

napi_value Decode(napi_env env, napi_callback_info info);           // byte-order.cc
napi_value PlaneStats(napi_env env, napi_callback_info info);       // plane-stats.cc
napi_value Histogram(napi_env env, napi_callback_info info);        // histogram.cc
napi_value MipmapSums(napi_env env, napi_callback_info info);       // mipmap.cc
napi_value MipmapMeans(napi_env env, napi_callback_info info);      // mipmap.cc
napi_value ZStatsOfTile(napi_env env, napi_callback_info info);     // z-stats.cc
napi_value StoreZStats(napi_env env, napi_callback_info info);      // z-stats.cc
napi_value Swizzle(napi_env env, napi_callback_info info);          // swizzle.cc
napi_value GatherWindow(napi_env env, napi_callback_info info);     // gather.cc

}  // namespace f2i

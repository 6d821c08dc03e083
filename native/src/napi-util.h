// Reading a call's arguments for the kernels: numbers, whole numbers and typed arrays (their
// memory itself, SharedArrayBuffer or not: nothing is copied). The first bad argument throws a
// JavaScript error and marks the call failed; the binding then returns without computing.
// The TypeScript wrappers check everything first, so these checks only guard memory safety.
#pragma once

#include <node_api.h>

#include <cstddef>
#include <cstdint>

namespace f2i {

class Call {
 public:
  static constexpr size_t kMaxArgs = 16;

  Call(napi_env env, napi_callback_info info) : env_(env) {
    argc_ = kMaxArgs;
    if (napi_get_cb_info(env, info, &argc_, argv_, nullptr, nullptr) != napi_ok) fail("bad call");
  }

  napi_env env() const { return env_; }
  bool failed() const { return failed_; }

  // Throws a RangeError (only the first failure of a call throws).
  void fail(const char* message) {
    if (failed_) return;
    failed_ = true;
    napi_throw_range_error(env_, nullptr, message);
  }

  double number(size_t i) {
    double value = 0;
    if (failed_) return 0;
    if (i >= argc_ || napi_get_value_double(env_, argv_[i], &value) != napi_ok) fail("a number was expected");
    return value;
  }

  // A whole number in [0, 2^53].
  size_t index(size_t i) {
    double value = number(i);
    if (failed_) return 0;
    if (!(value >= 0 && value <= 9007199254740992.0) || value != static_cast<double>(static_cast<uint64_t>(value))) {
      fail("a non-negative whole number was expected");
      return 0;
    }
    return static_cast<size_t>(value);
  }

  bool boolean(size_t i) {
    bool value = false;
    if (failed_) return false;
    if (i >= argc_ || napi_get_value_bool(env_, argv_[i], &value) != napi_ok) fail("a boolean was expected");
    return value;
  }

  // The elements of a typed array of the given type (byteOffset applied), and their number.
  template <typename T>
  T* array(size_t i, napi_typedarray_type want, size_t* length) {
    *length = 0;
    if (failed_) return nullptr;
    bool is = false;
    if (i >= argc_ || napi_is_typedarray(env_, argv_[i], &is) != napi_ok || !is) {
      fail("a typed array was expected");
      return nullptr;
    }
    napi_typedarray_type type;
    void* data = nullptr;
    napi_value buffer;
    size_t offset = 0;
    if (napi_get_typedarray_info(env_, argv_[i], &type, length, &data, &buffer, &offset) != napi_ok || type != want) {
      fail("a typed array of another type was expected");
      *length = 0;
      return nullptr;
    }
    if (data == nullptr && *length > 0) {
      fail("the typed array has no memory (detached)");
      *length = 0;
      return nullptr;
    }
    return static_cast<T*>(data);
  }

  // Checks that [offset, offset + count) lies within [0, size).
  bool within(size_t size, size_t offset, size_t count) {
    if (failed_) return false;
    if (offset > size || count > size - offset) {
      fail("range outside the array");
      return false;
    }
    return true;
  }

 private:
  napi_env env_;
  napi_value argv_[kMaxArgs];
  size_t argc_ = 0;
  bool failed_ = false;
};

}  // namespace f2i

// The test kit under its earlier name: asiohttp/test_utils.hpp, namespace asiohttp::test_utils.
#pragma once

#include "asiohttp/test_utils.hpp"

namespace asiohttp {
namespace testing = test_utils;
}  // namespace asiohttp

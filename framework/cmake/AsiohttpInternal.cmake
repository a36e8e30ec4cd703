# Settings for the project's own targets (the libraries, and tests that reach
# into their internals); never part of what an installed target passes on.
#
# Beast is compiled once, in src/base/beast_impl.cpp: every translation unit that
# includes Beast must see BOOST_BEAST_SEPARATE_COMPILATION. Beast never appears
# in a public header, so this stays inside the project. Asio stays header-only:
# consumers include it through asiohttp/awaitable.hpp, and a program must not mix
# a separately compiled Asio with header-only Asio (its error categories are
# compared by address).
function(asiohttp_internal target)
  target_compile_definitions(${target} PRIVATE BOOST_BEAST_SEPARATE_COMPILATION BOOST_ASIO_NO_DEPRECATED)
  target_include_directories(${target} PRIVATE ${ASIOHTTP_INTERNAL_INCLUDE_DIR})
endfunction()

# One library of the package: asiohttp_<name>, exported as asiohttp::<name>,
# its public headers in <dir>/include installed beside the core's.
function(asiohttp_component name)
  cmake_parse_arguments(C "" "" "SOURCES;PUBLIC;PRIVATE" ${ARGN})
  add_library(asiohttp_${name} ${C_SOURCES})
  add_library(asiohttp::${name} ALIAS asiohttp_${name})
  set_target_properties(asiohttp_${name} PROPERTIES EXPORT_NAME ${name})
  target_include_directories(asiohttp_${name} PUBLIC
    $<BUILD_INTERFACE:${CMAKE_CURRENT_SOURCE_DIR}/include>
    $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
  target_link_libraries(asiohttp_${name} PUBLIC asiohttp ${C_PUBLIC} PRIVATE ${C_PRIVATE})
  asiohttp_internal(asiohttp_${name})
  install(TARGETS asiohttp_${name} EXPORT asiohttp_${name}Targets ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
  install(EXPORT asiohttp_${name}Targets NAMESPACE asiohttp:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/asiohttp)
  install(DIRECTORY include/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
endfunction()

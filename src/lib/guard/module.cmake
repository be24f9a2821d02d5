# SPDX-License-Identifier: Apache-2.0
# guard: zlib decodes gzip/deflate request bodies in the ICAP service.
# The library target is created after the modules are included, so the
# link is deferred to the end of this directory.
find_package(ZLIB REQUIRED)
cmake_language(DEFER CALL target_link_libraries azukari_static PUBLIC ZLIB::ZLIB)

# SPDX-License-Identifier: Apache-2.0
# guard: zlib decodes gzip/deflate request bodies in the ICAP service.
find_package(ZLIB REQUIRED)
list(APPEND AZK_LIB_LINK ZLIB::ZLIB)
list(APPEND AZK_PC_REQUIRES zlib)

# SPDX-License-Identifier: Apache-2.0
# norm: the variant-kanji folding table is generated at build time from the
# Unihan database shipped by Debian's `unicode-data` package plus the hand
# list tools/kanji_variants_names.txt (see docs/internals/NORM.md).
find_package(Python3 REQUIRED COMPONENTS Interpreter)
set(AZK_UNIHAN_DIR "/usr/share/unicode" CACHE PATH "Directory holding Unihan_*.txt.bz2 (Debian unicode-data)")
if(NOT EXISTS ${AZK_UNIHAN_DIR}/Unihan_OtherMappings.txt.bz2)
  message(FATAL_ERROR "Unihan data not found in ${AZK_UNIHAN_DIR}: install the Debian package unicode-data (tools/install-deps.sh)")
endif()
set(azk_kv_out ${CMAKE_CURRENT_BINARY_DIR}/norm/kanji_variants.c)
add_custom_command(OUTPUT ${azk_kv_out}
  COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_CURRENT_BINARY_DIR}/norm
  COMMAND ${Python3_EXECUTABLE} ${CMAKE_SOURCE_DIR}/tools/gen_kanji_variants.py
          ${AZK_UNIHAN_DIR} ${CMAKE_SOURCE_DIR}/tools/kanji_variants_names.txt ${azk_kv_out}
  DEPENDS ${CMAKE_SOURCE_DIR}/tools/gen_kanji_variants.py
          ${CMAKE_SOURCE_DIR}/tools/kanji_variants_names.txt
          ${AZK_UNIHAN_DIR}/Unihan_OtherMappings.txt.bz2 ${AZK_UNIHAN_DIR}/Unihan_Variants.txt.bz2
  COMMENT "Generating variant-kanji table from Unihan"
  VERBATIM)
list(APPEND AZK_LIB_GENERATED ${azk_kv_out})

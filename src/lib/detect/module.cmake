# SPDX-License-Identifier: Apache-2.0
# detect: generate the municipality stem list from IPAdic's place entries
# (see docs/internals/DETECT.md).
find_package(Python3 REQUIRED COMPONENTS Interpreter)
set(AZK_IPADIC_PLACE_CSV "/usr/share/mecab/dic/ipadic/Noun.place.csv"
  CACHE FILEPATH "IPAdic Noun.place.csv (EUC-JP) for the municipality list")
if(NOT EXISTS ${AZK_IPADIC_PLACE_CSV})
  message(WARNING "detect: ${AZK_IPADIC_PLACE_CSV} not found; municipality list empty")
endif()
set(_azk_places_c ${CMAKE_CURRENT_BINARY_DIR}/detect/places_gen.c)
add_custom_command(OUTPUT ${_azk_places_c}
  COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_CURRENT_BINARY_DIR}/detect
  COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_SOURCE_DIR}/detect/gen_places.py
          ${AZK_IPADIC_PLACE_CSV} ${_azk_places_c}
  DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/detect/gen_places.py
  COMMENT "Generating municipality list from IPAdic"
  VERBATIM)
list(APPEND AZK_LIB_GENERATED ${_azk_places_c})
# the stems' hash set and Bloom filter (detect/places_hash.h), built at
# build time by tools/gen_places_tab.c from that list (linked in) instead of
# in every process on the first address
azk_c_generator(azk_gen_places_tab ${CMAKE_CURRENT_BINARY_DIR}/detect/places_tab.c HS
  "Hashing the municipality stems"
  ${CMAKE_SOURCE_DIR}/tools/gen_places_tab.c ${_azk_places_c})

# names: the person-name lexicon (surnames and given names with katakana
# readings) from IPAdic's Noun.name.csv, compiled into a C table (see
# docs/internals/NAMES.md and tools/gen_names_lexicon.py).
set(AZK_IPADIC_NAME_CSV "/usr/share/mecab/dic/ipadic/Noun.name.csv" CACHE FILEPATH
  "IPAdic Noun.name.csv (EUC-JP) for the person-name lexicon")
if(NOT EXISTS ${AZK_IPADIC_NAME_CSV})
  message(FATAL_ERROR "names: ${AZK_IPADIC_NAME_CSV} not found (Debian package mecab-ipadic)")
endif()
set(_azk_names_lex_c ${CMAKE_CURRENT_BINARY_DIR}/detect/names_lex_data.c)
add_custom_command(OUTPUT ${_azk_names_lex_c}
  COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_CURRENT_BINARY_DIR}/detect
  COMMAND ${Python3_EXECUTABLE} ${CMAKE_SOURCE_DIR}/tools/gen_names_lexicon.py
          ${AZK_IPADIC_NAME_CSV} ${_azk_names_lex_c}
  DEPENDS ${CMAKE_SOURCE_DIR}/tools/gen_names_lexicon.py ${AZK_IPADIC_NAME_CSV}
  COMMENT "Generating person-name lexicon from IPAdic"
  VERBATIM)
add_custom_target(azk_names_lexicon DEPENDS ${_azk_names_lex_c})
list(APPEND AZK_LIB_GENERATED ${_azk_names_lex_c})
list(APPEND AZK_LIB_DEPS azk_names_lexicon)

# the built-in Vectorscan database, compiled and serialized at build time by
# tools/gen_hsdb.c from the pattern list of detect_patterns.c (the one
# definition of the patterns, linked into the generator): the library
# deserializes it instead of compiling it in every process, and compiles
# when the running Vectorscan or CPU differs (detect.c, azk_detect__builtin_db).
azk_c_generator(azk_gen_hsdb ${CMAKE_CURRENT_BINARY_DIR}/detect/detect_hsdb.c HS
  "Serializing the built-in Vectorscan database"
  ${CMAKE_SOURCE_DIR}/tools/gen_hsdb.c ${CMAKE_CURRENT_SOURCE_DIR}/detect/detect_patterns.c)

# SPDX-License-Identifier: Apache-2.0
# decode: ICU's answers for the CP932 and EUC-JP tables (text_tables.c),
# asked at build time by tools/gen_text_tables.c through text_answers.c (the
# one definition of what is asked, linked into the generator) and compiled
# in with the ICU version they were made with; the library asks ICU at run
# time when the running ICU differs (see docs/internals/DECODE.md).
add_executable(azk_gen_text_tables ${CMAKE_SOURCE_DIR}/tools/gen_text_tables.c
  ${CMAKE_CURRENT_SOURCE_DIR}/decode/text_answers.c)
target_compile_options(azk_gen_text_tables PRIVATE ${AZK_WARNINGS})
target_include_directories(azk_gen_text_tables PRIVATE ${CMAKE_SOURCE_DIR}/include
  ${CMAKE_CURRENT_SOURCE_DIR} ${MECAB_INC})
target_link_libraries(azk_gen_text_tables PRIVATE PkgConfig::ICU)
set(_azk_text_answers_c ${CMAKE_CURRENT_BINARY_DIR}/decode/text_answers_gen.c)
add_custom_command(OUTPUT ${_azk_text_answers_c}
  COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_CURRENT_BINARY_DIR}/decode
  COMMAND azk_gen_text_tables ${_azk_text_answers_c}
  DEPENDS azk_gen_text_tables
  COMMENT "Asking ICU for the CP932 and EUC-JP tables"
  VERBATIM)
list(APPEND AZK_LIB_GENERATED ${_azk_text_answers_c})

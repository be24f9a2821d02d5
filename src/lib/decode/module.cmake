# SPDX-License-Identifier: Apache-2.0
# decode: ICU's answers for the CP932 and EUC-JP tables (text_tables.c),
# asked at build time by tools/gen_text_tables.c through text_answers.c (the
# one definition of what is asked, linked into the generator) and compiled
# in with the ICU version they were made with; the library asks ICU at run
# time when the running ICU differs (see docs/internals/DECODE.md).
azk_c_generator(azk_gen_text_tables ${CMAKE_CURRENT_BINARY_DIR}/decode/text_answers_gen.c ICU
  "Asking ICU for the CP932 and EUC-JP tables"
  ${CMAKE_SOURCE_DIR}/tools/gen_text_tables.c ${CMAKE_CURRENT_SOURCE_DIR}/decode/text_answers.c)

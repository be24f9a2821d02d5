/* SPDX-License-Identifier: Apache-2.0 */
/*
 * detect/places.h -- the municipality stem list used to confirm addresses.
 * Generated at build time by gen_places.py from IPAdic's place entries
 * (/usr/share/mecab/dic/ipadic/Noun.place.csv, 名詞,固有名詞,地域,一般;
 * IPAdic license, see docs/internals/DETECT.md), sorted by bytes.
 */
#ifndef AZK_DETECT_PLACES_H
#define AZK_DETECT_PLACES_H

#include <stddef.h>

extern const char *const azk_detect__places[];
/* byte length of each entry of azk_detect__places */
extern const unsigned char azk_detect__place_lens[];
extern const size_t azk_detect__place_count;

#endif

/* io/colors.h: the per-request band colours, shared by the terminal UI (as xterm-256 indices) and
 * the figure writers (as RGB), so a request has the same colour on screen and in a figure.
 * No ncurses here: the renderer links without it. */
#ifndef KVSCOPE_IO_COLORS_H
#define KVSCOPE_IO_COLORS_H

#include <stdint.h>

#define KVS_BAND_COLORS 16

/* The band hues in xterm-256 indices, ordered so that neighbours in input order contrast. */
extern const short kvs_band_xterm[KVS_BAND_COLORS];

/* The band slot of request `req` (input index) when `nbands` colours are in use. */
int kvs_band_slot(uint32_t req, int nbands);

/* An xterm-256 colour index (0..255) as 0xRRGGBB, by the standard xterm palette. */
uint32_t kvs_xterm_rgb(int index);

/* The RGB of request `req`'s band with all KVS_BAND_COLORS colours (the UI's 256-colour look). */
uint32_t kvs_band_rgb(uint32_t req);

#endif

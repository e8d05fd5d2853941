/* io/colors.c: the band colour table (see colors.h). */
#include "io/colors.h"

const short kvs_band_xterm[KVS_BAND_COLORS] = {
    33,  /* blue */      208, /* orange */   41,  /* green */     197, /* crimson */
    141, /* lavender */  179, /* gold */     44,  /* cyan */      205, /* pink */
    106, /* olive */     69,  /* periwinkle */ 166, /* rust */    37,  /* teal */
    170, /* orchid */    143, /* khaki */    75,  /* sky */       203, /* salmon */
};

int kvs_band_slot(uint32_t req, int nbands)
{
    return (int)(req % (uint32_t)(nbands > 0 ? nbands : 1));
}

uint32_t kvs_xterm_rgb(int index)
{
    static const uint32_t base16[16] = {0x000000, 0x800000, 0x008000, 0x808000, 0x000080, 0x800080,
                                        0x008080, 0xc0c0c0, 0x808080, 0xff0000, 0x00ff00, 0xffff00,
                                        0x0000ff, 0xff00ff, 0x00ffff, 0xffffff};
    if (index < 0 || index > 255)
        return 0;
    if (index < 16)
        return base16[index];
    if (index >= 232) {
        uint32_t g = (uint32_t)(8 + 10 * (index - 232));
        return g << 16 | g << 8 | g;
    }
    static const uint32_t level[6] = {0, 95, 135, 175, 215, 255};
    int i = index - 16;
    return level[i / 36] << 16 | level[(i / 6) % 6] << 8 | level[i % 6];
}

uint32_t kvs_band_rgb(uint32_t req)
{
    return kvs_xterm_rgb(kvs_band_xterm[kvs_band_slot(req, KVS_BAND_COLORS)]);
}

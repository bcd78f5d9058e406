#ifndef VERIFY_LAYERS_CZLIB_SHIM_H
#define VERIFY_LAYERS_CZLIB_SHIM_H
#include <zlib.h>

/// inflateInit2 is a macro over inflateInit2_; Swift cannot call macros, so this names the call once.
static inline int vl_inflate_init_gzip(z_streamp stream) {
    return inflateInit2(stream, 16 + MAX_WBITS);
}
#endif

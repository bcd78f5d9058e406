#ifndef VERIFY_LAYERS_CGIT2_SHIM_H
#define VERIFY_LAYERS_CGIT2_SHIM_H
#include <git2.h>
#endif

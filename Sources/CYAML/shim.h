#ifndef VERIFY_LAYERS_CYAML_SHIM_H
#define VERIFY_LAYERS_CYAML_SHIM_H
/* libyaml (Debian's libyaml-dev), linked through pkg-config `yaml-0.1`: the event parser only.
 * No `link` directive here, so `make dist` can link the static archive instead (packaging/pkgconfig). */
#include <yaml.h>
#endif

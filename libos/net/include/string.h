/* <string.h> for lwIP's own files, which are built without a C library: Mica's lib/string.h. */
#include "lib/string.h"

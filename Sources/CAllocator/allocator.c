#include "allocator.h"

// __GLIBC__ comes from <features.h>: without it included first the check below is always false.
#if defined(__linux__)
#include <features.h>
#endif
#if defined(__GLIBC__)
#include <malloc.h>
#endif

int wgsim_fix_mmap_threshold(void) {
#if defined(__GLIBC__)
    return mallopt(M_MMAP_THRESHOLD, 128 * 1024);
#else
    return 0;
#endif
}

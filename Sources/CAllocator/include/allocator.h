#ifndef WGSIM_ALLOCATOR_H
#define WGSIM_ALLOCATOR_H

/// Fixes glibc's mmap threshold at 128 KiB (mallopt M_MMAP_THRESHOLD), which also stops glibc
/// from raising it as mapped blocks are freed; returns 1 on success, 0 where there is no such
/// setting. Swift cannot see <malloc.h> through Glibc's module, hence this one function.
int wgsim_fix_mmap_threshold(void);

#endif

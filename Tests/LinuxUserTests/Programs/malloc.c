// The allocator under stress: many sizes (small bins, large bins, mmap-sized), realloc growing
// and shrinking, calloc zeroing, memalign, and a checksum of every block's contents.
#define _GNU_SOURCE
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t state = 0x9E3779B97F4A7C15ULL;
static uint64_t next(void) {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
}

enum { slots = 4096 };
static unsigned char *blocks[slots];
static size_t sizes[slots];
static unsigned char seeds[slots];

static size_t random_size(void) {
    switch (next() % 10) {
    case 0: return next() % 16;
    case 1: case 2: case 3: case 4: return next() % 256;
    case 5: case 6: case 7: return next() % 4096;
    case 8: return next() % 65536;
    default: return 100000 + next() % 150000;   // above the mmap threshold
    }
}

static void fill(int i) {
    for (size_t k = 0; k < sizes[i]; k++) blocks[i][k] = (unsigned char)(seeds[i] + k * 7);
}

static int intact(int i, size_t length) {
    for (size_t k = 0; k < length; k++)
        if (blocks[i][k] != (unsigned char)(seeds[i] + k * 7)) return 0;
    return 1;
}

int main(void) {
    unsigned long corrupt = 0, allocations = 0, reallocations = 0, frees = 0;
    for (int round = 0; round < 800; round++) {
        int i = (int)(next() % slots);
        uint64_t action = next() % 8;
        if (!blocks[i]) {
            sizes[i] = random_size();
            seeds[i] = (unsigned char)next();
            blocks[i] = action == 0 ? calloc(1, sizes[i]) : malloc(sizes[i]);
            if (!blocks[i] && sizes[i]) { puts("allocation failed"); return 1; }
            if (action == 0)
                for (size_t k = 0; k < sizes[i]; k++) corrupt += blocks[i][k] != 0;
            if (blocks[i]) fill(i);
            allocations++;
        } else if (action < 3) {
            size_t size = random_size();
            unsigned char *grown = realloc(blocks[i], size);
            if (!grown && size) { puts("realloc failed"); return 1; }
            size_t kept = size < sizes[i] ? size : sizes[i];
            blocks[i] = grown;
            if (!intact(i, kept)) corrupt++;
            sizes[i] = size;
            if (grown) fill(i);
            reallocations++;
        } else {
            if (!intact(i, sizes[i])) corrupt++;
            free(blocks[i]);
            blocks[i] = NULL;
            frees++;
        }
    }
    uint64_t sum = 0;
    size_t live = 0, bytes = 0;
    for (int i = 0; i < slots; i++) {
        if (!blocks[i]) continue;
        if (!intact(i, sizes[i])) corrupt++;
        for (size_t k = 0; k < sizes[i]; k += 61) sum = sum * 1099511628211ULL + blocks[i][k];
        live++;
        bytes += sizes[i];
        free(blocks[i]);
    }
    printf("allocations %lu reallocations %lu frees %lu live %zu bytes %zu sum %016llx corrupt %lu\n",
           allocations, reallocations, frees, live, bytes, (unsigned long long)sum, corrupt);

    // Alignment requests.
    for (size_t align = 16; align <= 65536; align *= 4) {
        void *p = NULL;
        int error = posix_memalign(&p, align, 1000);
        printf("posix_memalign %zu: %d aligned %d\n", align, error, ((uintptr_t)p & (align - 1)) == 0);
        free(p);
        void *q = aligned_alloc(align, align * 2);
        printf("aligned_alloc %zu: aligned %d\n", align, ((uintptr_t)q & (align - 1)) == 0);
        free(q);
    }
    // One very large block, touched at every page, and a failing absurd request.
    size_t big = 16u << 20;
    unsigned char *huge = malloc(big);
    unsigned long touched = 0;
    for (size_t k = 0; k < big; k += 4096) { huge[k] = (unsigned char)k; touched += huge[k] == (unsigned char)k; }
    free(huge);
    printf("big block pages %lu\n", touched);
    void *absurd = malloc((size_t)1 << 62);
    printf("absurd request %s\n", absurd ? "succeeded" : "failed");
    return 0;
}

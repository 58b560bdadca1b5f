/* memcpy, memset and strlen written as the plain loops a libc's fallback uses, over a 64 KiB
 * buffer for n rounds (default 16): checksum = FNV-1a over the results and lengths. */
#include "workload.h"

const char workload_name[] = "memops";
const uint64_t workload_expected = 0x7e98e57f54b1a3a8ull;

#define SIZE 65536
static uint8_t src[SIZE + 8], dst[SIZE + 8];

static void copy_bytes(uint8_t *d, const uint8_t *s, uint64_t n) { while (n--) *d++ = *s++; }
static void copy_words(uint64_t *d, const uint64_t *s, uint64_t n) { while (n--) *d++ = *s++; }
static void set_bytes(uint8_t *d, uint8_t v, uint64_t n) { while (n--) *d++ = v; }
static uint64_t string_length(const uint8_t *s) { const uint8_t *p = s; while (*p) p++; return (uint64_t)(p - s); }

static uint64_t fnv1a(uint64_t h, const uint8_t *p, uint64_t n) {
    while (n--) { h ^= *p++; h *= 0x100000001B3ull; }
    return h;
}

uint64_t workload_run(uint64_t rounds) {
    if (rounds == 0) rounds = 16;
    uint64_t h = 0xCBF29CE484222325ull, state = 0x0123456789ABCDEFull;
    for (uint64_t r = 0; r < rounds; r++) {
        set_bytes(src, (uint8_t)(r + 1), SIZE);
        for (uint64_t i = 0; i < SIZE; i += 97) src[i] = (uint8_t)(xorshift64(&state) | 1);
        uint64_t cut = xorshift64(&state) % SIZE;
        src[cut] = 0;
        if (r & 1) copy_words((uint64_t *)dst, (const uint64_t *)src, SIZE / 8);
        else copy_bytes(dst + (r & 7), src, SIZE - 8);
        uint64_t len = string_length(dst + (r & 1 ? 0 : r & 7));
        h = fnv1a(h, dst, SIZE);
        h ^= len * 0x9E3779B97F4A7C15ull;
    }
    return h;
}

// The string and memory functions over every length up to a few hundred bytes and every
// alignment in a 64-byte line, including buffers that end at a page followed by an unmapped
// page, checked against plain byte loops. glibc picks SSE2, SSE4.2 or AVX variants by CPUID;
// whichever it picks must give the reference answer and never read into the guard page.
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static unsigned long checks, failures;

static void check(int ok, const char *what, size_t length, size_t align) {
    checks++;
    if (!ok && failures++ < 20) printf("FAIL %s length %zu align %zu\n", what, length, align);
}

static size_t ref_strlen(const char *s) { size_t n = 0; while (s[n]) n++; return n; }
static int sign(int x) { return (x > 0) - (x < 0); }
static int ref_memcmp(const unsigned char *a, const unsigned char *b, size_t n) {
    for (size_t i = 0; i < n; i++) if (a[i] != b[i]) return a[i] < b[i] ? -1 : 1;
    return 0;
}
static int ref_strcmp(const unsigned char *a, const unsigned char *b) {
    for (;; a++, b++) { if (*a != *b) return *a < *b ? -1 : 1; if (!*a) return 0; }
}
static const char *ref_strchr(const char *s, int c) {
    for (;; s++) { if (*s == (char)c) return s; if (!*s) return NULL; }
}
static const char *ref_strrchr(const char *s, int c) {
    const char *last = NULL;
    for (;; s++) { if (*s == (char)c) last = s; if (!*s) return last; }
}
static const char *ref_strstr(const char *h, const char *n) {
    size_t ln = ref_strlen(n);
    for (; ; h++) { if (strncmp(h, n, ln) == 0) return h; if (!*h) return NULL; }
}
static size_t ref_strspn(const char *s, const char *set) {
    size_t n = 0;
    while (s[n] && ref_strchr(set, s[n]) && s[n]) n++;
    return n;
}
static size_t ref_strcspn(const char *s, const char *set) {
    size_t n = 0;
    while (s[n] && !ref_strchr(set, s[n])) n++;
    return n;
}

// A buffer whose last byte is the last byte of a page; the next page is PROT_NONE.
static unsigned char *guarded_end;

static unsigned char *at_page_end(size_t length) { return guarded_end - length; }

int main(void) {
    long page = sysconf(_SC_PAGESIZE);
    unsigned char *pages = mmap(NULL, 4 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    mprotect(pages + 2 * page, page, PROT_NONE);
    guarded_end = pages + 2 * page;

    enum { maximum = 320, room = maximum + 128 };
    static unsigned char src_space[room + 64], dst_space[room + 64], ref_space[room + 64];
    uint32_t seed = 1;
    for (size_t i = 0; i < sizeof src_space; i++) { seed = seed * 1103515245 + 12345; src_space[i] = (unsigned char)(1 + (seed >> 16) % 255); }

    for (size_t length = 0; length <= maximum; length += length < 80 ? 1 : 7) {
        for (size_t align = 0; align < 64; align += length < 80 ? 1 : 5) {
            size_t dalign = (align * 7 + 3) % 64;
            unsigned char *src = src_space + align, *dst = dst_space + dalign;

            memset(dst_space, 0xEE, sizeof dst_space);
            memcpy(dst, src, length);
            check(ref_memcmp(dst, src, length) == 0 && dst[length] == 0xEE && (dalign == 0 || dst[-1] == 0xEE), "memcpy", length, align);

            memset(dst_space, 0, sizeof dst_space);
            memset(dst, (int)(length & 0xFF) | 1, length);
            int ok = dst[length] == 0 && (dalign == 0 || dst[-1] == 0);
            for (size_t i = 0; i < length; i++) ok &= dst[i] == ((length & 0xFF) | 1);
            check(ok, "memset", length, align);

            // memmove both ways within one buffer, against a copy made byte by byte.
            for (int direction = -1; direction <= 1; direction += 2) {
                memcpy(dst_space, src_space, sizeof dst_space);
                memcpy(ref_space, src_space, sizeof ref_space);
                size_t from = 40 + align, to = (size_t)((long)from + direction * (long)(1 + length % 33));
                unsigned char temp[room];
                for (size_t i = 0; i < length; i++) temp[i] = ref_space[from + i];
                for (size_t i = 0; i < length; i++) ref_space[to + i] = temp[i];
                memmove(dst_space + to, dst_space + from, length);
                check(ref_memcmp(dst_space, ref_space, sizeof ref_space) == 0, direction < 0 ? "memmove down" : "memmove up", length, align);
            }

            // memcmp: equal, and a difference at each of a few positions, both signs.
            memcpy(dst, src, length);
            check(memcmp(dst, src, length) == 0, "memcmp equal", length, align);
            if (length) {
                size_t at = (align * 13) % length;
                dst[at] ^= 0x80;
                check(sign(memcmp(dst, src, length)) == ref_memcmp(dst, src, length), "memcmp differ", length, align);
                check(sign(memcmp(src, dst, length)) == ref_memcmp(src, dst, length), "memcmp differ reversed", length, align);
                dst[at] ^= 0x80;
            }

            // NUL-terminated strings of this length.
            memcpy(dst, src, length);
            dst[length] = 0;
            char *s = (char *)dst;
            check(strlen(s) == length, "strlen", length, align);
            check(strnlen(s, length / 2) == length / 2, "strnlen", length, align);
            int needle = length ? src[(align * 5) % length] : 'x';
            check(strchr(s, needle) == ref_strchr(s, needle), "strchr", length, align);
            check(strchr(s, 0) == s + length, "strchr nul", length, align);
            check(strrchr(s, needle) == ref_strrchr(s, needle), "strrchr", length, align);
            check(memchr(s, needle, length) == (length ? (void *)ref_strchr(s, needle) : NULL), "memchr", length, align);
#ifdef __GLIBC__
            check(rawmemchr(s, 0) == s + length, "rawmemchr", length, align);
#endif

            char copy[room];
            strcpy(copy, s);
            check(ref_strcmp((unsigned char *)copy, (unsigned char *)s) == 0 && strcmp(copy, s) == 0, "strcpy/strcmp", length, align);
            check(stpcpy(copy, s) == copy + length, "stpcpy", length, align);
            check(strcasecmp(copy, s) == 0 && strncasecmp(s, copy, length) == 0, "strcasecmp equal", length, align);
            if (length) {
                copy[length - 1] ^= 0x40;
                check(sign(strcmp(copy, s)) == ref_strcmp((unsigned char *)copy, (unsigned char *)s), "strcmp differ", length, align);
                check(sign(strncmp(copy, s, length - 1)) == 0, "strncmp prefix", length, align);
                copy[length - 1] ^= 0x40;
            }

            // strstr with a needle taken from the haystack, and one that is absent.
            if (length > 4) {
                size_t start = (align * 3) % (length - 3), nlen = 1 + (align % 9 < length - start ? align % 9 : 0);
                char pattern[16];
                memcpy(pattern, s + start, nlen);
                pattern[nlen] = 0;
                check(strstr(s, pattern) == ref_strstr(s, pattern), "strstr present", length, align);
                check(strstr(s, "\x01\x02\x03\x04\x05") == ref_strstr(s, "\x01\x02\x03\x04\x05"), "strstr absent", length, align);
                char set[5] = { s[start], s[length - 1], (char)0xFF, 'q', 0 };
                check(strspn(s, set) == ref_strspn(s, set), "strspn", length, align);
                check(strcspn(s, set) == ref_strcspn(s, set), "strcspn", length, align);
                check(strpbrk(s, set) == (s[ref_strcspn(s, set)] ? s + ref_strcspn(s, set) : NULL), "strpbrk", length, align);
            }
        }
        // Strings ending right before the guard page.
        unsigned char *edge = at_page_end(length + 1);
        memcpy(edge, src_space, length);
        edge[length] = 0;
        check(strlen((char *)edge) == length, "strlen at page end", length, 0);
        check(strchr((char *)edge, 0) == (char *)edge + length, "strchr at page end", length, 0);
        check(memchr(edge, 0, length + 1) == edge + length, "memchr at page end", length, 0);
        check(strcmp((char *)edge, (char *)edge) == 0, "strcmp at page end", length, 0);
        unsigned char *other = at_page_end(length + 1) - page;   // a copy ending at a different offset
        memcpy(other, edge, length + 1);
        check(strcmp((char *)other, (char *)edge) == 0 && memcmp(other, edge, length + 1) == 0, "compare across pages", length, 0);
        check(strrchr((char *)edge, 'z') == ref_strrchr((char *)edge, 'z'), "strrchr at page end", length, 0);
    }

    // Large copies (the non-temporal and rep movsb paths) and a checksum of the result.
    size_t big = 4 << 20;
    unsigned char *a = malloc(big + 64), *b = malloc(big + 64);
    for (size_t i = 0; i < big + 64; i++) a[i] = (unsigned char)(i * 2654435761u >> 13);
    for (size_t offset = 0; offset < 64; offset += 9) {
        memcpy(b + (offset * 5) % 64, a + offset, big);
        check(memcmp(b + (offset * 5) % 64, a + offset, big) == 0, "big memcpy", big, offset);
        memmove(a + offset + 1, a + offset, big - 64);
        memmove(a + offset, a + offset + 1, big - 64);
        check(memcmp(a + offset, b + (offset * 5) % 64, big - 64) == 0, "big memmove", big, offset);
    }
    memset(b, 0x5A, big);
    unsigned long sum = 0;
    for (size_t i = 0; i < big; i += 4093) sum += b[i];
    printf("checks %lu failures %lu sum %lu\n", checks, failures, sum);
    return failures != 0;
}

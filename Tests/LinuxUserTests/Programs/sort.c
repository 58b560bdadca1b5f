// qsort and bsearch over integers, doubles, strings and structures, with checksums of the
// sorted orders.
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t state = 12345;
static uint64_t next(void) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return state >> 17;
}

static int by_int(const void *a, const void *b) {
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}
static int by_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}
static int by_string(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

struct record { int key; int order; char name[12]; };
static int by_key_then_order(const void *a, const void *b) {
    const struct record *x = a, *y = b;
    if (x->key != y->key) return x->key - y->key;
    return x->order - y->order;
}

int main(void) {
    enum { n = 50000 };
    static int ints[n];
    for (int i = 0; i < n; i++) ints[i] = (int)(next() % 100000) - 50000;
    qsort(ints, n, sizeof ints[0], by_int);
    uint64_t sum = 0;
    int sorted = 1;
    for (int i = 0; i < n; i++) { sum = sum * 31 + (uint32_t)ints[i]; if (i && ints[i - 1] > ints[i]) sorted = 0; }
    printf("ints sorted %d first %d last %d hash %016llx\n", sorted, ints[0], ints[n - 1], (unsigned long long)sum);
    int found = 0, missing = 0;
    for (int k = -50000; k < 50000; k += 7) {
        if (bsearch(&k, ints, n, sizeof ints[0], by_int)) found++; else missing++;
    }
    printf("bsearch found %d missing %d\n", found, missing);

    static double doubles[n];
    for (int i = 0; i < n; i++) doubles[i] = (double)(int64_t)next() / 3.0e6;
    qsort(doubles, n, sizeof doubles[0], by_double);
    printf("doubles min %.17g max %.17g median %.17g\n", doubles[0], doubles[n - 1], doubles[n / 2]);

    enum { words = 5000 };
    static char storage[words][16];
    static char *pointers[words];
    for (int i = 0; i < words; i++) {
        int length = 1 + (int)(next() % 14);
        for (int k = 0; k < length; k++) storage[i][k] = (char)('a' + next() % 26);
        storage[i][length] = 0;
        pointers[i] = storage[i];
    }
    qsort(pointers, words, sizeof pointers[0], by_string);
    printf("strings first %s last %s middle %s\n", pointers[0], pointers[words - 1], pointers[words / 2]);
    char *probe = storage[1234];
    char **hit = bsearch(&probe, pointers, words, sizeof pointers[0], by_string);
    printf("bsearch string %s\n", hit ? *hit : "(none)");

    static struct record records[20000];
    for (int i = 0; i < 20000; i++) {
        records[i].key = (int)(next() % 100);
        records[i].order = i;
        snprintf(records[i].name, sizeof records[i].name, "r%d", i);
    }
    qsort(records, 20000, sizeof records[0], by_key_then_order);
    sum = 0;
    for (int i = 0; i < 20000; i++) sum = sum * 131 + (uint64_t)records[i].order;
    printf("records first %s last %s hash %016llx\n", records[0].name, records[19999].name, (unsigned long long)sum);
    return 0;
}

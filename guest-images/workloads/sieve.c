/* Sieve of Eratosthenes below n (default 1,000,000): checksum = sum of the primes, with the
 * count in the top 16 bits. */
#include "workload.h"

const char workload_name[] = "sieve";
const uint64_t workload_expected = 0x32a20008be2da9e7ull;

#define MAX 4000000
static uint8_t composite[MAX];

uint64_t workload_run(uint64_t n) {
    if (n == 0) n = 1000000;
    if (n > MAX) n = MAX;
    for (uint64_t i = 0; i < n; i++) composite[i] = 0;
    uint64_t count = 0, sum = 0;
    for (uint64_t i = 2; i < n; i++) {
        if (composite[i]) continue;
        count++;
        sum += i;
        for (uint64_t j = i * i; j < n; j += i) composite[j] = 1;
    }
    return sum ^ count << 48;
}

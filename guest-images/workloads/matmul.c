/* n x n 32-bit integer matrix multiply (default n = 96): checksum = a position-weighted sum
 * of the product's elements. */
#include "workload.h"

const char workload_name[] = "matmul";
const uint64_t workload_expected = 0x00003c67c7f07000ull;

#define MAX 256
static uint32_t a[MAX][MAX], b[MAX][MAX], c[MAX][MAX];

uint64_t workload_run(uint64_t n) {
    if (n == 0) n = 96;
    if (n > MAX) n = MAX;
    for (uint64_t i = 0; i < n; i++)
        for (uint64_t j = 0; j < n; j++) {
            a[i][j] = (uint32_t)((i * 31 + j * 17) & 0xFF);
            b[i][j] = (uint32_t)((i * 7 + j * 13 + 5) & 0xFF);
        }
    for (uint64_t i = 0; i < n; i++)
        for (uint64_t j = 0; j < n; j++) {
            uint32_t s = 0;
            for (uint64_t k = 0; k < n; k++) s += a[i][k] * b[k][j];
            c[i][j] = s;
        }
    uint64_t sum = 0;
    for (uint64_t i = 0; i < n; i++)
        for (uint64_t j = 0; j < n; j++) sum += (uint64_t)c[i][j] * (i * n + j + 1);
    return sum;
}

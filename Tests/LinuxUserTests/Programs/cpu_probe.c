// What the CPU says it is: CPUID features as __builtin_cpu_supports sees them, one per line
// ("name yes/no"), so the test can check Mimic's CPUID against the baseline it promises.
#include <stdio.h>

int main(void) {
    __builtin_cpu_init();
#define FEATURE(name) printf("%s %s\n", name, __builtin_cpu_supports(name) ? "yes" : "no")
    FEATURE("cmov"); FEATURE("mmx"); FEATURE("sse"); FEATURE("sse2"); FEATURE("sse3"); FEATURE("ssse3");
    FEATURE("sse4.1"); FEATURE("sse4.2"); FEATURE("popcnt"); FEATURE("avx"); FEATURE("avx2"); FEATURE("fma");
    FEATURE("bmi"); FEATURE("bmi2"); FEATURE("avx512f"); FEATURE("aes"); FEATURE("pclmul"); FEATURE("sse4a");
    FEATURE("x86-64"); FEATURE("x86-64-v2"); FEATURE("x86-64-v3"); FEATURE("x86-64-v4");
    return 0;
}

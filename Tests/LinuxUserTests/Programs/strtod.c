// Number parsing: strtod, strtof, strtold, strtol, strtoul, strtoll, atoi, with end pointers
// and errno for overflow.
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

static const char *const reals[] = {
    "0", "-0", "1", "0.1", "3.14159265358979323846264338327950288", "1e308", "1e309", "-1e309",
    "2.2250738585072011e-308", "2.2250738585072012e-308", "4.9e-324", "2e-324", "1e-400",
    "0x1.fffffffffffffp+1023", "0x1p-1074", "0x1.8p1", "  +12.5e-1xyz", "inf", "-Infinity", "nan",
    "nan(123)", "1.7976931348623158e308", "1.7976931348623159e308", "123456789012345678901234567890",
    "9007199254740993", "0.30000000000000004", "1e23", "8.5e-1", ".5", "5.", "e5", "", "-",
    "2.4703282292062327e-324", "2.4703282292062328e-324", "1.00000000000000011102230246251565404236316680908203125",
};

static const char *const integers[] = {
    "0", "42", "-42", "  +7", "0x7fffffffffffffff", "0x8000000000000000", "-9223372036854775808",
    "-9223372036854775809", "18446744073709551615", "18446744073709551616", "0777", "0b101", "z",
    "123abc", "-0x10", "2147483648", "  \t\n99",
};

int main(void) {
    for (size_t i = 0; i < sizeof reals / sizeof reals[0]; i++) {
        const char *s = reals[i];
        char *end;
        errno = 0;
        double d = strtod(s, &end);
        int e1 = errno;
        long consumed = (long)(end - s);
        errno = 0;
        float f = strtof(s, NULL);
        int e2 = errno;
        errno = 0;
        long double ld = strtold(s, NULL);
        int e3 = errno;
        printf("'%s': %a %.17g end %ld errno %d | %a errno %d | %La errno %d\n", s, d, d, consumed,
               e1 != 0, f, e2 != 0, ld, e3 != 0);
    }
    for (size_t i = 0; i < sizeof integers / sizeof integers[0]; i++) {
        const char *s = integers[i];
        char *end;
        errno = 0;
        long l = strtol(s, &end, 0);
        int e1 = errno;
        errno = 0;
        unsigned long ul = strtoul(s, NULL, 0);
        int e2 = errno;
        errno = 0;
        long b36 = strtol(s, NULL, 36);
        int e3 = errno;
        printf("'%s': %ld end %ld errno %d | %lu errno %d | base36 %ld errno %d | atoi %d\n", s, l,
               (long)(end - s), e1 != 0, ul, e2 != 0, b36, e3 != 0, atoi(s));
    }
    // A round trip of many doubles through text.
    unsigned long mismatches = 0;
    unsigned long long bits = 0x3FF0000000000001ULL;
    for (int i = 0; i < 20000; i++) {
        bits = bits * 6364136223846793005ULL + 1442695040888963407ULL;
        union { unsigned long long u; double d; } v = { .u = bits };
        if (v.d != v.d) continue;
        char text[64];
        snprintf(text, sizeof text, "%.17g", v.d);
        union { unsigned long long u; double d; } back = { .d = strtod(text, NULL) };
        mismatches += back.u != v.u;
    }
    printf("round trip mismatches %lu\n", mismatches);
    return 0;
}

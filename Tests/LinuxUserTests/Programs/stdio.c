// stdio and printf: integers, floating point of every width and format, buffering, stderr,
// reading stdin, and an exit status the caller checks.
#define _GNU_SOURCE
#include <float.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void integers(void) {
    const long long values[] = { 0, 1, -1, 42, -42, 255, 65535, INT_MAX, INT_MIN, LLONG_MAX, LLONG_MIN, 1234567890123LL };
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        long long v = values[i];
        printf("%lld|%llu|%llx|%llo|%+lld|% 20lld|%-20lld|%020lld|%#llx|%hhd|%hd\n",
               v, (unsigned long long)v, (unsigned long long)v, (unsigned long long)v, v, v, v, v,
               (unsigned long long)v, (signed char)v, (short)v);
    }
    printf("%" PRId64 " %" PRIu32 " %zu %td %c%c %5.3s| %%\n", INT64_MIN, UINT32_MAX, sizeof(long double),
           (ptrdiff_t)-7, 'o', 'k', "truncated");
}

static void doubles(void) {
    const double values[] = {
        0.0, -0.0, 1.0, -1.5, 0.1, 1.0 / 3.0, 2.0 / 3.0, 1e-300, 1e300, 123456789.125, 5e-324,
        DBL_MIN, DBL_MAX, DBL_EPSILON, M_PI, M_E, 0.5, 2.5, 1e15 + 0.3, 9007199254740993.0,
        INFINITY, -INFINITY, NAN,
    };
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        double v = values[i];
        printf("%f|%.0f|%.17g|%g|%e|%.3e|%a|%A|%10.4f|%-12g|%+.2f\n", v, v, v, v, v, v, v, v, v, v, v);
    }
}

static void floats(void) {
    const float values[] = { 0.1f, 1.0f / 3.0f, 16777217.0f, FLT_MIN, FLT_MAX, FLT_EPSILON, 1e-45f, -2.75f };
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        float v = values[i];
        printf("%.9g|%a|%f|%e\n", v, v, v, v);
    }
}

static void long_doubles(void) {
    const long double values[] = {
        0.0L, 1.0L / 3.0L, 0.1L, -2.5L, 1e-4000L, 1e4000L, LDBL_MIN, LDBL_MAX, LDBL_EPSILON,
        3.14159265358979323846264338327950288L, 18446744073709551615.0L, 1.0L + LDBL_EPSILON,
    };
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        long double v = values[i];
        printf("%Lf|%.21Lg|%Le|%La|%.30Lf\n", v, v, v, v, v);
    }
    long double sum = 0;
    for (int i = 1; i <= 1000; i++) sum += 1.0L / ((long double)i * i);
    printf("basel %.20Lf\n", sum);
}

static void formatting(void) {
    char buffer[64];
    int n = snprintf(buffer, sizeof buffer, "%s-%d-%.2f", "abc", 12, 3.14159);
    printf("snprintf %d '%s'\n", n, buffer);
    n = snprintf(buffer, 8, "%s", "0123456789abcdef");
    printf("truncated %d '%s'\n", n, buffer);
    char *dynamic = NULL;
    n = asprintf(&dynamic, "%0*d|%-*s|%.*f", 8, 42, 6, "ab", 3, 2.0 / 3.0);
    printf("asprintf %d '%s'\n", n, dynamic);
    free(dynamic);
    int a = 0, b = 0;
    double d = 0;
    char word[16];
    n = sscanf("17 0x1f 2.5e3 hello", "%d %i %lf %15s", &a, &b, &d, word);
    printf("sscanf %d %d %d %g %s\n", n, a, b, d, word);
}

static void streams(void) {
    // Unbuffered stderr and fully buffered stdout interleave only through explicit flushes.
    fflush(stdout);
    fprintf(stderr, "to stderr %d\n", 1);
    setvbuf(stdout, NULL, _IOFBF, 4096);
    for (int i = 0; i < 2000; i++) printf("%d%c", i * 7919 % 1000, i % 20 == 19 ? '\n' : ' ');
    fflush(stdout);
    fputs("to stderr 2\n", stderr);
    FILE *memory = fmemopen(NULL, 128, "w+");
    fprintf(memory, "in memory %d", 99);
    rewind(memory);
    char line[64] = {0};
    fgets(line, sizeof line, memory);
    fclose(memory);
    printf("fmemopen '%s'\n", line);
}

// With the argument "stdin": copy stdin to stdout, counting lines and bytes.
static int copy_stdin(void) {
    char line[256];
    unsigned long lines = 0, bytes = 0, sum = 0;
    while (fgets(line, sizeof line, stdin)) {
        lines++;
        for (char *p = line; *p; p++) { bytes++; sum = sum * 31 + (unsigned char)*p; }
        fputs(line, stdout);
    }
    printf("lines %lu bytes %lu hash %lu eof %d\n", lines, bytes, sum, feof(stdin));
    return 0;
}

int main(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "stdin") == 0) return copy_stdin();
    integers();
    doubles();
    floats();
    long_doubles();
    formatting();
    streams();
    puts("done");
    return 3;
}

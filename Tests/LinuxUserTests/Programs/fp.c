// Floating point and vector code as compilers emit it: scalar and packed SSE arithmetic,
// conversions at the edges (NaN, infinities, out-of-range integers), x87 long double
// arithmetic and its special instructions, MXCSR and x87 control-word rounding, and
// SSE3/SSSE3/SSE4.1/SSE4.2/POPCNT code through intrinsics (x86-64-v2, which Mimic promises).
#define _GNU_SOURCE
#include <fenv.h>
#include <immintrin.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static uint64_t bits(double d) { uint64_t u; memcpy(&u, &d, 8); return u; }

static void conversions(void) {
    const double values[] = { 0.0, -0.0, 0.5, -0.5, 1.5, 2.5, -2.5, 1e10, -1e10, 2147483647.5, -2147483648.5,
                              9.2233720368547758e18, -9.2233720368547758e18, 1.8446744073709552e19, INFINITY, -INFINITY, NAN, 5e-324 };
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        volatile double d = values[i];
        volatile float f = (float)d;
        volatile long double ld = d;
        printf("%a: (int)%d (long)%ld (unsigned long)%lu (float)%a (float->double)%a (ld)%La lrint %ld (ld->long)%lld (u32)%u (short)%d\n",
               d, (int)d, (long)d, (unsigned long)d, f, (double)f, ld, lrint(d), (long long)ld, (uint32_t)d, (short)(int)d);
    }
    const int64_t integers[] = { 0, 1, -1, INT64_MAX, INT64_MIN, 9007199254740993, -9007199254740993, 16777217 };
    for (size_t i = 0; i < sizeof integers / sizeof integers[0]; i++) {
        volatile int64_t n = integers[i];
        volatile uint64_t u = (uint64_t)n;
        printf("%lld: double %a float %a ld %La udouble %a ufloat %a\n", (long long)n, (double)n, (float)n, (long double)n, (double)u, (float)u);
    }
    // NaN payloads and signs through width changes.
    volatile double qnan = -NAN;
    volatile float fn = (float)qnan;
    volatile long double ln = qnan;
    float narrowed = fn;
    uint32_t float_bits;
    memcpy(&float_bits, &narrowed, 4);
    printf("nan bits %016llx float %08x back %016llx ld back %016llx\n", (unsigned long long)bits(qnan), (unsigned)float_bits, (unsigned long long)bits((double)fn), (unsigned long long)bits((double)ln));
}

static void arithmetic(void) {
    // A vectorisable loop: the compiler uses packed SSE2.
    enum { n = 1000 };
    static double x[n], y[n];
    static float fx[n], fy[n];
    static int32_t ix[n], iy[n];
    static int16_t sx[n];
    static uint8_t bx[n], by[n];
    for (int i = 0; i < n; i++) {
        x[i] = i * 0.25 - 100; y[i] = 1.0 / (i + 1);
        fx[i] = (float)i / 7.0f; fy[i] = (float)(n - i) * 1.5f;
        ix[i] = i * 2654435761u; iy[i] = i - 500;
        sx[i] = (int16_t)(i * 37);
        bx[i] = (uint8_t)(i * 13); by[i] = (uint8_t)(255 - i);
    }
    double dot = 0, maxd = -INFINITY;
    float fsum = 0, least = INFINITY;
    int64_t isum = 0;
    int32_t imax = INT32_MIN;
    int sum16 = 0;
    unsigned sad = 0, avg = 0;
    for (int i = 0; i < n; i++) {
        dot += x[i] * y[i];
        maxd = x[i] * y[i] > maxd ? x[i] * y[i] : maxd;
        fsum += fx[i] * fy[i] - fx[i] / (fy[i] + 1);
        least = fminf(least, fx[i] - fy[i]);
        isum += (int64_t)ix[i] * iy[i];
        imax = ix[i] > imax ? ix[i] : imax;
        sum16 += (int16_t)(sx[i] * 3) >> 2;
        sad += (unsigned)abs(bx[i] - by[i]);
        avg += (unsigned)((bx[i] + by[i] + 1) >> 1);
    }
    printf("dot %a max %a fsum %a least %a isum %lld imax %d sum16 %d sad %u avg %u\n", dot, maxd, fsum, least,
           (long long)isum, imax, sum16, sad, avg);
    double s = 0;
    for (int i = 1; i <= 100000; i++) s += sqrt((double)i) / (i + 0.5);
    printf("sqrt series %a\n", s);
    float m = 0;
    for (int i = 0; i < 1000; i++) m = fmaf((float)i, 0.001f, m * 0.999f);
    printf("fmaf chain %a\n", m);
    volatile double a = 1e308, b = 1e-308, z = 0;
    printf("overflow %a underflow %a 0/0 sign %d inf-inf %d min %a\n", a * 10, b / 1e100, signbit(z / z) != 0,
           isnan(INFINITY - a * 10), fmin(z, -z));
}

static void x87(void) {
    long double e = 1, term = 1;
    for (int i = 1; i < 30; i++) { term /= i; e += term; }
    printf("e %La %.21Lg\n", e, e);
    long double mandel = 0;
    for (int py = 0; py < 24; py++)
        for (int px = 0; px < 48; px++) {
            long double cr = -2.0L + px * 2.5L / 48, ci = -1.2L + py * 2.4L / 24, zr = 0, zi = 0;
            int k = 0;
            while (k < 200 && zr * zr + zi * zi < 4) { long double t = zr * zr - zi * zi + cr; zi = 2 * zr * zi + ci; zr = t; k++; }
            mandel += k + zr;
        }
    printf("mandelbrot %La\n", mandel);
    long double x = 1.0L / 3, results[12];
    __asm__("fldt %1\n\tfsin\n\tfstpt %0" : "=m"(results[0]) : "m"(x));
    __asm__("fldt %1\n\tfcos\n\tfstpt %0" : "=m"(results[1]) : "m"(x));
    __asm__("fldt %1\n\tfptan\n\tfstp %%st(0)\n\tfstpt %0" : "=m"(results[2]) : "m"(x));
    __asm__("fld1\n\tfldt %1\n\tfpatan\n\tfstpt %0" : "=m"(results[3]) : "m"(x));
    __asm__("fldt %1\n\tf2xm1\n\tfstpt %0" : "=m"(results[4]) : "m"(x));
    __asm__("fld1\n\tfldt %1\n\tfyl2x\n\tfstpt %0" : "=m"(results[5]) : "m"(x));
    __asm__("fldt %1\n\tfsqrt\n\tfstpt %0" : "=m"(results[6]) : "m"(x));
    long double big = 1e10L, divisor = 0.7L;
    __asm__("fldt %2\n\tfldt %1\n\t1: fprem\n\tfnstsw %%ax\n\ttest $4, %%ah\n\tjnz 1b\n\tfstpt %0\n\tfstp %%st(0)" : "=m"(results[7]) : "m"(big), "m"(divisor) : "ax");
    __asm__("fldt %2\n\tfldt %1\n\t1: fprem1\n\tfnstsw %%ax\n\ttest $4, %%ah\n\tjnz 1b\n\tfstpt %0\n\tfstp %%st(0)" : "=m"(results[8]) : "m"(big), "m"(divisor) : "ax");
    __asm__("fldt %1\n\tfxtract\n\tfstpt %0\n\tfstp %%st(0)" : "=m"(results[9]) : "m"(big));
    __asm__("fldl2e\n\tfldpi\n\tfmulp\n\tfldlg2\n\tfaddp\n\tfstpt %0" : "=m"(results[10]));
    long double three = 3;
    __asm__("fldt %1\n\tfldt %2\n\tfscale\n\tfstp %%st(1)\n\tfstpt %0" : "=m"(results[11]) : "m"(three), "m"(x));
    for (int i = 0; i < 12; i++) printf("x87[%d] %La\n", i, results[i]);
    // Rounding by the x87 control word: frndint and fistp under each mode.
    const uint16_t modes[] = { 0x037F, 0x077F, 0x0B7F, 0x0F7F };
    const long double samples[] = { 2.5L, -2.5L, 3.5L, -0.75L, 1e20L };
    for (int m = 0; m < 4; m++) {
        for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++) {
            long double rounded;
            int64_t integer;
            uint16_t saved;
            __asm__ volatile("fnstcw %2\n\tfldcw %3\n\tfldt %4\n\tfld %%st(0)\n\tfrndint\n\tfstpt %0\n\tfistpll %1\n\tfldcw %2"
                             : "=m"(rounded), "=m"(integer), "=m"(saved) : "m"(modes[m]), "m"(samples[i]));
            printf("cw %04x %Lg: frndint %Lg fistp %lld\n", modes[m], samples[i], rounded, (long long)integer);
        }
    }
    // Comparisons: fcomi and fucomi set EFLAGS; C code compares long doubles with them.
    const long double left[] = { 1, 2, NAN, -0.0L }, right[] = { 2, 2, 1, 0.0L };
    for (int i = 0; i < 4; i++)
        printf("compare %Lg %Lg: < %d <= %d == %d > %d unordered %d\n", left[i], right[i], left[i] < right[i],
               left[i] <= right[i], left[i] == right[i], left[i] > right[i], isunordered(left[i], right[i]));
}

__attribute__((target("sse4.2,popcnt,ssse3,sse4.1")))
static void vector_extensions(void) {
    const char haystack[16] = "find the needle", needle[16] = "needle";
    __m128i h = _mm_loadu_si128((const __m128i *)haystack), n = _mm_loadu_si128((const __m128i *)needle);
    printf("pcmpistri equal-ordered %d\n", _mm_cmpistri(n, h, _SIDD_CMP_EQUAL_ORDERED));
    printf("pcmpistri any vowel %d\n", _mm_cmpistri(_mm_setr_epi8('a', 'e', 'i', 'o', 'u', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), h, _SIDD_CMP_EQUAL_ANY));
    printf("pcmpestri ranges %d\n", _mm_cmpestri(_mm_setr_epi8('m', 'z', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), 2, h, 15, _SIDD_CMP_RANGES));
    __m128i mask = _mm_cmpistrm(n, h, _SIDD_CMP_EQUAL_ANY | _SIDD_UNIT_MASK);
    uint64_t m[2];
    _mm_storeu_si128((__m128i *)m, mask);
    printf("pcmpistrm mask %016llx %016llx\n", (unsigned long long)m[0], (unsigned long long)m[1]);
    uint32_t crc = 0;
    for (int i = 0; i < 16; i++) crc = _mm_crc32_u8(crc, (uint8_t)haystack[i]);
    crc = (uint32_t)_mm_crc32_u64(crc, 0x0123456789ABCDEFULL);
    printf("crc32c %08x popcnt %d %lld\n", crc, _mm_popcnt_u32(0xF0F0F0F1u), (long long)_mm_popcnt_u64(0xFFFFFFFFFFFFFFFFULL));
    __m128i shuffled = _mm_shuffle_epi8(h, _mm_setr_epi8(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0));
    char out[17] = {0};
    _mm_storeu_si128((__m128i *)out, shuffled);
    printf("pshufb reversed '%s'\n", out + 1);
    __m128i a = _mm_setr_epi32(-5, 7, INT32_MIN, 3), b = _mm_setr_epi32(4, -8, 0, 3);
    int32_t r[4];
    _mm_storeu_si128((__m128i *)r, _mm_min_epi32(a, b));
    printf("pminsd %d %d %d %d", r[0], r[1], r[2], r[3]);
    _mm_storeu_si128((__m128i *)r, _mm_mullo_epi32(a, b));
    printf(" pmulld %d %d %d %d", r[0], r[1], r[2], r[3]);
    _mm_storeu_si128((__m128i *)r, _mm_abs_epi32(a));
    printf(" pabsd %d %d %d %d\n", r[0], r[1], r[2], r[3]);
    printf("ptest zero %d carry %d\n", _mm_testz_si128(a, _mm_setzero_si128()), _mm_testc_si128(a, a));
    __m128d d = _mm_setr_pd(2.5, -2.5);
    double dr[2];
    _mm_storeu_pd(dr, _mm_round_pd(d, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
    printf("roundpd nearest %g %g", dr[0], dr[1]);
    _mm_storeu_pd(dr, _mm_round_pd(d, _MM_FROUND_TO_POS_INF | _MM_FROUND_NO_EXC));
    printf(" up %g %g", dr[0], dr[1]);
    _mm_storeu_pd(dr, _mm_hadd_pd(d, _mm_setr_pd(1, 2)));
    printf(" haddpd %g %g", dr[0], dr[1]);
    _mm_storeu_pd(dr, _mm_dp_pd(_mm_setr_pd(1.5, 2), _mm_setr_pd(4, 8), 0x31));
    printf(" dppd %g\n", dr[0]);
    __m128 fl = _mm_setr_ps(1, 2, 3, 4);
    float fr[4];
    _mm_storeu_ps(fr, _mm_blend_ps(fl, _mm_set1_ps(-1), 0x5));
    printf("blendps %g %g %g %g", fr[0], fr[1], fr[2], fr[3]);
    _mm_storeu_ps(fr, _mm_insert_ps(fl, _mm_set1_ps(9), 0x30));
    printf(" insertps %g %g %g %g extract %d\n", fr[0], fr[1], fr[2], fr[3], _mm_extract_epi8(h, 5));
    printf("packusdw/phminposuw %08x\n", (unsigned)_mm_cvtsi128_si32(_mm_minpos_epu16(_mm_setr_epi16(9, 4, 7, 4, 100, 5, 6, 8))));
}

static void mxcsr_rounding(void) {
    const int modes[] = { FE_TONEAREST, FE_DOWNWARD, FE_UPWARD, FE_TOWARDZERO };
    for (int m = 0; m < 4; m++) {
        fesetround(modes[m]);
        volatile double one = 1, three = 3, big = 1e16;
        volatile float fone = 1, fthree = 3;
        printf("mode %d: %a %a %a %ld %a\n", m, one / three, (float)(fone / fthree), big + 1.5, lrint(-2.5), sqrt(three));
    }
    fesetround(FE_TONEAREST);
    // Flush-to-zero and denormals-are-zero in MXCSR.
    unsigned saved = _mm_getcsr();
    volatile double tiny = 1e-310, scale = 0.5;
    printf("denormal %a", tiny * scale);
    _mm_setcsr(saved | 0x8040);
    printf(" with FTZ/DAZ %a", tiny * scale);
    _mm_setcsr(saved);
    printf(" restored %a\n", tiny * scale);
}

int main(void) {
    conversions();
    arithmetic();
    x87();
    vector_extensions();
    mxcsr_rounding();
    return 0;
}

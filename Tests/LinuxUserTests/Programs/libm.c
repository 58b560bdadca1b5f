// libm: elementary functions at fixed points, printed exactly (%a), and the rounding-mode
// dependent functions under each of the four modes.
#define _GNU_SOURCE
#include <fenv.h>
#include <math.h>
#include <stdio.h>

static const double points[] = {
    0.0, -0.0, 1e-10, 0.5, 1.0, -1.0, 2.0, 3.0, 10.0, 0.7853981633974483, 1.5707963267948966,
    3.141592653589793, 100.0, -7.25, 1e5, 1e22, 700.0, -745.0, 1e-310, INFINITY, -INFINITY, NAN,
};

static void elementary(void) {
    for (size_t i = 0; i < sizeof points / sizeof points[0]; i++) {
        double x = points[i];
        printf("x=%a sin %a cos %a tan %a exp %a log %a log2 %a log10 %a sqrt %a cbrt %a\n", x,
               sin(x), cos(x), tan(x), exp(x), log(x), log2(x), log10(x), sqrt(x), cbrt(x));
        printf("  atan %a asin %a sinh %a tanh %a expm1 %a log1p %a erf %a tgamma %a lgamma %a\n",
               atan(x), asin(x / 1000), sinh(x), tanh(x), expm1(x), log1p(x), erf(x), tgamma(x), lgamma(x));
        printf("  pow(x,0.5) %a pow(x,3) %a pow(2,x) %a atan2(x,-2) %a hypot(x,3) %a fmod(x,0.7) %a remainder %a\n",
               pow(x, 0.5), pow(x, 3), pow(2, x), atan2(x, -2), hypot(x, 3), fmod(x, 0.7), remainder(x, 0.7));
        printf("  fma(x,x,-1) %a fma(x,1/3,1e-20) %a floor %a ceil %a trunc %a round %a frexp %a ldexp %a\n",
               fma(x, x, -1), fma(x, 1.0 / 3, 1e-20), floor(x), ceil(x), trunc(x), round(x),
               frexp(x, &(int){0}), ldexp(x, -3));
        float xf = (float)x;
        printf("  sinf %a expf %a logf %a powf %a sqrtf %a\n", sinf(xf), expf(xf), logf(xf), powf(xf, 1.5f), sqrtf(xf));
        long double xl = x;
        printf("  sinl %La cosl %La expl %La logl %La sqrtl %La powl %La atan2l %La\n", sinl(xl), cosl(xl),
               expl(xl), logl(xl), sqrtl(xl), powl(xl, 0.25L), atan2l(xl, 3.0L));
    }
}

static void rounding(void) {
    const int modes[] = { FE_TONEAREST, FE_DOWNWARD, FE_UPWARD, FE_TOWARDZERO };
    const char *const names[] = { "nearest", "down", "up", "zero" };
    const double values[] = { 0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 2.4999999999999996, 1e16 + 1, -3.7, 3.7, 1e300 };
    for (int m = 0; m < 4; m++) {
        if (fesetround(modes[m]) != 0) { printf("fesetround %s failed\n", names[m]); continue; }
        printf("%s: fegetround ok %d\n", names[m], fegetround() == modes[m]);
        for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
            double v = values[i];
            volatile double third = v / 3.0;
            volatile float narrowed = (float)third;
            volatile long double wide = (long double)v / 3.0L;
            printf("  %g: rint %a nearbyint %a lrint %ld llrint %lld lround %ld /3 %a (float) %a (ld)/3 %La rintl %La lrintf %ld\n",
                   v, rint(v), nearbyint(v), lrint(v), llrint(v), lround(v), third, narrowed, wide,
                   rintl(wide), lrintf((float)v));
        }
        volatile double a = 1.0, b = 3.0, c = 1e-30;
        printf("  1/3 %a 1+1e-30 %a sqrt(2) %a fma %a\n", a / b, a + c, sqrt(2.0), fma(a / b, b, -a));
    }
    fesetround(FE_TONEAREST);
}

static void exceptions(void) {
    feclearexcept(FE_ALL_EXCEPT);
    volatile double zero = 0.0, one = 1.0, big = 1e308, tiny = 1e-308;
    volatile double r = one / zero;
    printf("1/0 = %g divbyzero %d\n", r, fetestexcept(FE_DIVBYZERO) != 0);
    feclearexcept(FE_ALL_EXCEPT);
    r = zero / zero;
    printf("0/0 = %g invalid %d\n", r, fetestexcept(FE_INVALID) != 0);
    feclearexcept(FE_ALL_EXCEPT);
    r = big * 10;
    printf("overflow %g %d inexact %d\n", r, fetestexcept(FE_OVERFLOW) != 0, fetestexcept(FE_INEXACT) != 0);
    feclearexcept(FE_ALL_EXCEPT);
    r = tiny / 1e10;
    printf("underflow %a %d\n", r, fetestexcept(FE_UNDERFLOW) != 0);
    feclearexcept(FE_ALL_EXCEPT);
    r = one + 1.0;
    printf("exact %g raised %d\n", r, fetestexcept(FE_ALL_EXCEPT));
    feclearexcept(FE_ALL_EXCEPT);
    volatile long double lz = 0.0L;
    volatile long double lr = 1.0L / lz;
    printf("x87 1/0 %Lg divbyzero %d\n", lr, fetestexcept(FE_DIVBYZERO) != 0);
    feclearexcept(FE_ALL_EXCEPT);
    lr = sqrtl(-1.0L + lz);
    printf("x87 sqrt(-1) %Lg invalid %d\n", lr, fetestexcept(FE_INVALID) != 0);
}

int main(void) {
    elementary();
    rounding();
    exceptions();
    return 0;
}

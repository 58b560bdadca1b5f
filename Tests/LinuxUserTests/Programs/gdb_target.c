// A program for the gdb test: a function called with known arguments, an exit status gdb
// reports.
#include <stdio.h>

int __attribute__((noinline)) square(int x) { return x * x; }

int main(void) {
    int sum = 0;
    for (int i = 0; i < 5; i++) sum += square(i + 2);
    printf("sum %d\n", sum);
    return sum & 7;
}

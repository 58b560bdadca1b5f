#include "format.h"
#include <stdint.h>

struct sink { char *buffer; size_t size, length; };

static void put(struct sink *s, char c) {
    if (s->length + 1 < s->size) s->buffer[s->length] = c;
    s->length++;
}

static void put_number(struct sink *s, uint64_t value, unsigned base, int upper, int negative, int width, char pad) {
    char digits[24];
    int n = 0;
    const char *set = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    do { digits[n++] = set[value % base]; value /= base; } while (value);
    if (negative) {
        if (pad == '0') { put(s, '-'); width--; }
        else digits[n++] = '-';
    }
    for (int i = n; i < width; i++) put(s, pad);
    while (n) put(s, digits[--n]);
}

size_t vformat(char *buffer, size_t size, const char *fmt, va_list ap) {
    struct sink s = { buffer, size, 0 };
    for (; *fmt; fmt++) {
        if (*fmt != '%') { put(&s, *fmt); continue; }
        fmt++;
        char pad = ' ';
        int width = 0, longs = 0, left = 0;
        if (*fmt == '-') { left = 1; fmt++; }
        else if (*fmt == '0') { pad = '0'; fmt++; }
        while (*fmt >= '0' && *fmt <= '9') width = width * 10 + (*fmt++ - '0');
        while (*fmt == 'l') { longs++; fmt++; }
        switch (*fmt) {
        case 'd': case 'i': {
            int64_t v = longs ? va_arg(ap, int64_t) : va_arg(ap, int);
            put_number(&s, v < 0 ? -(uint64_t)v : (uint64_t)v, 10, 0, v < 0, width, pad);
            break;
        }
        case 'u': put_number(&s, longs ? va_arg(ap, uint64_t) : va_arg(ap, unsigned), 10, 0, 0, width, pad); break;
        case 'x': case 'X':
            put_number(&s, longs ? va_arg(ap, uint64_t) : va_arg(ap, unsigned), 16, *fmt == 'X', 0, width, pad);
            break;
        case 'p': put(&s, '0'); put(&s, 'x'); put_number(&s, (uint64_t)va_arg(ap, void *), 16, 0, 0, width, pad); break;
        case 's': {
            const char *str = va_arg(ap, const char *);
            int len = 0;
            while (str[len]) len++;
            if (!left) for (int i = len; i < width; i++) put(&s, ' ');
            while (*str) put(&s, *str++);
            if (left) for (int i = len; i < width; i++) put(&s, ' ');
            break;
        }
        case 'c': put(&s, (char)va_arg(ap, int)); break;
        case '%': put(&s, '%'); break;
        case 0: fmt--; break;
        default: put(&s, '%'); put(&s, *fmt); break;
        }
    }
    if (s.size) s.buffer[s.length < s.size ? s.length : s.size - 1] = 0;
    return s.length;
}

/* printf-style formatting shared by the kernel and ring-3 code (it lives in the user region,
 * which ring 0 may also execute). Supports %d %i %u %x %X %p %s %c %%, the l and ll length
 * modifiers, a field width, the 0 flag and (for %s) the - flag. */
#ifndef FORMAT_H
#define FORMAT_H

#include <stdarg.h>
#include <stddef.h>

size_t vformat(char *buffer, size_t size, const char *fmt, va_list ap);

#endif

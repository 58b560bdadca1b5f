// /proc/cpuinfo against the CPUID instruction of the CPU the program runs on: vendor,
// family, model, stepping, model name, cpuid level, clflush size and the flags of named
// CPUID bits, for every processor. Prints derived facts only (agreement), so the output is
// the same on any CPU whose kernel shows these bits as CPUID reports them.
#include <cpuid.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char text[1 << 20];

/// CPUID bits and the names Linux shows them by.
static const struct { unsigned leaf; char reg; int bit; const char *name; } known[] = {
    {1, 'd', 0, "fpu"}, {1, 'd', 4, "tsc"}, {1, 'd', 8, "cx8"}, {1, 'd', 15, "cmov"}, {1, 'd', 19, "clflush"},
    {1, 'd', 23, "mmx"}, {1, 'd', 24, "fxsr"}, {1, 'd', 25, "sse"}, {1, 'd', 26, "sse2"},
    {1, 'c', 0, "pni"}, {1, 'c', 1, "pclmulqdq"}, {1, 'c', 9, "ssse3"}, {1, 'c', 12, "fma"}, {1, 'c', 13, "cx16"},
    {1, 'c', 19, "sse4_1"}, {1, 'c', 20, "sse4_2"}, {1, 'c', 22, "movbe"}, {1, 'c', 23, "popcnt"}, {1, 'c', 25, "aes"},
    {1, 'c', 26, "xsave"}, {1, 'c', 28, "avx"}, {1, 'c', 29, "f16c"}, {1, 'c', 30, "rdrand"},
    {7, 'b', 3, "bmi1"}, {7, 'b', 5, "avx2"}, {7, 'b', 8, "bmi2"}, {7, 'b', 18, "rdseed"}, {7, 'b', 19, "adx"},
    {7, 'b', 23, "clflushopt"}, {7, 'b', 24, "clwb"}, {7, 'b', 16, "avx512f"}, {7, 'b', 29, "sha_ni"},
    {0x80000001, 'd', 11, "syscall"}, {0x80000001, 'd', 20, "nx"}, {0x80000001, 'd', 27, "rdtscp"}, {0x80000001, 'd', 29, "lm"},
    {0x80000001, 'c', 0, "lahf_lm"}, {0x80000001, 'c', 5, "abm"}, {0x80000001, 'c', 8, "3dnowprefetch"},
};

static unsigned reg(unsigned leaf, char which) {
    unsigned a = 0, b = 0, c = 0, d = 0;
    unsigned top = __get_cpuid_max(leaf & 0x80000000, NULL);
    if (leaf > top) return 0;
    __cpuid_count(leaf, 0, a, b, c, d);
    return which == 'a' ? a : which == 'b' ? b : which == 'c' ? c : d;
}

/// The value of field `name` in the processor block starting at `block`, or "".
static void field(const char *block, const char *end, const char *name, char *out, size_t size) {
    out[0] = 0;
    for (const char *line = block; line < end; line = strchr(line, '\n') + 1) {
        size_t n = strlen(name);
        if (strncmp(line, name, n) == 0 && (line[n] == ' ' || line[n] == '\t')) {
            const char *value = strchr(line, ':');
            if (!value) return;
            value += 1;
            while (*value == ' ') value++;
            size_t length = strcspn(value, "\n");
            snprintf(out, size, "%.*s", (int)length, value);
            return;
        }
    }
}

static int hasFlag(const char *flags, const char *name) {
    size_t n = strlen(name);
    for (const char *p = flags; (p = strstr(p, name)) != NULL; p += n) {
        if ((p == flags || p[-1] == ' ') && (p[n] == ' ' || p[n] == 0)) return 1;
    }
    return 0;
}

int main(void) {
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f) { perror("/proc/cpuinfo"); return 1; }
    size_t length = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[length] = 0;

    unsigned vendorWords[3] = {reg(0, 'b'), reg(0, 'd'), reg(0, 'c')};
    char vendor[13];
    memcpy(vendor, vendorWords, 12);
    vendor[12] = 0;
    unsigned signature = reg(1, 'a'), family = signature >> 8 & 15, model = signature >> 4 & 15;
    if (family == 15) family += signature >> 20 & 255;
    if ((signature >> 8 & 15) == 6 || (signature >> 8 & 15) == 15) model += (signature >> 16 & 15) << 4;
    char brand[49] = "";
    if (__get_cpuid_max(0x80000000, NULL) >= 0x80000004) {
        unsigned *w = (unsigned *)brand;
        for (unsigned leaf = 0x80000002; leaf <= 0x80000004; leaf++, w += 4) __cpuid(leaf, w[0], w[1], w[2], w[3]);
        brand[48] = 0;
    }
    char *name = brand;
    while (*name == ' ') name++;
    for (char *end = name + strlen(name); end > name && end[-1] == ' '; ) *--end = 0;

    int processors = 0, vendorOK = 1, familyOK = 1, modelOK = 1, steppingOK = 1, nameOK = 1, levelOK = 1, clflushOK = 1, same = 1;
    char firstFlags[8192] = "", mismatches[1024] = "";
    for (char *block = strstr(text, "processor"); block; ) {
        char *next = strstr(block + 1, "\nprocessor");
        char *end = next ? next + 1 : text + length;
        char value[8192];
        field(block, end, "vendor_id", value, sizeof value);
        vendorOK &= strcmp(value, vendor) == 0;
        field(block, end, "cpu family", value, sizeof value);
        familyOK &= strtoul(value, NULL, 10) == family;
        field(block, end, "model", value, sizeof value);
        modelOK &= strtoul(value, NULL, 10) == model;
        field(block, end, "stepping", value, sizeof value);
        steppingOK &= strtoul(value, NULL, 10) == (signature & 15);
        field(block, end, "model name", value, sizeof value);
        nameOK &= strcmp(value, name) == 0;
        field(block, end, "cpuid level", value, sizeof value);
        levelOK &= strtoul(value, NULL, 10) == reg(0, 'a');
        field(block, end, "clflush size", value, sizeof value);
        clflushOK &= strtoul(value, NULL, 10) == (reg(1, 'b') >> 8 & 255) * 8;
        field(block, end, "flags", value, sizeof value);
        if (processors == 0) {
            snprintf(firstFlags, sizeof firstFlags, "%s", value);
            for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
                int cpuid = reg(known[i].leaf, known[i].reg) >> known[i].bit & 1;
                if (cpuid != hasFlag(value, known[i].name) && strlen(mismatches) + 40 < sizeof mismatches) {
                    strcat(mismatches, " ");
                    strcat(mismatches, known[i].name);
                    strcat(mismatches, cpuid ? "(cpuid only)" : "(cpuinfo only)");
                }
            }
        } else {
            same &= strcmp(value, firstFlags) == 0;
        }
        processors++;
        block = next ? next + 1 : NULL;
    }
    printf("processors listed %d\n", processors > 0);
    printf("vendor_id is CPUID's %d\n", vendorOK);
    printf("cpu family %d, model %d, stepping %d are CPUID's\n", familyOK, modelOK, steppingOK);
    printf("model name is the brand string %d\n", nameOK);
    printf("cpuid level is the highest leaf %d\n", levelOK);
    printf("clflush size is CPUID's %d\n", clflushOK);
    printf("flags of %zu CPUID bits agree:%s\n", sizeof known / sizeof known[0], mismatches[0] ? mismatches : " all");
    printf("every processor has the same flags %d\n", same);
    return 0;
}

// Sequentially consistent loads and stores of shared words, for the runtime's handshakes
// between threads (Swift's standard library has no atomics on plain pointers).
#ifndef MIMIC_ATOMICS_H
#define MIMIC_ATOMICS_H

#include <stdint.h>

static inline uint32_t mimic_atomic_load32(const uint32_t *word) { return __atomic_load_n(word, __ATOMIC_SEQ_CST); }
static inline void mimic_atomic_store32(uint32_t *word, uint32_t value) { __atomic_store_n(word, value, __ATOMIC_SEQ_CST); }
static inline uint64_t mimic_atomic_load64(const uint64_t *word) { return __atomic_load_n(word, __ATOMIC_SEQ_CST); }
static inline void mimic_atomic_store64(uint64_t *word, uint64_t value) { __atomic_store_n(word, value, __ATOMIC_SEQ_CST); }
// A counter several threads add to (only the sum matters, so no ordering).
static inline void mimic_atomic_add64(uint64_t *word, uint64_t value) { __atomic_fetch_add(word, value, __ATOMIC_RELAXED); }

#endif

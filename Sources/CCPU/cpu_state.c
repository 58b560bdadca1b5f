#include "cpu_state.h"

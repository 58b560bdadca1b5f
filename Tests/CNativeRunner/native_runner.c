#include "native_runner.h"

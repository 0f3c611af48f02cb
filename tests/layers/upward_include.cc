// Copyright servebench authors.
//
// Compiled with the lifecycle layer's include view: bench/ sits above lifecycle/, so this
// include must not be found. tests/layers expects the compile to fail.
#include "servebench/bench/experiment.h"

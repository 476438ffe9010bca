// The CLinux target only exposes system headers; this file gives SwiftPM something to compile.
#include "CLinux.h"

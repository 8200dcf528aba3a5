// The header is the whole of this target: it gathers the uapi headers in an order that Clang
// modules accept. SwiftPM needs one source file to build a C target.
#include "CNetlinkShims.h"

#include "CNetlinkShims.h"

size_t cnl_socket_buffer_size(void) { return MNL_SOCKET_BUFFER_SIZE; }

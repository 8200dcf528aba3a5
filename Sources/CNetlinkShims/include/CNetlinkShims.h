#ifndef CNETLINKSHIMS_H
#define CNETLINKSHIMS_H

/* Include order matters: <netinet/in.h> and <net/if.h> must come before the uapi headers, or
   Clang modules report conflicting definitions of in_addr and ifreq. Never include <linux/if.h>. */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <net/if.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/if_link.h>
#include <linux/ip.h>
#include <linux/if_addr.h>
#include <linux/if_bridge.h>
#include <linux/veth.h>
#include <linux/pkt_sched.h>
#include <linux/pkt_cls.h>
#include <linux/tc_act/tc_mirred.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nf_tables.h>
#include <libmnl/libmnl.h>

/// MNL_SOCKET_BUFFER_SIZE, which calls sysconf and so does not import.
size_t cnl_socket_buffer_size(void);

#endif

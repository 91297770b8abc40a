/*
 * Unit tests for the host side of domain networking (libhv/net.c), on the
 * kernel's real taps and bridges, each test in a network namespace of its
 * own (never the host's interfaces): a missing bridge is created as hv
 * wants it; the tap joins it with the guest's address under 0xfe, the
 * bridge's or a given MTU, one descriptor per queue; names chosen by the
 * kernel or given, renamed in place; closing, or killing the holder with
 * SIGKILL, removes tap and port; every refusal leaves nothing behind.
 * Skips (77) where no network namespace or /dev/net/tun is to be had.
 */
#include <check.h>
#include "check-main.h"
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/capability.h>
#include <linux/if_link.h>
#include <linux/if_tun.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <netlink/route/link/bridge.h>
#include <netlink/route/link/veth.h>
#include "config/ctx.h"
#include "net.h"

static const uint8_t guest_mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
static const uint8_t tap_mac[6] = { 0xfe, 0x54, 0x00, 0x12, 0x34, 0x56 };

static char logbuf[8192];
static hv_ctx ctx;
static struct nl_sock *sk;

static void logger(void *opaque, enum hv_log_level level, const char *fmt, va_list ap)
{
	static const char tag[] = "EWID";
	size_t n = strlen(logbuf);

	(void)opaque;
	if (n + 8 < sizeof(logbuf)) {
		logbuf[n++] = tag[level];
		logbuf[n++] = ':';
		logbuf[n++] = ' ';
		vsnprintf(logbuf + n, sizeof(logbuf) - n - 1, fmt, ap);
		strcat(logbuf, "\n");
	}
}

#define ck_log_has(s) \
	ck_assert_msg(strstr(logbuf, (s)), "log lacks [%s]; log is:\n%s", (s), logbuf)
#define ck_log_lacks(s) \
	ck_assert_msg(!strstr(logbuf, (s)), "log has [%s]; log is:\n%s", (s), logbuf)

/* A fresh network namespace for each test: nothing of one is seen by the next. */
static void setup(void)
{
	ck_assert_msg(unshare(CLONE_NEWNET) == 0, "unshare(CLONE_NEWNET): %s", strerror(errno));
	hv__ctx_init(&ctx);
	hv_ctx_set_logger(&ctx, logger, NULL, HV_LOG_DEBUG);
	logbuf[0] = '\0';
	sk = nl_socket_alloc();
	ck_assert_ptr_nonnull(sk);
	ck_assert_int_eq(nl_connect(sk, NETLINK_ROUTE), 0);
}

static void teardown(void)
{
	nl_socket_free(sk);
	hv__ctx_fini(&ctx);
}

/* The interface called @name, or NULL (free it with rtnl_link_put()). */
static struct rtnl_link *link_get(const char *name)
{
	struct rtnl_link *link = NULL;

	return rtnl_link_get_kernel(sk, 0, name, &link) == 0 ? link : NULL;
}

static int link_ifindex(const char *name)
{
	struct rtnl_link *link = link_get(name);
	int ifindex = link ? rtnl_link_get_ifindex(link) : 0;

	rtnl_link_put(link);
	return ifindex;
}

/*
 * The interfaces in the namespace: how many there are, of kind @kind if not
 * NULL, or ports of @master if not 0.
 */
static int links_count(const char *kind, int master)
{
	struct nl_cache *cache;
	int n = 0;

	ck_assert_int_eq(rtnl_link_alloc_cache(sk, AF_UNSPEC, &cache), 0);
	for (struct nl_object *o = nl_cache_get_first(cache); o; o = nl_cache_get_next(o)) {
		struct rtnl_link *link = (struct rtnl_link *)o;
		const char *type = rtnl_link_get_type(link);

		if (kind && (!type || strcmp(type, kind)))
			continue;
		if (master && rtnl_link_get_master(link) != master)
			continue;
		n++;
	}
	nl_cache_free(cache);
	return n;
}

static void link_up(const char *name)
{
	struct rtnl_link *link = link_get(name), *changes = rtnl_link_alloc();

	ck_assert_ptr_nonnull(link);
	rtnl_link_set_flags(changes, IFF_UP);
	ck_assert_int_eq(rtnl_link_change(sk, link, changes, 0), 0);
	rtnl_link_put(changes);
	rtnl_link_put(link);
}

/* A bridge made as an administrator would, with MTU @mtu if not 0, up if @up. */
static int bridge_make(const char *name, unsigned int mtu, bool up)
{
	struct rtnl_link *link;

	ck_assert_int_eq(rtnl_link_bridge_add(sk, name), 0);
	link = link_get(name);
	ck_assert_ptr_nonnull(link);
	if (mtu) {
		struct rtnl_link *changes = rtnl_link_alloc();

		rtnl_link_set_mtu(changes, mtu);
		ck_assert_int_eq(rtnl_link_change(sk, link, changes, 0), 0);
		rtnl_link_put(changes);
	}
	rtnl_link_put(link);
	if (up)
		link_up(name);
	return link_ifindex(name);
}

/* An interface called @name that is not a bridge: a dummy, or a veth where there are no dummies. */
static const char *other_make(const char *name)
{
	struct rtnl_link *link = rtnl_link_alloc();
	char peer[IFNAMSIZ];
	int err;

	rtnl_link_set_name(link, name);
	ck_assert_int_eq(rtnl_link_set_type(link, "dummy"), 0);
	err = rtnl_link_add(sk, link, NLM_F_CREATE | NLM_F_EXCL);
	rtnl_link_put(link);
	if (err == 0)
		return "dummy";
	snprintf(peer, sizeof(peer), "%.10s-peer", name);
	ck_assert_int_eq(rtnl_link_veth_add(sk, name, peer, getpid()), 0);
	return "veth";
}

/* Bridge @ifindex's STP state and forward delay, from its IFLA_INFO_DATA. */
struct bridge_opts {
	bool found;
	uint32_t stp_state, forward_delay;
};

static int bridge_opts_parse(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[IFLA_MAX + 1], *info[IFLA_INFO_MAX + 1], *br[IFLA_BR_MAX + 1];
	struct bridge_opts *opts = arg;

	if (nlmsg_parse(nlmsg_hdr(msg), sizeof(struct ifinfomsg), tb, IFLA_MAX, NULL) < 0 ||
	    !tb[IFLA_LINKINFO] ||
	    nla_parse_nested(info, IFLA_INFO_MAX, tb[IFLA_LINKINFO], NULL) < 0 ||
	    !info[IFLA_INFO_DATA] ||
	    nla_parse_nested(br, IFLA_BR_MAX, info[IFLA_INFO_DATA], NULL) < 0 ||
	    !br[IFLA_BR_STP_STATE] || !br[IFLA_BR_FORWARD_DELAY])
		return NL_SKIP;
	opts->stp_state = nla_get_u32(br[IFLA_BR_STP_STATE]);
	opts->forward_delay = nla_get_u32(br[IFLA_BR_FORWARD_DELAY]);
	opts->found = true;
	return NL_OK;
}

static struct bridge_opts bridge_opts(int ifindex)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_index = ifindex };
	struct bridge_opts opts = { 0 };
	struct nl_sock *s = nl_socket_alloc();

	ck_assert_int_eq(nl_connect(s, NETLINK_ROUTE), 0);
	nl_socket_modify_cb(s, NL_CB_VALID, NL_CB_CUSTOM, bridge_opts_parse, &opts);
	ck_assert_int_ge(nl_send_simple(s, RTM_GETLINK, 0, &ifi, sizeof(ifi)), 0);
	ck_assert_int_ge(nl_recvmsgs_default(s), 0);
	nl_socket_free(s);
	ck_assert_msg(opts.found, "no bridge options for ifindex %d", ifindex);
	return opts;
}

static void link_addr(const char *name, uint8_t mac[6])
{
	struct rtnl_link *link = link_get(name);
	struct nl_addr *addr;

	ck_assert_ptr_nonnull(link);
	addr = rtnl_link_get_addr(link);
	ck_assert_ptr_nonnull(addr);
	ck_assert_int_eq(nl_addr_get_len(addr), 6);
	memcpy(mac, nl_addr_get_binary_addr(addr), 6);
	rtnl_link_put(link);
}

/* @tap is a tap on bridge @br (ifindex), up, with the address for @guest and @mtu. */
static void ck_tap_of(const struct hv__tap *tap, int br, unsigned int mtu, const uint8_t guest[6])
{
	struct rtnl_link *link = link_get(tap->name);
	uint8_t mac[6], want[6];

	ck_assert_msg(link, "no interface %s", tap->name);
	ck_assert_str_eq(rtnl_link_get_type(link), "tun");
	ck_assert_int_eq(rtnl_link_get_ifindex(link), tap->ifindex);
	ck_assert_int_eq(rtnl_link_get_master(link), br);
	ck_assert(rtnl_link_get_flags(link) & IFF_UP);
	ck_assert_uint_eq(rtnl_link_get_mtu(link), mtu);
	rtnl_link_put(link);
	link_addr(tap->name, mac);
	memcpy(want, guest, 6);
	want[0] = 0xfe;
	ck_assert_mem_eq(mac, want, 6);
	ck_assert_int_eq((int)if_nametoindex(tap->name), tap->ifindex);
}

static void ck_tap_on(const struct hv__tap *tap, int br, unsigned int mtu)
{
	ck_tap_of(tap, br, mtu, guest_mac);
}

/* The descriptors are the tap's queues, opened as hv-vmm needs them. */
static void ck_tap_fds(const struct hv__tap *tap, unsigned int queues)
{
	ck_assert_uint_eq(tap->nr_fds, queues);
	for (unsigned int i = 0; i < HV__TAP_MAX_QUEUES; i++) {
		struct ifreq ifr;
		int len = 0;

		if (i >= queues) {
			ck_assert_int_eq(tap->fds[i], -1);
			continue;
		}
		ck_assert_int_ge(tap->fds[i], 0);
		for (unsigned int j = 0; j < i; j++)
			ck_assert_int_ne(tap->fds[i], tap->fds[j]);
		ck_assert(fcntl(tap->fds[i], F_GETFD) & FD_CLOEXEC);
		ck_assert(fcntl(tap->fds[i], F_GETFL) & O_NONBLOCK);
		memset(&ifr, 0, sizeof(ifr));
		ck_assert_int_eq(ioctl(tap->fds[i], TUNGETIFF, &ifr), 0);
		ck_assert_str_eq(ifr.ifr_name, tap->name);
		ck_assert((ifr.ifr_flags & (IFF_TAP | IFF_NO_PI | IFF_VNET_HDR)) ==
			  (IFF_TAP | IFF_NO_PI | IFF_VNET_HDR));
		ck_assert(!(ifr.ifr_flags & IFF_PERSIST));
		ck_assert_int_eq(!!(ifr.ifr_flags & IFF_MULTI_QUEUE), queues > 1);
		ck_assert_int_eq(ioctl(tap->fds[i], TUNGETVNETHDRSZ, &len), 0);
		ck_assert_int_eq(len, 12);
	}
}

/* A failed open: the tap says so and no tap is left in the namespace. */
static void ck_no_tap(const struct hv__tap *tap)
{
	ck_assert_uint_eq(tap->nr_fds, 0);
	for (unsigned int i = 0; i < HV__TAP_MAX_QUEUES; i++)
		ck_assert_int_eq(tap->fds[i], -1);
	ck_assert_int_eq(links_count("tun", 0), 0);
}

START_TEST(test_bridge_created)
{
	struct hv__tap tap, tap2;
	uint8_t br_mac[6], mac[6];
	struct rtnl_link *link;
	struct bridge_opts opts;
	int br;

	ck_assert_int_eq(link_ifindex("hvbr0"), 0);
	ck_assert_int_eq(hv__tap_open(&ctx, "domain \"web\": vif 0", NULL, "hvbr0", guest_mac, 0, 1, &tap), 0);
	ck_log_has("I: domain \"web\": vif 0: bridge hvbr0 did not exist: created it (STP off, forward delay 0, up)");

	link = link_get("hvbr0");
	ck_assert_ptr_nonnull(link);
	ck_assert_str_eq(rtnl_link_get_type(link), "bridge");
	ck_assert(rtnl_link_get_flags(link) & IFF_UP);
	br = rtnl_link_get_ifindex(link);
	ck_assert_uint_eq(rtnl_link_get_mtu(link), 1500);
	rtnl_link_put(link);
	opts = bridge_opts(br);
	ck_assert_uint_eq(opts.stp_state, 0);
	ck_assert_uint_eq(opts.forward_delay, 0);
	ck_tap_on(&tap, br, 1500);
	ck_tap_fds(&tap, 1);
	ck_assert_int_eq(links_count(NULL, br), 1);

	/* an address of its own, locally administered, not its port's, kept as ports go */
	link_addr("hvbr0", br_mac);
	ck_assert_mem_ne(br_mac, tap_mac, 6);
	ck_assert_uint_eq(br_mac[0] & 0x03, 0x02);
	hv__tap_close(&tap);
	link_addr("hvbr0", mac);
	ck_assert_mem_eq(mac, br_mac, 6);

	/* made once: the next tap joins it quietly */
	logbuf[0] = '\0';
	ck_assert_int_eq(hv__tap_open(&ctx, "domain \"db\": vif 0", NULL, "hvbr0", guest_mac, 0, 1, &tap2), 0);
	ck_log_lacks("did not exist");
	ck_log_lacks("W: ");
	ck_tap_on(&tap2, br, 1500);
	link_addr("hvbr0", mac);
	ck_assert_mem_eq(mac, br_mac, 6);
	hv__tap_close(&tap2);
}
END_TEST

START_TEST(test_existing_bridge)
{
	/* a Xen-style guest address, below any uplink's */
	static const uint8_t xen_mac[6] = { 0x00, 0x16, 0x3e, 0x01, 0x02, 0x03 };
	static const uint8_t uplink_mac[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };
	struct rtnl_link *link, *changes;
	struct nl_addr *addr;
	struct hv__tap tap;
	uint8_t mac[6];
	int br = bridge_make("xenbr0", 1400, false);

	/* an uplink on it, as an administrator sets one up (a veth stands for the NIC) */
	ck_assert_int_eq(rtnl_link_veth_add(sk, "uplink0", "uplink0p", getpid()), 0);
	link = link_get("uplink0");
	changes = rtnl_link_alloc();
	addr = nl_addr_build(AF_LLC, uplink_mac, 6);
	rtnl_link_set_addr(changes, addr);
	rtnl_link_set_mtu(changes, 1400);
	rtnl_link_set_master(changes, br);
	ck_assert_int_eq(rtnl_link_change(sk, link, changes, 0), 0);
	nl_addr_put(addr);
	rtnl_link_put(changes);
	rtnl_link_put(link);
	link_addr("xenbr0", mac);
	ck_assert_mem_eq(mac, uplink_mac, 6);

	ck_assert_int_eq(hv__tap_open(&ctx, "vif", NULL, "xenbr0", xen_mac, 0, 1, &tap), 0);
	/* used as it is, down, with a word about it */
	ck_log_has("W: vif: bridge xenbr0 is down: no traffic passes until it is up (ip link set dev xenbr0 up)");
	ck_log_lacks("did not exist");
	ck_tap_of(&tap, br, 1400, xen_mac);
	ck_tap_fds(&tap, 1);
	ck_assert_int_eq(links_count(NULL, br), 2);
	/* the bridge takes its ports' lowest address: the uplink's still, not the guest's */
	link_addr("xenbr0", mac);
	ck_assert_mem_eq(mac, uplink_mac, 6);
	hv__tap_close(&tap);
	ck_assert_int_eq(links_count(NULL, br), 1);
}
END_TEST

START_TEST(test_mtu)
{
	struct hv__tap tap;
	int br = bridge_make("hvbr0", 1400, true);

	/* smaller than the bridge's, or the same */
	for (unsigned int mtu = 1280; mtu <= 1400; mtu += 120) {
		ck_assert_int_eq(hv__tap_open(&ctx, "vif", NULL, "hvbr0", guest_mac, mtu, 1, &tap), 0);
		ck_tap_on(&tap, br, mtu);
		hv__tap_close(&tap);
	}

	/* larger than the bridge's: refused before a tap is made */
	ck_assert_int_eq(hv__tap_open(&ctx, "vif 1", NULL, "hvbr0", guest_mac, 1500, 1, &tap),
			 HV_ERROR_CONFIG);
	ck_log_has("E: vif 1: MTU 1500 is larger than bridge hvbr0's 1400");
	ck_log_has("ip link set dev hvbr0 mtu 1500");
	ck_no_tap(&tap);

	/* too small for the kernel: refused once the tap exists, which then goes */
	ck_assert_int_eq(hv__tap_open(&ctx, "vif 2", "vif2.0", "hvbr0", guest_mac, 60, 2, &tap),
			 HV_ERROR_CONFIG);
	ck_log_has("E: vif 2: tap hvtap");
	ck_log_has("the kernel refuses MTU 60: give one of 68 or more, up to bridge hvbr0's 1400");
	ck_no_tap(&tap);
	ck_assert_int_eq(links_count(NULL, br), 0);
}
END_TEST

START_TEST(test_multi_queue)
{
	struct hv__tap tap;
	int br = bridge_make("hvbr0", 0, true);

	ck_assert_int_eq(hv__tap_open(&ctx, "vif", NULL, "hvbr0", guest_mac, 0, HV__TAP_MAX_QUEUES, &tap), 0);
	ck_tap_fds(&tap, HV__TAP_MAX_QUEUES);
	ck_tap_on(&tap, br, 1500);
	/* one interface for all the queues */
	ck_assert_int_eq(links_count("tun", 0), 1);
	hv__tap_close(&tap);

	ck_assert_int_eq(hv__tap_open(&ctx, "vif", NULL, "hvbr0", guest_mac, 0, 0, &tap), HV_ERROR_INVAL);
	ck_no_tap(&tap);
	ck_assert_int_eq(hv__tap_open(&ctx, "vif", NULL, "hvbr0", guest_mac, 0, HV__TAP_MAX_QUEUES + 1, &tap),
			 HV_ERROR_INVAL);
	ck_log_has("E: vif: 5 queues asked for: a tap has 1 to 4 here");
	ck_no_tap(&tap);
}
END_TEST

START_TEST(test_names)
{
	struct hv__tap a, b, named;
	int br = bridge_make("hvbr0", 0, true);

	/* chosen by the kernel: hvtap<N>, one each */
	ck_assert_int_eq(hv__tap_open(&ctx, "vif", NULL, "hvbr0", guest_mac, 0, 1, &a), 0);
	ck_assert_int_eq(hv__tap_open(&ctx, "vif", NULL, "hvbr0", guest_mac, 0, 2, &b), 0);
	ck_assert_int_eq(strncmp(a.name, HV__TAP_PREFIX, strlen(HV__TAP_PREFIX)), 0);
	ck_assert_int_eq(strncmp(b.name, HV__TAP_PREFIX, strlen(HV__TAP_PREFIX)), 0);
	ck_assert_str_ne(a.name, b.name);
	ck_assert_int_ne(a.ifindex, b.ifindex);
	ck_tap_on(&a, br, 1500);
	ck_tap_on(&b, br, 1500);

	/* given: exactly that, with all 15 characters */
	ck_assert_int_eq(hv__tap_open(&ctx, "vif", "vif12345.0-long", "hvbr0", guest_mac, 0, 2, &named), 0);
	ck_assert_str_eq(named.name, "vif12345.0-long");
	ck_tap_on(&named, br, 1500);
	ck_tap_fds(&named, 2);
	ck_assert_int_eq(links_count(NULL, br), 3);

	hv__tap_close(&a);
	hv__tap_close(&b);
	hv__tap_close(&named);
	ck_assert_int_eq(links_count(NULL, br), 0);
}
END_TEST

START_TEST(test_rename)
{
	struct hv__tap tap, other;
	int br = bridge_make("hvbr0", 0, true), ifindex;

	ck_assert_int_eq(hv__tap_open(&ctx, "vif", NULL, "hvbr0", guest_mac, 0, 2, &tap), 0);
	ck_assert_int_eq(hv__tap_open(&ctx, "vif", "vif2.0", "hvbr0", guest_mac, 0, 1, &other), 0);
	ifindex = tap.ifindex;

	ck_assert_int_eq(hv__tap_rename(&ctx, &tap, "vif1.0"), 0);
	ck_assert_str_eq(tap.name, "vif1.0");
	ck_assert_int_eq(tap.ifindex, ifindex);
	ck_tap_on(&tap, br, 1500);
	ck_tap_fds(&tap, 2);
	ck_assert_int_eq(links_count("tun", 0), 2);

	/* the same name: nothing to do */
	ck_assert_int_eq(hv__tap_rename(&ctx, &tap, "vif1.0"), 0);

	/* refused: the tap keeps its name, its bridge, up */
	logbuf[0] = '\0';
	ck_assert_int_eq(hv__tap_rename(&ctx, &tap, "vif2.0"), HV_ERROR_EXISTS);
	ck_log_has("E: tap vif1.0: interface name vif2.0 is in use (by a tun device");
	ck_assert_int_eq(hv__tap_rename(&ctx, &tap, "a-name-too-long-"), HV_ERROR_CONFIG);
	ck_log_has("E: tap vif1.0: new name \"a-name-too-long-\" is too long (16 characters): an interface name has at most 15");
	ck_assert_int_eq(hv__tap_rename(&ctx, &tap, "vif/1"), HV_ERROR_CONFIG);
	ck_assert_str_eq(tap.name, "vif1.0");
	ck_tap_on(&tap, br, 1500);
	ck_tap_on(&other, br, 1500);

	/* a tap taken down by its owner is renamed and stays down */
	{
		struct rtnl_link *link = link_get("vif1.0"), *changes = rtnl_link_alloc();

		rtnl_link_unset_flags(changes, IFF_UP);
		ck_assert_int_eq(rtnl_link_change(sk, link, changes, 0), 0);
		rtnl_link_put(changes);
		rtnl_link_put(link);
	}
	ck_assert_int_eq(hv__tap_rename(&ctx, &tap, "vif1.1"), 0);
	{
		struct rtnl_link *link = link_get("vif1.1");

		ck_assert_ptr_nonnull(link);
		ck_assert(!(rtnl_link_get_flags(link) & IFF_UP));
		ck_assert_int_eq(rtnl_link_get_master(link), br);
		rtnl_link_put(link);
	}

	hv__tap_close(&tap);
	ck_assert_int_eq(hv__tap_rename(&ctx, &tap, "vif1.2"), HV_ERROR_STATE);
	hv__tap_close(&other);
}
END_TEST

START_TEST(test_close)
{
	struct hv__tap tap;
	char name[IFNAMSIZ];
	int br = bridge_make("hvbr0", 0, true);

	ck_assert_int_eq(hv__tap_open(&ctx, "vif", "vif1.0", "hvbr0", guest_mac, 0, 3, &tap), 0);
	ck_assert_int_eq(links_count(NULL, br), 1);
	snprintf(name, sizeof(name), "%s", tap.name);
	hv__tap_close(&tap);
	ck_assert_uint_eq(tap.nr_fds, 0);
	for (unsigned int i = 0; i < HV__TAP_MAX_QUEUES; i++)
		ck_assert_int_eq(tap.fds[i], -1);
	ck_assert_uint_eq(if_nametoindex(name), 0);
	ck_assert_int_eq(links_count("tun", 0), 0);
	ck_assert_int_eq(links_count(NULL, br), 0);
	/* the bridge stays, for the next domain */
	ck_assert_int_eq(link_ifindex("hvbr0"), br);
	hv__tap_close(&tap);
}
END_TEST

START_TEST(test_not_a_bridge)
{
	struct hv__tap tap;
	const char *kind = other_make("xenbr0");
	char want[160];
	int before = links_count(NULL, 0);

	ck_assert_int_eq(hv__tap_open(&ctx, "domain \"web\": vif 0", NULL, "xenbr0", guest_mac, 0, 1, &tap),
			 HV_ERROR_CONFIG);
	snprintf(want, sizeof(want), "E: domain \"web\": vif 0: xenbr0 exists and is not a bridge (it is a %s device)",
		 kind);
	ck_log_has(want);
	ck_no_tap(&tap);
	ck_assert_int_eq(links_count(NULL, 0), before);

	/* no interface of that kind: the loopback */
	ck_assert_int_eq(hv__tap_open(&ctx, "vif", NULL, "lo", guest_mac, 0, 1, &tap), HV_ERROR_CONFIG);
	ck_log_has("E: vif: lo exists and is not a bridge (it is a physical or loopback device)");
	ck_no_tap(&tap);
	ck_assert_int_eq(links_count(NULL, 0), before);
}
END_TEST

START_TEST(test_ifname_in_use)
{
	struct hv__tap tap;
	const char *kind;
	char want[160];
	struct ifreq ifr;
	int fd, before;

	bridge_make("hvbr0", 0, true);
	kind = other_make("used0");
	before = links_count(NULL, 0);
	ck_assert_int_eq(hv__tap_open(&ctx, "vif", "used0", "hvbr0", guest_mac, 0, 1, &tap), HV_ERROR_EXISTS);
	snprintf(want, sizeof(want), "E: vif: interface name used0 is in use (by a %s device", kind);
	ck_log_has(want);
	ck_no_tap(&tap);
	ck_assert_int_eq(links_count(NULL, 0), before);

	/* a persistent tap of someone else's is not joined, even with queues to spare */
	fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR | IFF_MULTI_QUEUE;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "theirs0");
	ck_assert_int_eq(ioctl(fd, TUNSETIFF, &ifr), 0);
	ck_assert_int_eq(ioctl(fd, TUNSETPERSIST, 1), 0);
	close(fd);
	ck_assert_int_eq(hv__tap_open(&ctx, "vif", "theirs0", "hvbr0", guest_mac, 0, 2, &tap), HV_ERROR_EXISTS);
	ck_log_has("E: vif: interface name theirs0 is in use (by a tun device");
	ck_assert_int_eq(tap.nr_fds, 0);
	ck_assert_int_eq(links_count("tun", 0), 1);
	ck_assert_int_eq(links_count(NULL, link_ifindex("hvbr0")), 0);
}
END_TEST

START_TEST(test_bad_names)
{
	static const char *const bad[] = { "", ".", "..", "br/0", "br:0", "br 0", "br%d", "br\t0" };
	struct hv__tap tap;
	int before = links_count(NULL, 0);

	ck_assert_int_eq(hv__tap_open(&ctx, "vif", NULL, "a-bridge-name-16", guest_mac, 0, 1, &tap),
			 HV_ERROR_CONFIG);
	ck_log_has("E: vif: bridge \"a-bridge-name-16\" is too long (16 characters): an interface name has at most 15");
	ck_assert_int_eq(hv__tap_open(&ctx, "vif", "a-tap-name-is-16", "hvbr0", guest_mac, 0, 1, &tap),
			 HV_ERROR_CONFIG);
	ck_log_has("E: vif: tap name \"a-tap-name-is-16\" is too long (16 characters)");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char want[128];

		logbuf[0] = '\0';
		ck_assert_int_eq(hv__tap_open(&ctx, "vif", NULL, bad[i], guest_mac, 0, 1, &tap), HV_ERROR_CONFIG);
		snprintf(want, sizeof(want), "E: vif: bridge \"%s\" is not a valid interface name: give 1 to 15 characters",
			 bad[i]);
		ck_log_has(want);
		ck_assert_int_eq(hv__tap_open(&ctx, "vif", bad[i], "hvbr0", guest_mac, 0, 1, &tap), HV_ERROR_CONFIG);
		ck_no_tap(&tap);
	}
	/* not even the bridge was made */
	ck_assert_int_eq(link_ifindex("hvbr0"), 0);
	ck_assert_int_eq(links_count(NULL, 0), before);
}
END_TEST

/*
 * What happens when hvd and hv-vmm are killed with SIGKILL: the holder of
 * the descriptors (a child here) dies and the kernel removes its tap and
 * the tap's port.  No one closes anything.
 */
START_TEST(test_kill9_cleans_up)
{
	int pipefd[2], status, br;
	char rc;
	pid_t pid;

	ck_assert_int_eq(pipe(pipefd), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct hv__tap tap;

		close(pipefd[0]);
		rc = (char)hv__tap_open(&ctx, "vif", "vifkill0", "hvbr0", guest_mac, 0, 2, &tap);
		if (write(pipefd[1], &rc, 1) != 1)
			_exit(2);
		for (;;)
			pause();
	}
	close(pipefd[1]);
	ck_assert_int_eq(read(pipefd[0], &rc, 1), 1);
	close(pipefd[0]);
	ck_assert_int_eq(rc, 0);
	br = link_ifindex("hvbr0");
	ck_assert_int_ne(br, 0);
	ck_assert_int_ne(if_nametoindex("vifkill0"), 0);
	ck_assert_int_eq(links_count(NULL, br), 1);

	ck_assert_int_eq(kill(pid, SIGKILL), 0);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	ck_assert_uint_eq(if_nametoindex("vifkill0"), 0);
	ck_assert_int_eq(links_count("tun", 0), 0);
	ck_assert_int_eq(links_count(NULL, br), 0);
}
END_TEST

/* Without CAP_NET_ADMIN (in a child that drops it): refused, saying what is needed. */
static int drop_net_admin(void)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];
	uint32_t bit = 1u << (CAP_NET_ADMIN % 32);

	if (syscall(SYS_capget, &hdr, data))
		return -1;
	data[CAP_NET_ADMIN / 32].effective &= ~bit;
	data[CAP_NET_ADMIN / 32].permitted &= ~bit;
	data[CAP_NET_ADMIN / 32].inheritable &= ~bit;
	return (int)syscall(SYS_capset, &hdr, data);
}

START_TEST(test_no_privilege)
{
	int pipefd[2], status, rcs[2];
	pid_t pid;
	ssize_t n;

	bridge_make("hvbr0", 0, true);
	ck_assert_int_eq(pipe(pipefd), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct hv__tap tap;

		close(pipefd[0]);
		logbuf[0] = '\0';
		if (drop_net_admin())
			_exit(2);
		rcs[0] = hv__tap_open(&ctx, "vif 0", NULL, "hvbr9", guest_mac, 0, 1, &tap);
		rcs[1] = hv__tap_open(&ctx, "vif 1", NULL, "hvbr0", guest_mac, 0, 1, &tap);
		if (write(pipefd[1], rcs, sizeof(rcs)) != sizeof(rcs) ||
		    write(pipefd[1], logbuf, strlen(logbuf)) < 0)
			_exit(2);
		_exit(0);
	}
	close(pipefd[1]);
	ck_assert_int_eq(read(pipefd[0], rcs, sizeof(rcs)), sizeof(rcs));
	n = read(pipefd[0], logbuf, sizeof(logbuf) - 1);
	ck_assert_int_ge(n, 0);
	logbuf[n] = '\0';
	close(pipefd[0]);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);

	ck_assert_int_eq(rcs[0], HV_ERROR_PERM);
	ck_log_has("E: vif 0: creating bridge hvbr9: Operation not permitted (this needs root or CAP_NET_ADMIN)");
	ck_assert_int_eq(rcs[1], HV_ERROR_PERM);
	ck_log_has("E: vif 1: creating a tap: Operation not permitted (this needs root or CAP_NET_ADMIN)");
	ck_assert_int_eq(link_ifindex("hvbr9"), 0);
	ck_assert_int_eq(links_count("tun", 0), 0);
}
END_TEST

/* Skips (77) unless a network namespace of our own, with taps and bridges, can be had. */
static void require_netns(void)
{
	struct nl_sock *s;
	int fd, err;

	if (unshare(CLONE_NEWNET) < 0) {
		printf("SKIP: no network namespace of our own (unshare: %s): run as root\n", strerror(errno));
		exit(77);
	}
	fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		printf("SKIP: /dev/net/tun: %s\n", strerror(errno));
		exit(77);
	}
	close(fd);
	s = nl_socket_alloc();
	if (!s || nl_connect(s, NETLINK_ROUTE) < 0) {
		printf("SKIP: no route netlink socket\n");
		exit(77);
	}
	err = rtnl_link_bridge_add(s, "hvprobe0");
	if (err < 0) {
		printf("SKIP: cannot make a bridge here: %s\n", nl_geterror(err));
		exit(77);
	}
	nl_socket_free(s);
}

int main(void)
{
	Suite *s = suite_create("net-host");
	TCase *tc = tcase_create("core");

	/* from here on, nothing this program does reaches the host's interfaces */
	require_netns();
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_bridge_created);
	tcase_add_test(tc, test_existing_bridge);
	tcase_add_test(tc, test_mtu);
	tcase_add_test(tc, test_multi_queue);
	tcase_add_test(tc, test_names);
	tcase_add_test(tc, test_rename);
	tcase_add_test(tc, test_close);
	tcase_add_test(tc, test_not_a_bridge);
	tcase_add_test(tc, test_ifname_in_use);
	tcase_add_test(tc, test_bad_names);
	tcase_add_test(tc, test_kill9_cleans_up);
	tcase_add_test(tc, test_no_privilege);
	suite_add_tcase(s, tc);
	return check_run_suite(s);
}

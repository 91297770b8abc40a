/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * virtio-net (virtio 1.x, 5.1) on the PCI transport: one network interface
 * backed by a tap device, one queue of the tap per queue pair.  Each queue
 * pair has a thread of its own that moves frames between the guest's
 * buffers and the tap with readv()/writev(), so frames are copied once, by
 * the kernel.  Descriptor chains, headers and control commands are hostile
 * input, checked before a byte moves.
 */
#ifndef HV_VMM_VIRTIO_NET_H
#define HV_VMM_VIRTIO_NET_H

#include <stdbool.h>
#include <stdint.h>

struct virtio_net;
struct pci_bus;
struct vm;
struct loop;
struct state_io;
struct virtio_pci;

#define VIRTIO_NET_MAX_QUEUE_PAIRS 4

struct virtio_net_conf {
	/*
	 * Tap queues opened with IFF_TAP|IFF_NO_PI|IFF_VNET_HDR (and
	 * IFF_MULTI_QUEUE when more than one); owned by the device from
	 * create on, also when it fails.  The device makes them non-blocking.
	 */
	int tap_fds[VIRTIO_NET_MAX_QUEUE_PAIRS];
	unsigned int nr_queue_pairs;	/* 1 to VIRTIO_NET_MAX_QUEUE_PAIRS */
	uint8_t mac[6];
	unsigned int mtu;		/* 0: 1500; offered with VIRTIO_NET_F_MTU (68 to 65535) */
	unsigned int pci_slot;		/* 0: the first free one */
	/*
	 * Xen's credit scheduler for guest-to-host traffic: at most
	 * @rate_bytes per @rate_interval_us (xl's "rate=10Mb/s@20ms"), shared
	 * by the queue pairs; 0 either way: unlimited.
	 */
	uint64_t rate_bytes;
	uint64_t rate_interval_us;
	const char *name;		/* for messages ("vif0"); NULL: "virtio-net" */
	/*
	 * Tests and fuzzing: @tap_fds are SOCK_SEQPACKET sockets carrying
	 * frames behind their 12-byte header, as a tap with IFF_VNET_HDR
	 * would; no tap ioctls are made on them.
	 */
	bool sockets;
	/*
	 * Fuzzing: no threads; a notification serves its queue at once and
	 * virtio_net_poll() serves the rest (receive), in the caller's thread.
	 */
	bool no_threads;
};

/*
 * Threads: create, state, post_load and announce touch the transport and
 * are called with the VM's io_lock held once vCPUs may run (hotplug, the
 * control channel); quiesce, resume, destroy, get_stats and pci may be
 * called with it or without.  The queue pairs' threads never wait for
 * io_lock while the caller could be waiting for them.
 */

/*
 * Creates the device on @bus (in @conf->pci_slot, or the first free one)
 * and its queue pairs' threads.  The tap descriptors belong to the device
 * from here on, on success and on failure.  0 or -errno (said why).
 */
int virtio_net_create(struct virtio_net **net_r, struct pci_bus *bus, struct vm *vm,
		      struct loop *loop, const struct virtio_net_conf *conf);
/*
 * Saves or loads the transport and the device's state (link status,
 * announcement, active queue pairs, guest offloads, MAC).  A save quiesces
 * the device first if it was not (buffers it held go back to the ring).
 * A load is into a device that has not run.
 */
void virtio_net_state(struct state_io *io, struct virtio_net *net);
/*
 * After a load: the queues checked, the tap's offloads and queues set from
 * what the guest negotiated, the queue pairs started, and the guest asked
 * to announce itself (virtio_net_announce()).  0, or -EINVAL if the state
 * does not fit this device.
 */
int virtio_net_post_load(struct virtio_net *net);
/*
 * VIRTIO_NET_F_GUEST_ANNOUNCE: sets VIRTIO_NET_S_ANNOUNCE and interrupts
 * the driver (a configuration change), which then sends gratuitous ARPs
 * and acknowledges; after a migration, so switches learn where the guest
 * is.  If the driver has not negotiated it yet, the request waits for
 * DRIVER_OK; without the feature it does nothing.
 */
void virtio_net_announce(struct virtio_net *net);
/*
 * The vCPUs are stopped: the queue pairs stop touching guest memory (the
 * receive buffers the device held go back to the ring) until
 * virtio_net_resume() or, in threaded mode, until the VM is unpaused.
 * Before a save.
 */
void virtio_net_quiesce(struct virtio_net *net);
/* Undoes virtio_net_quiesce(). */
void virtio_net_resume(struct virtio_net *net);
/* Stops the threads, takes the function off its bus, closes the taps. */
void virtio_net_destroy(struct virtio_net *net);
/* The transport: its PCI function (hotplug, tests). */
struct virtio_pci *virtio_net_pci(struct virtio_net *net);
/* conf.no_threads: serves every active queue pair's receive side once. */
void virtio_net_poll(struct virtio_net *net);

/* What the queue pairs moved and dropped, summed; for tests and statistics. */
struct virtio_net_stats {
	uint64_t tx_frames, tx_bytes, tx_dropped;	/* guest to host */
	uint64_t rx_frames, rx_bytes, rx_dropped;	/* host to guest */
	uint64_t tx_throttled;				/* times TX waited for credit */
};
void virtio_net_get_stats(struct virtio_net *net, struct virtio_net_stats *st);

#endif

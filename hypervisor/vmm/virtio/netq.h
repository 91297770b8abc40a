/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * virtio-net's data path: one queue pair (a receive and a transmit queue)
 * and the tap queue behind it, served by a thread of its own.  Internal to
 * virtio/net.c, which owns the device, its control queue and its state.
 *
 * Locking: a pair's lock covers the pair and its two queues' ring state;
 * its thread holds it while it moves a batch of frames (system calls
 * included) and never waits for the VM's io_lock meanwhile.  Interrupts
 * and NEEDS_RESET need io_lock (the transport's and MSI-X's state): the
 * thread takes it after the batch, then the pair's lock again.  So the
 * order is io_lock, then a pair's lock; the device's hooks (reset,
 * DRIVER_OK, control commands), called with io_lock held, take pair locks.
 */
#ifndef HV_VMM_VIRTIO_NETQ_H
#define HV_VMM_VIRTIO_NETQ_H

#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>
#include "virtio/queue.h"

#define NETQ_HDR_LEN		12	/* struct virtio_net_hdr_mrg_rxbuf */
#define NETQ_FRAME_MAX		65550	/* the largest frame behind a header */
#define NETQ_QUEUE_MAX		256
/* Buffers of receive chains held at once; one more iovec for the overflow. */
#define NETQ_RX_IOV_MAX		(UIO_MAXIOV - 1)

/* Feature bits the data path looks at (virtio 1.x, 5.1.3). */
#define VIRTIO_NET_F_CSUM		(1ull << 0)
#define VIRTIO_NET_F_GUEST_CSUM		(1ull << 1)
#define VIRTIO_NET_F_GUEST_TSO4		(1ull << 7)
#define VIRTIO_NET_F_GUEST_TSO6		(1ull << 8)
#define VIRTIO_NET_F_GUEST_ECN		(1ull << 9)
#define VIRTIO_NET_F_GUEST_UFO		(1ull << 10)
#define VIRTIO_NET_F_HOST_TSO4		(1ull << 11)
#define VIRTIO_NET_F_HOST_TSO6		(1ull << 12)
#define VIRTIO_NET_F_HOST_ECN		(1ull << 13)
#define VIRTIO_NET_F_MRG_RXBUF		(1ull << 15)

/* What the queue pairs share; part of struct virtio_net. */
struct netq_dev {
	struct virtio_pci *vp;
	struct vm *vm;
	const char *name;
	bool sockets;			/* conf.sockets: no tap ioctls */
	bool threads;			/* each pair has its thread */
	unsigned int frame_small;	/* the largest frame without guest TSO (VLAN tag too) */
	/* set under io_lock (atomic stores); the pairs load them once a batch */
	uint64_t features;		/* negotiated, from DRIVER_OK on */
	uint64_t guest_offloads;	/* VIRTIO_NET_F_GUEST_* in force */
	int ctrl_q;			/* the control queue as negotiated, or -1 */
	/* a pair's thread saw the control queue kicked; called with io_lock held */
	void (*ctrl_kick)(struct netq_dev *d);
	/* Xen's credit scheduler, shared by the pairs */
	pthread_mutex_t rate_lock;
	uint64_t rate_bytes, interval_ns;
	int64_t credit;
	uint64_t next_refill_ns;
};

/* A receive chain taken off the ring and not used yet. */
struct netq_rxbuf {
	uint16_t head;
	uint16_t nr_iov;
	uint64_t len;
};

struct netq {
	struct netq_dev *dev;
	unsigned int index;		/* queues 2 * index (receive) and 2 * index + 1 */
	int tap_fd;
	int epfd, wake_fd, timer_fd;	/* the thread's; -1 without one */
	pthread_t thread;
	bool thread_started;
	pthread_mutex_t lock;
	/* under lock */
	bool run;			/* DRIVER_OK, this pair active, not reset since */
	bool quiesced;			/* no guest memory until resumed */
	bool stop;			/* the thread ends (also read without lock) */
	uint32_t epoch;			/* resets and stops: a batch's late interrupt is dropped */
	uint32_t tap_events;		/* what epoll waits for on the tap */
	bool rx_work, tx_work;		/* something may be there to move */
	bool rx_starved;		/* no receive buffers: wait for a kick */
	bool tx_throttled;		/* out of credit: wait for the timer */
	bool tx_blocked;		/* the tap is full: wait for EPOLLOUT */
	bool tap_broken;		/* the tap failed: reported once, not polled */
	bool ctrl_kicked;
	uint64_t rx_wait_until;		/* short of a whole frame's buffers: wait until */
	bool rx_short;			/* waited: take frames as they fit until refilled */
	bool notify_rx, notify_tx;	/* used buffers the driver has not been told of */
	const char *fail;		/* the ring is broken: NEEDS_RESET, under io_lock */
	/* receive chains held (a ring of them) and their buffers, in order */
	struct netq_rxbuf rxb[NETQ_QUEUE_MAX];
	unsigned int rxb_first, rxb_count;
	uint64_t rx_len;		/* bytes in them */
	struct iovec rx_iov[NETQ_RX_IOV_MAX + 1];
	unsigned int rx_iov_first, rx_iov_count;
	uint8_t *overflow;		/* a frame's bytes past the buffers */
	struct iovec tx_iov[VIRTIO_MAX_IOV + 1];
	struct virtq_elem elem;		/* the chain being parsed */
	/* counters, under lock */
	uint64_t tx_frames, tx_bytes, tx_dropped, tx_throttled_count;
	uint64_t rx_frames, rx_bytes, rx_dropped;
};

/* Sets up pair @index on @tap_fd (the pair owns it from here on). */
int netq_init(struct netq *q, struct netq_dev *d, unsigned int index, int tap_fd);
/* Starts the pair's thread, which waits on its queues' kick eventfds. */
int netq_start_thread(struct netq *q);
/* Ends the thread, if any: from then on only the caller touches the pair. */
void netq_end_thread(struct netq *q);
/* Ends the thread (if any), closes the tap, frees what netq_init() made. */
void netq_fini(struct netq *q);

/* io_lock held: the pair starts moving frames (DRIVER_OK, activated, loaded). */
void netq_start(struct netq *q);
/*
 * io_lock held: the pair stops.  @reset: the driver reset the device, the
 * held buffers are forgotten; else (deactivated) they go back to the ring.
 */
void netq_stop(struct netq *q, bool reset);
/* No guest memory from now on (buffers held go back); and back. */
void netq_quiesce(struct netq *q);
void netq_resume(struct netq *q);
bool netq_quiesced(struct netq *q);
/* io_lock held: queue @vq of the pair was notified (through MMIO). */
void netq_kick(struct netq *q, unsigned int vq);
/* io_lock held, no thread: serves the pair's receive side. */
void netq_poll(struct netq *q);
/* Adds the pair's counters to @st. */
struct virtio_net_stats;
void netq_add_stats(struct netq *q, struct virtio_net_stats *st);

#endif

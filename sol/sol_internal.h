/* SPDX-License-Identifier: MIT */
/* Shared between the files of sol/ only. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "sol/ring.h"
#include "sol/sol.h"
#include "sol/solcfg.h"
#include "sol/uart.h"

#define SOL_PAYLOAD_TYPE 1
#define SOL_INSTANCE 1			/* one instance: the host's COM port */
#define SOL_MAX_CHARS 255		/* characters per packet (a byte counts them) */
#define SOL_HDR 4
#define SOL_PAYLOAD_SIZE (SOL_HDR + SOL_MAX_CHARS)	/* in and out, as activated */
#define SOL_HISTORY (64 * 1024)		/* console history while nobody watches */
#define SOL_TXQ (16 * 1024)		/* host output waiting for the console */
#define SOL_RXQ (16 * 1024)		/* console input waiting for the UART */
#define SOL_GIVEUP_RETRY_MS 1000	/* after the retries: keep trying, slowly */
#define SOL_REOPEN_MS 1000		/* a UART that went away: open it again */

/* Operation bits, console to BMC (IPMI 2.0 table 15-2, byte 4). */
enum {
	SOL_OP_NACK = 0x40,
	SOL_OP_RING = 0x20,
	SOL_OP_BREAK = 0x10,
	SOL_OP_CTS_PAUSE = 0x08,	/* deassert CTS to the host */
	SOL_OP_DROP_DCD_DSR = 0x04,
	SOL_OP_FLUSH_IN = 0x02,		/* discard console data not yet at the UART */
	SOL_OP_FLUSH_OUT = 0x01,	/* discard host data not yet sent */
};

/* Status bits, BMC to console. */
enum {
	SOL_ST_NACK = 0x40,
	SOL_ST_UNAVAILABLE = 0x20,	/* character transfer unavailable */
	SOL_ST_DEACTIVATING = 0x10,
	SOL_ST_OVERRUN = 0x08,
	SOL_ST_BREAK = 0x04,
};

struct sol_stats {
	uint64_t pkts_in, pkts_out, retransmits, dups, dropped, nacks_in;
	uint64_t chars_in, chars_out;
};

struct sol {
	struct bmc *bmc;
	sd_event *ev;
	struct sol_config cfg;
	uint8_t set_in_progress;	/* param 0: 0 complete, 1 in progress */
	struct uart uart;
	sd_event_source *uart_io;
	uint32_t uart_events;
	sd_event_source *reopen;	/* a tty or socket UART went away: retry */
	struct ring history;		/* every byte the host printed, last 64 KiB */
	struct ring txq;		/* host output the console has not acknowledged */
	struct ring rxq;		/* console input accepted, not yet at the UART */

	/* The active instance; s == NULL: not active. */
	struct session *s;
	uint32_t sid;			/* s->bmc_sid at activation */
	bool tx_ready;			/* the Activate Payload response has gone */
	bool cts_paused;		/* the console deasserted CTS */
	bool nack_paused;		/* the console NACKed: wait a retry interval */
	sd_event_source *start;		/* defer: activation response sent */
	sd_event_source *retry;		/* retransmission / NACK pause timer */
	sd_event_source *accum;		/* character accumulate interval */
	uint8_t next_seq;		/* 1..15 */
	uint8_t out_seq;		/* outstanding packet, 0: none */
	uint8_t out_len;		/* its characters: the first out_len of txq */
	unsigned tries;			/* retransmissions of the outstanding packet */
	uint8_t in_seq;			/* last console packet sequence number, 0: none */
	uint8_t in_accepted;		/* and how many of its characters we took */
	struct sol_stats stats;

	/* A console attached instead of the payload (sol_console_attach). */
	sol_console_out con_out;
	void *con_ud;
};

/* sol.c */
int sol_activate(struct sol *sol, struct session *s);
/* notify: tell the console (status "deactivating") if it is still there. */
void sol_deactivate(struct sol *sol, bool notify);
/* Apply the volatile bit rate to the UART. */
void sol_apply_rate(struct sol *sol);
/* The UDP port the session talks to (what Activate Payload reports). */
uint16_t sol_session_port(struct sol *sol, const struct session *s);
/* Resolve a channel byte (0Eh = this one): the LAN channel, or -1. */
int sol_channel(struct bmc *bmc, const struct ipmi_req *req, uint8_t ch);

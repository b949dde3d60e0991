/* SPDX-License-Identifier: MIT */
/*
 * Platform Event Filtering and LAN alerts (IPMI 2.0 chapters 17 and 30,
 * docs/pef.md).
 *
 * Every system event the BMC logs (sel_add_event: sensor events, Platform
 * Event Messages, the watchdog, ...) runs through the event filter table.
 * Matching filters' actions are taken through the power state machine
 * (power down > power cycle > reset > diagnostic interrupt, one of them)
 * and their alert policies send Platform Event Traps (SNMPv1, PET 1.0) to
 * the LAN alert destinations of LAN configuration parameters 18/19, with
 * the community string of parameter 16.  Alerts that ask for an
 * acknowledgement are re-sent until PET Acknowledge or the retries run
 * out.  Sending never blocks: one non-blocking UDP socket.
 *
 * The configuration (PEF configuration parameters 1-13, last processed
 * event IDs) is kept in the state directory, file "pef".
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <netinet/in.h>
#include <systemd/sd-event.h>

#define PEF_FILTERS 16			/* event filter table entries */
#define PEF_POLICIES 16			/* alert policy table entries */
#define PEF_STRINGS 4			/* alert strings 1..4 (0 is volatile) */
#define PEF_STRING_LEN 64		/* 4 blocks of 16 bytes */
#define PEF_FILTER_LEN 20
#define PEF_PENDING 8			/* alerts waiting for an acknowledgement */
#define PEF_QUEUE 16			/* events held while PEF is postponed */

/* Filter actions (filter byte 2, PEF action global control). */
enum {
	PEF_ACT_ALERT = 1 << 0,
	PEF_ACT_POWER_DOWN = 1 << 1,
	PEF_ACT_RESET = 1 << 2,
	PEF_ACT_POWER_CYCLE = 1 << 3,
	PEF_ACT_OEM = 1 << 4,
	PEF_ACT_DIAG = 1 << 5,
	PEF_ACT_ALL = 0x3f,
};

/* Alert Immediate status (IPMI 2.0 table 30-11). */
enum {
	ALERT_ST_NONE = 0x00,
	ALERT_ST_NORMAL_END = 0x01,
	ALERT_ST_RETRIES_FAILED = 0x02,
	ALERT_ST_FAILED = 0x03,
	ALERT_ST_IN_PROGRESS = 0xff,
};

struct pef_config {			/* what the "pef" file keeps */
	uint8_t control;		/* parameter 1 */
	uint8_t action_ctl;		/* parameter 2 */
	uint8_t startup_delay;		/* parameter 3, seconds */
	uint8_t alert_delay;		/* parameter 4, seconds */
	uint8_t filter[PEF_FILTERS][PEF_FILTER_LEN];	/* parameter 6 */
	uint8_t policy[PEF_POLICIES][3];		/* parameter 9 */
	uint8_t guid[17];		/* parameter 10: byte 0 bit 0 = use it */
	uint8_t str_key[PEF_STRINGS + 1][2];		/* parameter 12 */
	uint8_t str[PEF_STRINGS + 1][PEF_STRING_LEN];	/* parameter 13 */
	uint16_t last_sw_id;		/* Set Last Processed Event ID */
	uint16_t last_bmc_id;
};

struct pef_pending {			/* a trap waiting for PET Acknowledge */
	bool used;
	uint16_t seq;
	uint32_t timestamp;		/* its PET local timestamp */
	uint8_t dest;			/* destination selector */
	bool immediate;			/* sent by Alert Immediate */
	unsigned retries;		/* re-sends left */
	unsigned interval_ms;
	uint8_t pkt[512];
	size_t len;
	struct sockaddr_in to;
	sd_event_source *timer;
};

struct bmc;

struct pef {
	struct bmc *bmc;
	struct pef_config c;
	uint8_t set_in_progress;	/* parameter 0 (volatile) */
	uint16_t trap_port;		/* UDP port of the destinations, default 162 */
	int fd;				/* the alert socket; -1 until the first alert */
	uint16_t seq;			/* PET sequence number of the last trap */
	uint8_t immediate_status;	/* Alert Immediate */
	uint64_t started_usec;		/* for the trap's sysUpTime */
	/* Arm PEF Postpone Timer */
	uint8_t postpone;		/* 0: off; FEh: PEF disabled until re-armed */
	sd_event_source *postpone_timer;
	uint64_t postpone_until;
	uint8_t queue[PEF_QUEUE][16];	/* events seen while postponed */
	unsigned queued;
	struct pef_pending pending[PEF_PENDING];
	unsigned traps_sent;		/* for logs and tests */
};

int pef_init(struct bmc *bmc, struct pef *pef);
void pef_done(struct pef *pef);
/* Cold reset: parameter 0 back to "set complete", the postpone timer
 * ended (held events processed), pending alert retries and the Alert
 * Immediate status dropped, volatile alert string 0 cleared; the
 * configuration (the "pef" file) stays. */
void pef_reset_volatile(struct pef *pef);
/* A new SEL event record (16 bytes, record ID and timestamp filled in). */
void pef_on_event(void *userdata, const uint8_t rec[16]);

/* Does filter entry f match event record rec?  (Exposed for unit tests.) */
bool pef_filter_match(const uint8_t f[PEF_FILTER_LEN], const uint8_t rec[16]);
/* The PET variable binding for rec (47 bytes or more); its length.
 * (Exposed for unit tests.) */
size_t pet_varbind(struct pef *pef, const uint8_t rec[16], uint8_t severity, uint16_t seq,
		   uint32_t timestamp, uint8_t out[64]);

/* Sensor/Event netfn handlers (sensors/cmds.c lists them). */
struct ipmi_req;
struct wbuf;
int pef_cmd_capabilities(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp);
int pef_cmd_postpone(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp);
int pef_cmd_set_param(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp);
int pef_cmd_get_param(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp);
int pef_cmd_set_last_id(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp);
int pef_cmd_get_last_id(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp);
int pef_cmd_alert_immediate(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp);
int pef_cmd_pet_ack(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp);

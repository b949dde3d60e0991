/* SPDX-License-Identifier: MIT */
/*
 * The System Event Log (IPMI 2.0 chapter 31): 16-byte records kept in
 * memory and on flash in the state directory (docs/sel.md).
 *
 * Every change is durable before it returns 0: an add appends one framed
 * record to the log file with write() + fdatasync(); a delete, a clear or
 * a change of the header (overflow) rewrites the whole file atomically
 * (store_write).  On load each frame is checked (length, checksum, record
 * ID) and whatever fails is dropped and logged; the file is then rewritten
 * clean.  Functions return 0 or a negative errno; completion codes belong
 * to the handlers in sel/storage.c.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#define SEL_RECORD_LEN 16
#define SEL_CAPACITY_DEFAULT 4096
#define SEL_FILE "sel"

#define SEL_ID_FIRST 0x0000		/* Get/Delete: the first record */
#define SEL_ID_LAST 0xffff		/* the last record; "no next record" */

#define SEL_TYPE_SYSTEM 0x02		/* system event record */
#define SEL_TYPE_OEM_TS 0xc0		/* C0h-DFh: OEM, timestamped */
#define SEL_TYPE_OEM_NOTS 0xe0		/* E0h-FFh: OEM, not timestamped */

#define SEL_EVM_REV 0x04		/* IPMI 1.5 / 2.0 event message format */
#define SEL_GEN_BMC 0x0020		/* generator ID: the BMC (slave address 20h) */

#define SEL_UTC_UNSPECIFIED 0x07ff

/* The BMC's own event-only sensors (SDR type 03h), above the board's. */
#define SENSOR_NUM_WATCHDOG 0xe0	/* Watchdog 2 (23h) */
#define SENSOR_NUM_EVENT_LOG 0xe1	/* Event Logging Disabled (10h) */
#define SENSOR_NUM_POWER_UNIT 0xe2	/* Power Unit (09h) */

/* One record and when it was added (SEL time). */
struct sel_rec {
	uint8_t d[SEL_RECORD_LEN];	/* as on the wire: record ID (LE) first */
	uint32_t added;
};

struct sel {
	int dirfd;			/* the state directory (not owned) */
	int log_fd;			/* SEL_FILE opened for appending; -1: rewrite first */
	struct sel_rec *recs;		/* oldest first */
	unsigned count;
	unsigned capacity;
	uint16_t next_id;		/* where the search for a free record ID starts */
	bool overflow;			/* an event was dropped: the log was full */
	uint32_t last_add;		/* SEL time of the last addition (0: none) */
	uint32_t last_erase;		/* SEL time of the last clear or delete (0: none) */
	int64_t time_offset;		/* SEL time - the system clock (Set SEL Time) */
	int16_t utc_offset;		/* minutes, or SEL_UTC_UNSPECIFIED */
	uint16_t resv;			/* the current reservation ID */
	bool resv_valid;
	unsigned dropped_at_load;	/* frames found bad by the last load */
	/* Every system event sel_add_event() makes, as logged (record ID and
	 * timestamp filled in; ID 0 when the SEL could not keep it): the
	 * host interface's event message buffer (kcs/).  Optional. */
	void (*on_event)(void *userdata, const uint8_t rec[SEL_RECORD_LEN]);
	void *on_event_userdata;
};

/* Load (or create) the SEL in dirfd.  A corrupt file never fails: the
 * valid records are kept and the rest logged.  0 or -errno (memory, I/O). */
int sel_init(struct sel *sel, int dirfd, unsigned capacity);
void sel_done(struct sel *sel);

/* SEL time: seconds since 1970 (the system clock plus the Set SEL Time
 * offset). */
uint32_t sel_time(const struct sel *sel);
void sel_set_time(struct sel *sel, uint32_t t);

/* Add a record: the record ID (and, for timestamped types, the timestamp)
 * are filled in.  0 and *id, -ENOSPC (full: the overflow flag is set),
 * -EIO or another -errno when it could not be made durable (not added). */
int sel_add(struct sel *sel, const uint8_t rec[SEL_RECORD_LEN], uint16_t *id);
/* A system event record (type 02h, EvM rev 04h) from 'gen'. */
int sel_add_event(struct sel *sel, uint16_t gen, uint8_t sensor_type, uint8_t sensor,
		  uint8_t dir_type, uint8_t ed1, uint8_t ed2, uint8_t ed3);

/* The record with ID 'id' (SEL_ID_FIRST/LAST allowed) and the ID of the one
 * after it (SEL_ID_LAST at the end); NULL when there is none. */
const struct sel_rec *sel_get(const struct sel *sel, uint16_t id, uint16_t *next);
/* 0 and the deleted record's ID, -ENOENT, or -errno (nothing deleted). */
int sel_delete(struct sel *sel, uint16_t id, uint16_t *deleted);
/* Erase every record, then log "log area reset/cleared" (sensor type
 * 10h, offset 02h).  0 or -errno. */
int sel_clear(struct sel *sel);

/* A new reservation ID (never 0); cancels the previous one. */
uint16_t sel_reserve(struct sel *sel);
bool sel_reservation_ok(const struct sel *sel, uint16_t id);
/* Cold reset: the reservation is cancelled (an old ID then gets C5h). */
void sel_reset_volatile(struct sel *sel);

struct bmc;
struct ipmi_req;
struct wbuf;
/* Platform Event Message (sel/event.c), in the Sensor/Event netfn table. */
int sensor_platform_event(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp);

/* CRC-32 (IEEE 802.3, as zlib's crc32()) of n bytes: the frame checksum. */
uint32_t sel_crc32(const void *p, unsigned long n);

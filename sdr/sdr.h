/* SPDX-License-Identifier: MIT */
/*
 * The SDR repository (IPMI 2.0 chapter 33): the records that describe the
 * board's sensors, FRU devices and the BMC itself, generated from the board
 * file at start (sdr/gen.c), plus what clients add over IPMI.
 *
 * Kept in the state directory (file "sdr", rewritten atomically on every
 * change).  The file remembers a hash of the board's records: while the
 * board file is unchanged the stored repository is authoritative (records
 * deleted over IPMI stay deleted); when the board changes, the board's
 * records are regenerated and the added ones kept.  See docs/sdr.md.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#define SDR_VERSION 0x51
#define SDR_HDR_LEN 5
#define SDR_REC_MAX 255			/* header included: Add SDR's limit */
#define SDR_CAPACITY 65536		/* bytes of records the repository holds */
#define SDR_FILE "sdr"

enum {					/* record types (table 43-1) */
	SDR_FULL = 0x01,
	SDR_COMPACT = 0x02,
	SDR_EVENT_ONLY = 0x03,
	SDR_FRU_LOCATOR = 0x11,
	SDR_MC_LOCATOR = 0x12,
};

struct sdr_rec {
	uint8_t *d;			/* header (record ID, version, type, length) first */
	uint8_t len;
	bool board;			/* generated from the board file */
};

struct bmc;

struct sdr {
	int dirfd;
	struct sdr_rec *recs;		/* in record ID order */
	unsigned n;
	unsigned bytes;			/* sum of record lengths */
	uint32_t board_hash;
	uint32_t last_add, last_erase;	/* SEL-clock seconds; 0: never */
	uint16_t resv;
	bool resv_valid;
	/* Partial Add SDR in progress */
	uint8_t part[SDR_REC_MAX];
	unsigned part_len;
	uint16_t part_id;		/* the ID the finished record will get */
	bool part_active;
};

/* Load the repository, or make it from 'board' (n records, each with its
 * header; IDs are assigned here).  0 or -errno. */
int sdr_init(struct sdr *sdr, int dirfd, uint8_t *const *board, const uint8_t *board_len,
	     unsigned n_board, uint32_t now);
void sdr_done(struct sdr *sdr);
unsigned sdr_count(const struct sdr *sdr);
/* Cold reset: the reservation and any partial add are cancelled. */
void sdr_reset_volatile(struct sdr *sdr);

/* Validate a record from a client (header included): 0 or a completion
 * code naming what is wrong. */
int sdr_validate(const uint8_t *rec, unsigned len);

/* Command handlers shared with the Sensor/Event netfn (Get Device SDR,
 * Reserve Device SDR Repository); the rest are in the Storage table. */
struct ipmi_req;
struct wbuf;
int sdr_cmd_get(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp);
int sdr_cmd_reserve(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp);
int sdr_cmd_repo_info(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp);
int sdr_cmd_alloc_info(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp);
int sdr_cmd_add(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp);
int sdr_cmd_partial_add(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp);
int sdr_cmd_delete(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp);
int sdr_cmd_clear(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp);
int sdr_cmd_get_time(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp);

/* The BMC's own event-only sensors (E0h.., sel/sel.h): their entity,
 * sensor type and name; NULL for other numbers. */
struct sdr_own_sensor {
	uint8_t number, entity, type;
	const char *name;
};
const struct sdr_own_sensor *sdr_own_sensor(uint8_t number);

/* Records generated from the board (sdr/gen.c): sensors, the BMC's own
 * event-only sensors, FRU device locators, the MC locator.  Fills rec[] and
 * len[] with malloc'd records (without IDs); returns the count or -errno. */
struct sensors;
struct board_config;
int sdr_generate(const struct sensors *ss, const struct board_config *cfg, uint8_t **rec,
		 uint8_t *len, unsigned max);
/* One sensor's record (full or compact) owned by the controller at 'owner'
 * on 'channel', and a management controller device locator: for the
 * satellite controllers (ipmb/).  0 or -errno; *rec is malloc'd. */
struct sensor;
int sdr_sensor_record(const struct sensor *s, uint8_t owner, uint8_t channel, uint8_t **rec,
		      uint8_t *len);
int sdr_mc_locator(const char *name, uint8_t addr, uint8_t channel, uint8_t support, uint8_t **rec,
		   uint8_t *len);

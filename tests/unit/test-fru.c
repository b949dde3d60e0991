/* SPDX-License-Identifier: MIT */
/*
 * FRU: field text encoding, the encoder and the checking parser (round
 * trips, checksums, 8-byte areas, damaged images), the board file section
 * (good and bad), and the devices: writes checked, persisted, reloaded,
 * a corrupt state file ignored, an EEPROM file written through.
 * Inline JSON is written with ' for ".
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon/bmc.h"
#include "daemon/config.h"
#include "daemon/ipmi.h"
#include "daemon/store.h"
#include "fru/fru.h"
#include "fru/fru_eeprom.h"
#include "fru/fru_format.h"
#include "bmc-parts.h"
#include "tap.h"

#define MAX_MSGS 64
#define USERS "'users':[{'id':2,'name':'admin','password':'pw','privilege':'administrator'}]"

static char msgs[MAX_MSGS][512];
static unsigned n_msgs;
static char dir[] = "/tmp/test-fru-XXXXXX";
static int dirfd_ = -1;

static void collect(const char *msg, void *userdata)
{
	(void)userdata;
	if (n_msgs < MAX_MSGS)
		snprintf(msgs[n_msgs], sizeof(msgs[0]), "%s", msg);
	n_msgs++;
}

static bool got(const char *s)
{
	for (unsigned i = 0; i < n_msgs && i < MAX_MSGS; i++)
		if (strstr(msgs[i], s))
			return true;
	fprintf(stderr, "expected a message with \"%s\"; got:\n", s);
	for (unsigned i = 0; i < n_msgs && i < MAX_MSGS; i++)
		fprintf(stderr, "    %s\n", msgs[i]);
	return false;
}

/* Parse a board whose "fru" section is 'fru' (' for "). */
static int parse(const char *fru, struct board_config *cfg)
{
	char text[8192];
	int r;

	snprintf(text, sizeof(text), "{'name':'t'," USERS ",'fru':%s}", fru);
	for (char *p = text; *p; p++)
		if (*p == '\'')
			*p = '"';
	n_msgs = 0;
	r = config_parse(text, strlen(text), cfg, collect, NULL);
	return r;
}

static struct board_config cfg;		/* large: not on the stack */

/* ---- text -------------------------------------------------------------- */

static void test_text(void)
{
	struct fru_text t;
	char s[80];

	CHECK(fru_text_set(&t, "ab", 2) == 0 && t.type == FRU_TYPE_TEXT && t.len == 2);
	CHECK(fru_text_set(&t, "", 0) == 0 && t.type == FRU_TYPE_TEXT && t.len == 0);
	/* One character: 6-bit ASCII, since C1h ends the fields. */
	CHECK(fru_text_set(&t, "A", 1) == 0 && t.type == FRU_TYPE_ASCII6 && t.len == 1 &&
	      t.b[0] == 0x21);
	CHECK(fru_text_set(&t, "a", 1) == -EDOM);
	/* UTF-8 in, Latin-1 out; beyond Latin-1 and control characters refused. */
	CHECK(fru_text_set(&t, "caf\xc3\xa9", 5) == 0 && t.len == 4 && t.b[3] == 0xe9);
	CHECK(fru_text_set(&t, "\xe2\x82\xac", 3) == -EILSEQ);
	CHECK(fru_text_set(&t, "a\nb", 3) == -EILSEQ);
	CHECK(fru_text_set(&t, "\xc3", 1) == -EILSEQ);
	memset(s, 'x', sizeof(s));
	CHECK(fru_text_set(&t, s, 63) == 0 && t.len == 63);
	CHECK(fru_text_set(&t, s, 64) == -E2BIG);
}

static void test_field_text(void)
{
	/* The spec's example: "IPMI" in packed 6-bit ASCII is 29h DCh A6h. */
	const uint8_t img[] = { 0x29, 0xdc, 0xa6, 0x12, 0xab, 'h', 0xe9 };
	struct fru_field f6 = { .type = FRU_TYPE_ASCII6, .len = 3, .off = 0 };
	struct fru_field fb = { .type = FRU_TYPE_BCDPLUS, .len = 2, .off = 3 };
	struct fru_field fx = { .type = FRU_TYPE_BINARY, .len = 2, .off = 3 };
	struct fru_field ft = { .type = FRU_TYPE_TEXT, .len = 2, .off = 5 };
	char s[32];

	fru_field_text(img, &f6, s, sizeof(s));
	CHECK(!strcmp(s, "IPMI"));
	fru_field_text(img, &fb, s, sizeof(s));
	CHECK(!strcmp(s, "12 -"));
	fru_field_text(img, &fx, s, sizeof(s));
	CHECK(!strcmp(s, "12ab"));
	fru_field_text(img, &ft, s, sizeof(s));
	CHECK(!strcmp(s, "h\xc3\xa9"));
	/* Cut short, still terminated. */
	CHECK(fru_field_text(img, &f6, s, 3) == 2 && !strcmp(s, "IP"));
}

/* ---- encoder and parser --------------------------------------------------- */

static void text(struct fru_area_src *a, const char *s)
{
	CHECK(fru_text_set(&a->f[a->n++], s, strlen(s)) == 0);
}

static size_t build(uint8_t *img, size_t cap)
{
	static struct fru_content c;
	struct wbuf w = wb_init(img, cap);
	size_t need = 0;

	memset(&c, 0, sizeof(c));
	c.area[FRU_AREA_CHASSIS].present = true;
	c.area[FRU_AREA_CHASSIS].fixed[0] = 0x17;
	text(&c.area[FRU_AREA_CHASSIS], "CH-PART-1");
	text(&c.area[FRU_AREA_CHASSIS], "CH-SERIAL");
	text(&c.area[FRU_AREA_CHASSIS], "custom one");
	c.area[FRU_AREA_BOARD].present = true;
	c.area[FRU_AREA_BOARD].fixed[1] = 0x10;
	c.area[FRU_AREA_BOARD].fixed[2] = 0x20;
	c.area[FRU_AREA_BOARD].fixed[3] = 0x30;
	text(&c.area[FRU_AREA_BOARD], "bmcd project");
	text(&c.area[FRU_AREA_BOARD], "Sim Board");
	text(&c.area[FRU_AREA_BOARD], "B");		/* one character */
	c.area[FRU_AREA_BOARD].n++;			/* part number left empty */
	text(&c.area[FRU_AREA_BOARD], "fru-v1");
	c.area[FRU_AREA_PRODUCT].present = true;
	text(&c.area[FRU_AREA_PRODUCT], "bmcd project");
	text(&c.area[FRU_AREA_PRODUCT], "Sim Server 1U");	/* 5 fields left out */
	c.n_mr = 2;
	c.mr[0] = (struct fru_mr_src){ .type = 0xc0, .len = 3, .data = { 1, 2, 3 } };
	c.mr[1] = (struct fru_mr_src){ .type = 0x00, .len = 0 };
	CHECK(fru_encode(&c, &w, &need, NULL) == 0);
	CHECK(need == w.len);
	return w.len;
}

static void field_is(const uint8_t *img, const struct fru_area_view *a, unsigned i, const char *s)
{
	char out[80];

	fru_field_text(img, &a->f[i], out, sizeof(out));
	CHECK(!strcmp(out, s));
	if (strcmp(out, s))
		fprintf(stderr, "    field %u: \"%s\", want \"%s\"\n", i, out, s);
}

static void test_round_trip(void)
{
	uint8_t img[1024];
	struct fru_view v;
	char why[96];
	size_t len = build(img, sizeof(img));

	CHECK(len > FRU_HEADER_LEN);
	CHECK(fru_parse(img, len, &v, why, sizeof(why)) == 0);
	CHECK(img[0] == 0x01 && fru_checksum(img, 8) == 0 && img[6] == 0);
	for (int k = 0; k < FRU_AREAS; k++) {
		const struct fru_area_view *a = &v.area[k];

		CHECK(a->present);
		CHECK(a->off % 8 == 0 && a->len % 8 == 0);
		CHECK(img[a->off] == 0x01 && img[a->off + 1] * 8u == a->len);
		CHECK(fru_checksum(img + a->off, a->len) == 0);
		CHECK(a->n >= fru_area_std_fields[k]);
	}
	CHECK(img[2] * 8u == v.area[FRU_AREA_CHASSIS].off);
	CHECK(v.area[FRU_AREA_CHASSIS].fixed[0] == 0x17);
	field_is(img, &v.area[FRU_AREA_CHASSIS], 0, "CH-PART-1");
	field_is(img, &v.area[FRU_AREA_CHASSIS], 1, "CH-SERIAL");
	field_is(img, &v.area[FRU_AREA_CHASSIS], 2, "custom one");
	CHECK(v.area[FRU_AREA_CHASSIS].n == 3);
	CHECK(!memcmp(v.area[FRU_AREA_BOARD].fixed, "\x00\x10\x20\x30", 4));
	field_is(img, &v.area[FRU_AREA_BOARD], 0, "bmcd project");
	field_is(img, &v.area[FRU_AREA_BOARD], 2, "B");
	CHECK(v.area[FRU_AREA_BOARD].f[2].type == FRU_TYPE_ASCII6);
	field_is(img, &v.area[FRU_AREA_BOARD], 3, "");
	field_is(img, &v.area[FRU_AREA_BOARD], 4, "fru-v1");
	/* Missing standard fields are there, empty (C0h). */
	CHECK(v.area[FRU_AREA_PRODUCT].n == 7);
	field_is(img, &v.area[FRU_AREA_PRODUCT], 1, "Sim Server 1U");
	field_is(img, &v.area[FRU_AREA_PRODUCT], 6, "");
	CHECK(img[v.area[FRU_AREA_PRODUCT].f[6].off - 1] == 0xc0);
	/* Multirecords: chained, the last flagged, both checksums. */
	CHECK(v.n_mr == 2 && v.mr[0].type == 0xc0 && v.mr[0].len == 3);
	CHECK(img[v.mr[0].off] == 1 && img[v.mr[0].off + 2] == 3);
	CHECK(img[img[5] * 8 + 1] == 0x02 && img[v.mr[1].off - 4] == 0x82);
	CHECK(v.mr[1].off == len);
	/* The image is unchanged by a second encode. */
	{
		uint8_t again[1024];

		CHECK(build(again, sizeof(again)) == len && !memcmp(img, again, len));
	}
	/* Too small a buffer: -ENOSPC with what is needed. */
	{
		static struct fru_content c;
		uint8_t small[16];
		struct wbuf w = wb_init(small, sizeof(small));
		size_t need = 0;

		memset(&c, 0, sizeof(c));
		c.area[FRU_AREA_PRODUCT].present = true;
		text(&c.area[FRU_AREA_PRODUCT], "a product name");
		CHECK(fru_encode(&c, &w, &need, NULL) == -ENOSPC && need == 40);
	}
}

static void test_damage(void)
{
	uint8_t img[1024], bad[1024];
	struct fru_view v;
	char why[96];
	size_t len = build(img, sizeof(img));
	unsigned board = img[3] * 8u;

	/* Every prefix too short to hold the multirecords fails cleanly. */
	for (size_t n = 0; n < len; n++)
		CHECK(fru_parse(img, n, &v, why, sizeof(why)) < 0);
	/* Every single bit flipped is caught (checksums cover every byte but
	 * the padding after C1h and the header's pad byte... which are
	 * covered by the area checksum too). */
	for (size_t i = 0; i < len; i++) {
		memcpy(bad, img, len);
		bad[i] ^= 0x01;
		if (fru_parse(bad, len, &v, NULL, 0) == 0)
			fprintf(stderr, "    bit flip at %zu not caught\n", i);
		CHECK(fru_parse(bad, len, &v, NULL, 0) < 0);
	}
	memcpy(bad, img, len);
	bad[7]++;
	CHECK(fru_parse(bad, len, &v, why, sizeof(why)) == -EBADMSG);
	CHECK(!strcmp(why, "common header: checksum"));
	memcpy(bad, img, len);
	bad[board + 5]++;
	bad[board + img[board + 1] * 8 - 1]--;	/* checksum still right */
	CHECK(fru_parse(bad, len, &v, why, sizeof(why)) == 0);
	bad[board + 10]++;
	CHECK(fru_parse(bad, len, &v, why, sizeof(why)) == -EBADMSG && !strcmp(why, "board area: checksum"));
	/* Blank images. */
	memset(bad, 0xff, sizeof(bad));
	CHECK(fru_parse(bad, sizeof(bad), &v, why, sizeof(why)) == -ENODATA);
	memset(bad, 0, sizeof(bad));
	CHECK(fru_parse(bad, sizeof(bad), &v, why, sizeof(why)) == -ENODATA);
	/* Overlapping areas: product pointed at the board area. */
	memcpy(bad, img, len);
	bad[4] = bad[3];
	bad[7] = 0;
	bad[7] = fru_checksum(bad, 8);
	CHECK(fru_parse(bad, len, &v, why, sizeof(why)) < 0);
	/* An area with no C1h: fields replaced by one long one. */
	{
		uint8_t a[32] = { 0x01, 0x02, 0x00, 0xc0 | 27 };

		memset(a + 4, 'x', 27);
		a[31] = fru_checksum(a, 31);
		memset(bad, 0, 64);
		bad[0] = 1;
		bad[4] = 1;
		bad[7] = fru_checksum(bad, 7);
		memcpy(bad + 8, a, 16);
		bad[8 + 15] = fru_checksum(bad + 8, 15);
		CHECK(fru_parse(bad, 64, &v, why, sizeof(why)) == -EBADMSG);
		CHECK(strstr(why, "product area") != NULL);
	}
}

/* ---- board file ----------------------------------------------------------- */

static void test_config_good(void)
{
	struct fru_view v;
	char why[96];

	CHECK(parse("[{'id':0,'name':'Main board','size':256,"
		    "'chassis':{'type':'rack-mount','serial':'C1','custom':['x1','x2']},"
		    "'board':{'mfg_date':'1996-01-01 01:00','manufacturer':'bmcd project',"
		    "'product':'Sim','serial':'S'},"
		    "'product':{'name':'Sim Server 1U','asset_tag':'ASSET-0001'},"
		    "'multirecords':[{'type':192,'data':'01 02 ff'}]},"
		    "{'id':3,'eeprom':{'path':'/sys/bus/i2c/devices/8-0050/eeprom'},'read_only':true},"
		    "{'id':4,'eeprom':{'bus':8,'address':80}},"
		    "{'id':5,'size':1024}]", &cfg) == 0);
	CHECK(cfg.n_frus == 4);
	CHECK(cfg.frus[0].id == 0 && !strcmp(cfg.frus[0].name, "Main board"));
	CHECK(cfg.frus[0].size == 256 && cfg.frus[0].source == FRU_SRC_FIELDS);
	CHECK(fru_parse(cfg.frus[0].image, cfg.frus[0].image_len, &v, why, sizeof(why)) == 0);
	CHECK(v.area[FRU_AREA_CHASSIS].fixed[0] == 23 && v.area[FRU_AREA_CHASSIS].n == 4);
	/* 60 minutes after the epoch. */
	CHECK(!memcmp(v.area[FRU_AREA_BOARD].fixed, "\x00\x3c\x00\x00", 4));
	field_is(cfg.frus[0].image, &v.area[FRU_AREA_BOARD], 2, "S");
	field_is(cfg.frus[0].image, &v.area[FRU_AREA_PRODUCT], 5, "ASSET-0001");
	CHECK(v.n_mr == 1 && v.mr[0].len == 3 && cfg.frus[0].image[v.mr[0].off + 2] == 0xff);
	CHECK(cfg.frus[1].id == 3 && cfg.frus[1].source == FRU_SRC_EEPROM_FILE &&
	      cfg.frus[1].size == 0 && cfg.frus[1].read_only && !strcmp(cfg.frus[1].name, "FRU 3"));
	CHECK(cfg.frus[2].source == FRU_SRC_EEPROM_I2C && cfg.frus[2].i2c_bus == 8 &&
	      cfg.frus[2].i2c_addr == 80 && cfg.frus[2].size == 256 && cfg.frus[2].i2c_addr_width == 1);
	CHECK(cfg.frus[3].source == FRU_SRC_FIELDS && cfg.frus[3].image_len == 0 &&
	      cfg.frus[3].size == 1024);
	/* Default size 512; a date with T, seconds and Z; a numeric date. */
	CHECK(parse("[{'id':1,'board':{'mfg_date':'2024-02-29T12:34:56Z'}}]", &cfg) == 0);
	CHECK(cfg.frus[0].size == CFG_FRU_SIZE_DEFAULT);
	CHECK(parse("[{'id':1,'board':{'mfg_date':123}}]", &cfg) == 0);
	CHECK(parse("[]", &cfg) == 0 && cfg.n_frus == 0);
	/* The sim board has FRU 0, and it parses. */
	{
		const char *root = getenv("BMCD_SOURCE_ROOT");
		char path[512];

		snprintf(path, sizeof(path), "%s/boards/sim.json", root ? root : ".");
		CHECK(config_load(path, &cfg, collect, NULL) == 0);
		CHECK(cfg.n_frus >= 1 && cfg.frus[0].id == 0);
		CHECK(fru_parse(cfg.frus[0].image, cfg.frus[0].image_len, &v, why, sizeof(why)) == 0);
		CHECK(v.area[FRU_AREA_CHASSIS].present && v.area[FRU_AREA_BOARD].present &&
		      v.area[FRU_AREA_PRODUCT].present);
	}
}

static void test_config_bad(void)
{
	char long_serial[80];
	char text[1024];

	memset(long_serial, 'x', 64);
	long_serial[64] = '\0';
	/* Many problems at once: every one reported, with its path. */
	snprintf(text, sizeof(text),
		 "[{'id':0,'colour':'red','size':16,"
		 "'chassis':{'type':'spaceship','serial':'a'},"
		 "'board':{'serial':'%s','mfg_date':'2024-02-30 10:00','custom':[1]},"
		 "'product':{'name':'caf\\u20ac'},"
		 "'multirecords':[{'type':300,'data':'0g'}]},"
		 "{'id':0,'name':'a name longer than 16'},"
		 "{'id':255},"
		 "{'id':2,'eeprom':{'path':'rel/path'},'board':{}},"
		 "{'id':6,'eeprom':{'bus':1}},"
		 "{'id':7,'eeprom':{'bus':1,'address':80,'address_width':1},'size':512,'board':{'mfg_date':'1995-12-31 23:59'}}]",
		 long_serial);
	CHECK(parse(text, &cfg) == -EINVAL);
	CHECK(got("fru[0].colour: unknown key"));
	CHECK(got("fru[0].chassis.type: \"spaceship\" is not an SMBIOS chassis type"));
	CHECK(got("fru[0].chassis.serial: a one-character value must be"));
	CHECK(got("fru[0].board.serial: longer than 63 bytes"));
	CHECK(got("fru[0].board.mfg_date: \"2024-02-30 10:00\" is not a date"));
	CHECK(got("fru[0].board.custom[0]: expected string"));
	CHECK(got("fru[0].product.name: not printable Latin-1 text"));
	CHECK(got("fru[0].multirecords[0].type: 300 is out of range"));
	CHECK(got("fru[0].multirecords[0].data: not hex bytes"));
	CHECK(got("fru[1].id: FRU device ID 0 is used twice"));
	CHECK(got("fru[1].name: not 1..16 printable ASCII characters"));
	CHECK(got("fru[2].id: 255 is out of range 0..254"));
	CHECK(got("fru[3].eeprom.path: not an absolute path"));
	CHECK(got("fru[3]: give the contents as fields or an \"eeprom\", not both"));
	CHECK(got("fru[4].eeprom: needs \"address\""));
	CHECK(got("fru[5].size: 512 is more than one-byte addressing reaches"));
	CHECK(got("fru[5]: give the contents as fields or an \"eeprom\", not both"));
	CHECK(n_msgs >= 17);

	/* Contents larger than the device. */
	CHECK(parse("[{'id':0,'size':32,'product':{'name':'Sim Server 1U','serial':'0123456789'}}]",
		    &cfg) == -EINVAL);
	CHECK(got("fru[0].size: 32 is too small: the contents need"));
	CHECK(parse("[{'id':0,'size':8}]", &cfg) == 0);
	CHECK(parse("[{'id':0,'size':7}]", &cfg) == -EINVAL && got("fru[0].size: 7 is out of range"));
	CHECK(parse("[{'id':0,'size':65536}]", &cfg) == -EINVAL);
	CHECK(parse("{'id':0}", &cfg) == -EINVAL && got("fru: expected array"));
	CHECK(parse("[{'name':'x'}]", &cfg) == -EINVAL && got("fru[0].id: missing"));
	CHECK(parse("[{'id':0},{'id':1},{'id':2},{'id':3},{'id':4},{'id':5},{'id':6},{'id':7},{'id':8}]",
		    &cfg) == -EINVAL && got("9 FRU devices"));
	/* 24 custom fields do not fit the chassis area's 22. */
	CHECK(parse("[{'id':0,'chassis':{'custom':['ab','ab','ab','ab','ab','ab','ab','ab','ab',"
		    "'ab','ab','ab','ab','ab','ab','ab','ab','ab','ab','ab','ab','ab','ab','ab']}}]",
		    &cfg) == -EINVAL && got("fru[0].chassis.custom: more than 22 custom fields"));
	CHECK(parse("[{'id':0,'board':{'mfg_date':'2030-01-01 00:00'}}]", &cfg) == -EINVAL);
	CHECK(parse("[{'id':0,'board':{'mfg_date':'2024-01-01'}}]", &cfg) == -EINVAL &&
	      got("is not \"YYYY-MM-DD HH:MM\""));
}

/* ---- devices ------------------------------------------------------------------ */

static void write_file(const char *name, const void *p, size_t n)
{
	int fd = openat(dirfd_, name, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	CHECK(fd >= 0 && write(fd, p, n) == (ssize_t)n);
	close(fd);
}

static void test_devices(void)
{
	static struct board_config c2;
	char json[1024], eeprom[256];
	uint8_t buf[512], img[1024];
	struct fru fru;
	struct fru_dev *d;
	bool busy;
	size_t len;
	int fd;

	CHECK(mkdtemp(dir) != NULL);
	dirfd_ = store_open_dir(dir);
	CHECK(dirfd_ >= 0);
	/* A stand-in for the at24 sysfs file: 256 bytes of FFh. */
	snprintf(eeprom, sizeof(eeprom), "%s/eeprom", dir);
	memset(buf, 0xff, 256);
	write_file("eeprom", buf, 256);
	snprintf(json, sizeof(json),
		 "[{'id':0,'size':256,'product':{'name':'Sim Server 1U'}},"
		 "{'id':2,'eeprom':{'path':'%s'}},"
		 "{'id':3,'size':64,'read_only':true}]", eeprom);
	CHECK(parse(json, &c2) == 0);
	CHECK(fru_init(&fru, &c2, dirfd_) == 0);
	CHECK(fru.n == 3);
	CHECK(fru_get(&fru, 1, &busy) == NULL && !busy);
	d = fru_get(&fru, 0, &busy);
	CHECK(d && d->size == 256 && d->valid && !memcmp(d->img, c2.frus[0].image, c2.frus[0].image_len));
	CHECK(faccessat(dirfd_, "fru-0", F_OK, 0) < 0);	/* nothing stored before a write */

	/* Bounds: nothing stored, nothing changed. */
	memset(buf, 0x5a, sizeof(buf));
	CHECK(fru_write(&fru, d, 256, buf, 1) == -ERANGE);
	CHECK(fru_write(&fru, d, 250, buf, 7) == -ERANGE);
	CHECK(fru_write(&fru, d, 0xffff, buf, 1) == -ERANGE);
	/* A whole header that is not one. */
	CHECK(fru_write(&fru, d, 0, buf, 16) == -EBADMSG);
	CHECK(faccessat(dirfd_, "fru-0", F_OK, 0) < 0);
	CHECK(d->valid);
	CHECK(fru_write(&fru, d, 255, buf, 1) == 0 && d->img[255] == 0x5a);
	CHECK(faccessat(dirfd_, "fru-0", F_OK, 0) == 0);

	/* A new image, written in chunks as ipmitool does, then reloaded. */
	len = build(img, sizeof(img));
	CHECK(len < 256);
	for (size_t off = 0; off < len; off += 16)
		CHECK(fru_write(&fru, d, (unsigned)off, img + off, len - off < 16 ? len - off : 16) == 0);
	CHECK(d->valid && !memcmp(d->img, img, len));
	fru_done(&fru);
	CHECK(fru_init(&fru, &c2, dirfd_) == 0);
	d = fru_get(&fru, 0, &busy);
	CHECK(d && !memcmp(d->img, img, len) && d->img[255] == 0x5a && d->valid);

	/* Corrupt state file: the board's contents come back. */
	fd = openat(dirfd_, "fru-0", O_WRONLY);
	CHECK(fd >= 0 && pwrite(fd, "\x00", 1, 40) == 1);
	close(fd);
	fru_done(&fru);
	CHECK(fru_init(&fru, &c2, dirfd_) == 0);
	d = fru_get(&fru, 0, &busy);
	CHECK(d && !memcmp(d->img, c2.frus[0].image, c2.frus[0].image_len) && d->img[255] == 0);
	write_file("fru-0", "garbage", 7);
	fru_done(&fru);
	CHECK(fru_init(&fru, &c2, dirfd_) == 0);
	d = fru_get(&fru, 0, &busy);
	CHECK(d && !memcmp(d->img, c2.frus[0].image, c2.frus[0].image_len));

	/* EEPROM-backed: size from the file, contents from it, writes
	 * through to it. */
	d = fru_get(&fru, 2, &busy);
	CHECK(d && d->size == 256 && d->img[0] == 0xff && !d->valid);
	CHECK(fru_write(&fru, d, 0, img, len) == 0);
	fd = openat(dirfd_, "eeprom", O_RDONLY);
	CHECK(fd >= 0 && pread(fd, buf, 256, 0) == 256);
	close(fd);
	CHECK(!memcmp(buf, img, len) && buf[len] == 0xff);
	/* Read-only: refused. */
	d = fru_get(&fru, 3, &busy);
	CHECK(d && fru_write(&fru, d, 0, img, 8) == -EROFS);
	fru_done(&fru);

	/* An EEPROM that is missing: busy, not absent, and no crash. */
	unlinkat(dirfd_, "eeprom", 0);
	unlinkat(dirfd_, "fru-2", 0);
	CHECK(fru_init(&fru, &c2, dirfd_) == 0);
	CHECK(fru_get(&fru, 2, &busy) == NULL && busy);
	fru_done(&fru);

	/* A raw-I2C EEPROM on a bus the machine does not have: the helper
	 * says which errno, the device is busy (retried), nothing crashes. */
	CHECK(parse("[{'id':4,'eeprom':{'bus':250,'address':80}}]", &c2) == 0);
	CHECK(fru_eeprom_read(&c2.frus[0], buf, 16) == -ENOENT);
	CHECK(fru_eeprom_write(&c2.frus[0], 0, buf, 1) == -ENOENT);
	CHECK(fru_init(&fru, &c2, dirfd_) == 0);
	CHECK(fru_get(&fru, 4, &busy) == NULL && busy);
	fru_done(&fru);

	unlinkat(dirfd_, "fru-0", 0);
	unlinkat(dirfd_, ".fru-0.tmp", 0);
	close(dirfd_);
	rmdir(dir);
}

/* ---- commands, through the dispatcher ---------------------------------------------- */

static struct bmc bmc;

static int cmd(uint8_t c, const uint8_t *data, size_t len, uint8_t *out, size_t cap, size_t *n,
	       enum ipmi_priv priv)
{
	struct ipmi_req req = {
		.channel = 1, .priv = priv, .netfn = NETFN_STORAGE, .cmd = c,
		.data = data, .len = len,
	};
	struct wbuf w = wb_init(out, cap);
	int cc = ipmi_dispatch(&bmc, &req, &w);

	*n = w.len;
	return cc;
}

static void test_commands(void)
{
	static struct board_config c3;
	char tdir[] = "/tmp/test-fru-cmd-XXXXXX";
	uint8_t out[IPMI_MAX_RSP], big[IPMI_MAX_REQ];
	size_t n;

	CHECK(parse("[{'id':0,'size':300,'product':{'name':'Sim Server 1U'}},"
		    "{'id':7,'size':64,'read_only':true}]", &c3) == 0);
	CHECK(mkdtemp(tdir) != NULL);
	bmc.state_fd = store_open_dir(tdir);
	CHECK(fru_init(bmc.fru, &c3, bmc.state_fd) == 0);

	/* Area info: 300 = 012Ch, byte access; CBh for an unknown ID. */
	CHECK(cmd(0x10, (const uint8_t[]){ 0 }, 1, out, sizeof(out), &n, PRIV_USER) == CC_OK &&
	      n == 3 && out[0] == 0x2c && out[1] == 0x01 && out[2] == 0);
	CHECK(cmd(0x10, (const uint8_t[]){ 1 }, 1, out, sizeof(out), &n, PRIV_USER) == CC_NOT_PRESENT);
	CHECK(cmd(0x10, NULL, 0, out, sizeof(out), &n, PRIV_USER) == CC_REQ_LEN);
	/* Reads: whole, cut at the end, past the end, too large for the
	 * response (a small transport), and what still fits there. */
	CHECK(cmd(0x11, (const uint8_t[]){ 0, 0, 0, 8 }, 4, out, sizeof(out), &n, PRIV_USER) == 0 &&
	      n == 9 && out[0] == 8 && !memcmp(out + 1, c3.frus[0].image, 8));
	CHECK(cmd(0x11, (const uint8_t[]){ 0, 0x28, 0x01, 200 }, 4, out, sizeof(out), &n, PRIV_USER) == 0 &&
	      n == 5 && out[0] == 4);
	CHECK(cmd(0x11, (const uint8_t[]){ 0, 0x2c, 0x01, 1 }, 4, out, sizeof(out), &n, PRIV_USER) ==
	      CC_PARAM_OUT_OF_RANGE);
	CHECK(cmd(0x11, (const uint8_t[]){ 0, 0, 0, 32 }, 4, out, 32, &n, PRIV_USER) == CC_CANT_RETURN_BYTES);
	CHECK(cmd(0x11, (const uint8_t[]){ 0, 0, 0, 31 }, 4, out, 32, &n, PRIV_USER) == 0 && n == 32);
	CHECK(cmd(0x11, (const uint8_t[]){ 0, 0x28, 0x01, 200 }, 4, out, 32, &n, PRIV_USER) == 0 && n == 5);
	CHECK(cmd(0x11, (const uint8_t[]){ 9, 0, 0, 1 }, 4, out, sizeof(out), &n, PRIV_USER) == CC_NOT_PRESENT);
	/* Writes: operator and up; count written; past the end and
	 * read-only refused with nothing stored. */
	CHECK(cmd(0x12, (const uint8_t[]){ 0, 0x00, 0x01, 0xaa, 0xbb }, 5, out, sizeof(out), &n,
		  PRIV_USER) == CC_INSUFFICIENT_PRIV);
	CHECK(cmd(0x12, (const uint8_t[]){ 0, 0x00, 0x01, 0xaa, 0xbb }, 5, out, sizeof(out), &n,
		  PRIV_OPERATOR) == 0 && n == 1 && out[0] == 2);
	CHECK(cmd(0x12, (const uint8_t[]){ 0, 0x2b, 0x01, 1, 2 }, 5, out, sizeof(out), &n,
		  PRIV_OPERATOR) == CC_PARAM_OUT_OF_RANGE);
	CHECK(cmd(0x12, (const uint8_t[]){ 7, 0, 0, 1 }, 4, out, sizeof(out), &n,
		  PRIV_OPERATOR) == 0x80);
	memset(big, 0x11, sizeof(big));
	big[0] = 0;
	big[1] = 0;
	big[2] = 0;
	CHECK(cmd(0x12, big, sizeof(big), out, sizeof(out), &n, PRIV_ADMIN) == CC_INVALID_FIELD);
	big[2] = 0x01;		/* 252 bytes at 100h: 44 past the end */
	CHECK(cmd(0x12, big, sizeof(big), out, sizeof(out), &n, PRIV_ADMIN) == CC_PARAM_OUT_OF_RANGE);
	big[1] = 0x2c;
	big[2] = 0x00;		/* 252 bytes at 2Ch: fits */
	CHECK(cmd(0x12, big, sizeof(big), out, sizeof(out), &n, PRIV_ADMIN) == 0 && out[0] == 252);
	/* The last two bytes written, then two untouched ones. */
	CHECK(cmd(0x11, (const uint8_t[]){ 0, 0x26, 0x01, 4 }, 4, out, sizeof(out), &n, PRIV_USER) == 0 &&
	      !memcmp(out, "\x04\x11\x11\x00\x00", 5));

	fru_done(bmc.fru);
	unlinkat(bmc.state_fd, "fru-0", 0);
	close(bmc.state_fd);
	rmdir(tdir);
}

int main(void)
{
	test_bmc_parts(&bmc);
	test_text();
	test_field_text();
	test_round_trip();
	test_damage();
	test_config_good();
	test_config_bad();
	test_devices();
	test_commands();
	return tap_done("fru");
}

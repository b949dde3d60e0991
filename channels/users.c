/* SPDX-License-Identifier: MIT */
/* The user table, its sealed state file, and the user commands (IPMI 2.0
 * 22.26-22.30).  See users.h and docs/users.md. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "channels/users.h"
#include "daemon/bmc.h"
#include "daemon/ipmi.h"
#include "daemon/log.h"
#include "daemon/store.h"
#include "lan/crypto.h"
#include "lan/lancmds.h"

#define USERS_FILE "users"
#define USERS_KEY_FILE "users.key"
#define LOCKOUT_FILE "lockout"
#define LOCKOUT_MAGIC "BLCK"
#define LOCKOUT_VERSION 1
#define LOCKOUT_REC (1 + 4)
#define LOCKOUT_FILE_MAX (4 + 1 + 16 + 8 + 8 + 1 + CFG_MAX_USERS * LOCKOUT_REC)
#define LOCKOUT_FOREVER 0xffffffffu	/* locked until an administrator enables the user */
#define USERS_MAGIC "BUSR"
#define USERS_VERSION 1
#define USERS_HDR_LEN (4 + 1)	/* magic, version: the sealed data's AAD */
#define USER_CH_REC 5
#define USER_REC (1 + CFG_NAME_MAX + CFG_PASSWORD_MAX + CHANNEL_MAX * USER_CH_REC)
#define USERS_PLAIN_MAX (1 + CFG_MAX_USERS * USER_REC)
#define USERS_FILE_MAX (USERS_HDR_LEN + CRYPTO_SEAL_NONCE + CRYPTO_SEAL_TAG + USERS_PLAIN_MAX)

#define KEYS_FILE "keys"
#define KEYS_MAGIC "BKEY"
#define KEYS_VERSION 1
#define KEYS_PLAIN_LEN (1 + 2 * CFG_PASSWORD_MAX)
#define KEYS_FILE_LEN (USERS_HDR_LEN + CRYPTO_SEAL_NONCE + CRYPTO_SEAL_TAG + KEYS_PLAIN_LEN)

#define PW16 16

enum {				/* saved user flags */
	UF_ENABLED = 1 << 0,
	UF_PW20 = 1 << 1,
};

enum {				/* saved / Get User Access channel flags */
	UA_IPMI = 1 << 4,
	UA_LINK = 1 << 5,
	UA_CALLBACK = 1 << 6,
};

enum {				/* Set User Password operations */
	PW_DISABLE = 0,
	PW_ENABLE = 1,
	PW_SET = 2,
	PW_TEST = 3,
};

enum {				/* Set User Password completion codes */
	CC_PW_MISMATCH = 0x80,	/* test failed: size right, data wrong */
	CC_PW_WRONG_SIZE = 0x81,	/* test failed: wrong password size */
};

#define USEC_PER_10S 10000000ULL

/* ---- helpers ---------------------------------------------------------------- */

static bool priv_ok(uint8_t p)
{
	return (p >= PRIV_CALLBACK && p <= PRIV_OEM) || p == PRIV_NO_ACCESS;
}

static bool uid_ok(const struct users *us, uint8_t uid)
{
	return uid >= 1 && uid <= us->max;
}

/* Allowed to log in on channel (the password is checked elsewhere). */
static bool user_may_login(const struct user *u, uint8_t channel)
{
	const struct user_access *a;

	if (!u->enabled || channel >= CHANNEL_MAX)
		return false;
	a = &u->ch[channel];
	return a->ipmi && a->priv >= PRIV_CALLBACK && a->priv <= PRIV_OEM;
}

const char *users_name_text(const uint8_t *name, size_t len, char out[4 * CFG_NAME_MAX + 1])
{
	size_t o = 0;

	for (size_t i = 0; i < len && i < CFG_NAME_MAX; i++) {
		uint8_t c = name[i];

		if (c >= 0x20 && c < 0x7f && c != '\\' && c != '"')
			out[o++] = (char)c;
		else
			o += (size_t)snprintf(out + o, 5, "\\x%02x", c);
	}
	out[o] = '\0';
	return out;
}

static const char *uname(const struct users *us, uint8_t uid, char out[4 * CFG_NAME_MAX + 1])
{
	const char *n = us->u[uid].name;

	return users_name_text((const uint8_t *)n, strlen(n), out);
}

/* An unused slot: no name, no password, disabled, NO ACCESS.  IPMI
 * messaging starts on, so naming, enabling and giving it a privilege (the
 * usual ipmitool sequence) is enough to make it a working user. */
static void user_clear(struct user *u)
{
	explicit_bzero(u, sizeof(*u));
	for (unsigned c = 0; c < CHANNEL_MAX; c++) {
		u->ch[c].priv = PRIV_NO_ACCESS;
		u->ch[c].ipmi = true;
	}
}

/* ---- seeding from the board ---------------------------------------------------- */

static void user_seed(struct users *us, uint8_t id, const struct cfg_user *cu)
{
	struct user *u = &us->u[id];

	memcpy(u->name, cu->name, sizeof(u->name));
	memcpy(u->key, cu->password, sizeof(u->key));
	u->pw20 = cu->password_len > PW16;
	u->enabled = cu->enabled;
	for (uint8_t c = 0; c < CHANNEL_MAX; c++) {
		struct user_access *a = &u->ch[c];

		if (!channel_has_sessions(us->channels, c))
			continue;
		a->priv = cu->privilege;
		a->ipmi = cu->privilege != PRIV_NO_ACCESS;
		/* SOL for whoever may reach USER; the SOL configuration's own
		 * privilege level still applies. */
		if (cu->privilege >= PRIV_USER && cu->privilege <= PRIV_OEM)
			a->payloads = USER_PAYLOAD_SOL;
	}
}

static unsigned users_seed(struct users *us, const struct board_config *cfg)
{
	unsigned n = 0;

	for (unsigned id = 1; id <= us->max; id++)
		user_clear(&us->u[id]);
	for (unsigned id = 1; id <= us->max; id++) {
		if (cfg->users[id].id != id)
			continue;
		user_seed(us, (uint8_t)id, &cfg->users[id]);
		n++;
	}
	return n;
}

/* ---- the sealed state file --------------------------------------------------- */

static void user_write(struct wbuf *w, const struct user *u)
{
	uint8_t name[CFG_NAME_MAX] = { 0 };

	memcpy(name, u->name, strnlen(u->name, CFG_NAME_MAX));
	wb_u8(w, (u->enabled ? UF_ENABLED : 0) | (u->pw20 ? UF_PW20 : 0));
	wb_bytes(w, name, sizeof(name));
	wb_bytes(w, u->key, sizeof(u->key));
	for (unsigned c = 0; c < CHANNEL_MAX; c++) {
		const struct user_access *a = &u->ch[c];

		wb_u8(w, a->priv);
		wb_u8(w, (a->ipmi ? UA_IPMI : 0) | (a->link ? UA_LINK : 0) |
			 (a->callback_only ? UA_CALLBACK : 0));
		wb_u8(w, a->session_limit);
		wb_le16(w, a->payloads);
	}
}

/* Write name as magic, version, nonce, tag, plain sealed under the device
 * key (magic and version are the additional authenticated data). */
static int seal_write(const struct users *us, const char *name, const char *magic,
		      uint8_t version, const uint8_t *plain, size_t len, uint8_t *file, size_t cap)
{
	struct wbuf f = wb_init(file, cap);
	uint8_t *nonce, *tag, *ct;
	int r;

	wb_bytes(&f, magic, 4);
	wb_u8(&f, version);
	nonce = wb_reserve(&f, CRYPTO_SEAL_NONCE);
	tag = wb_reserve(&f, CRYPTO_SEAL_TAG);
	ct = wb_reserve(&f, len);
	if (!ct)
		return -EOVERFLOW;
	r = crypto_random(nonce, CRYPTO_SEAL_NONCE);
	if (r == 0)
		r = crypto_seal(us->seal_key, nonce, file, USERS_HDR_LEN, plain, len, ct, tag);
	if (r == 0)
		r = store_write(us->dirfd, name, file, f.len);
	return r;
}

/* The channel security keys: flags (bit 0 K_R locked, bit 1 K_G locked),
 * K_R, K_G. */
static int keys_save(const struct users *us)
{
	uint8_t plain[KEYS_PLAIN_LEN], file[KEYS_FILE_LEN];
	struct wbuf p = wb_init(plain, sizeof(plain));
	int r;

	if (us->dirfd < 0)
		return 0;
	wb_u8(&p, (us->keys.kr_locked ? 1 : 0) | (us->keys.kg_locked ? 2 : 0));
	wb_bytes(&p, us->keys.kr, sizeof(us->keys.kr));
	wb_bytes(&p, us->keys.kg, sizeof(us->keys.kg));
	r = wb_ok(&p) ? seal_write(us, KEYS_FILE, KEYS_MAGIC, KEYS_VERSION, plain, p.len, file,
				   sizeof(file)) : -EOVERFLOW;
	explicit_bzero(plain, sizeof(plain));
	explicit_bzero(file, sizeof(file));
	return r;
}

static int keys_parse(struct users *us, const uint8_t *buf, size_t len)
{
	uint8_t plain[KEYS_PLAIN_LEN], nonce[CRYPTO_SEAL_NONCE], tag[CRYPTO_SEAL_TAG], magic[4];
	struct rbuf r = rb_init(buf, len), p;
	struct channel_keys k;
	uint8_t version, flags;
	int ret;

	rb_copy(&r, magic, sizeof(magic));
	version = rb_u8(&r);
	rb_copy(&r, nonce, sizeof(nonce));
	rb_copy(&r, tag, sizeof(tag));
	if (!rb_ok(&r) || memcmp(magic, KEYS_MAGIC, 4) != 0 || rb_left(&r) != KEYS_PLAIN_LEN)
		return -EBADMSG;
	if (version != KEYS_VERSION)
		return -EPROTONOSUPPORT;
	ret = crypto_open(us->seal_key, nonce, buf, USERS_HDR_LEN, r.p, KEYS_PLAIN_LEN, plain, tag);
	if (ret < 0)
		return ret == -EBADMSG ? -EKEYREJECTED : ret;
	p = rb_init(plain, sizeof(plain));
	flags = rb_u8(&p);
	k = (struct channel_keys){ .kr_locked = flags & 1, .kg_locked = flags & 2 };
	rb_copy(&p, k.kr, sizeof(k.kr));
	rb_copy(&p, k.kg, sizeof(k.kg));
	ret = rb_done(&p) && !(flags & ~3) ? 0 : -EBADMSG;
	if (ret == 0)
		us->keys = k;
	explicit_bzero(&k, sizeof(k));
	explicit_bzero(plain, sizeof(plain));
	return ret;
}

static const char *load_problem(int r);
static void move_aside(int dirfd, const char *name);

static void recovery_start(struct users *us, const char *what)
{
	us->recovery = true;
	log_error("state: %s. LAN LOGINS ARE REFUSED until an administrator recovers: change "
		  "the users in-band over the host interface (KCS needs no login; e.g. "
		  "'ipmitool -I open user set name/password, user enable, user priv'), which "
		  "writes new state files; or, to start again from the board file's users, "
		  "delete users.corrupt (and keys.corrupt) in the state directory and restart "
		  "bmcd. The factory users are NOT restored automatically.", what);
}

/* First boot (no file): K_G from the board, written at once; after that the
 * file is authoritative.  A corrupt file: recovery, no K_G guessed. */
static int keys_load(struct users *us, const struct board_config *cfg)
{
	uint8_t buf[KEYS_FILE_LEN + 1];
	ssize_t n = store_load(us->dirfd, KEYS_FILE, buf, sizeof(buf), "state");
	char what[160];
	int r;

	if (n == -ENOENT && faccessat(us->dirfd, KEYS_FILE ".corrupt", F_OK, AT_SYMLINK_NOFOLLOW) == 0) {
		recovery_start(us, KEYS_FILE " is missing and " KEYS_FILE ".corrupt is present");
		return 0;
	}
	if (n == -ENOENT) {
		if (cfg->lan.kg_set)
			memcpy(us->keys.kg, cfg->lan.kg, sizeof(us->keys.kg));
		r = keys_save(us);
		return r < 0 ? log_error_errno(r, "state: cannot write %s", KEYS_FILE) : 0;
	}
	if (n < 0)
		return (int)n;		/* logged; nothing moved aside or rebuilt */
	r = keys_parse(us, buf, (size_t)n);
	explicit_bzero(buf, sizeof(buf));
	if (r == 0)
		return 0;
	snprintf(what, sizeof(what), "%s %s; moved to %s.corrupt", KEYS_FILE, load_problem(r),
		 KEYS_FILE);
	move_aside(us->dirfd, KEYS_FILE);
	recovery_start(us, what);
	return 0;
}

const uint8_t *users_kg(const struct users *us)
{
	static const uint8_t zero[CFG_PASSWORD_MAX];

	return memcmp(us->keys.kg, zero, sizeof(zero)) ? us->keys.kg : NULL;
}

static int users_save(const struct users *us)
{
	uint8_t plain[USERS_PLAIN_MAX], file[USERS_FILE_MAX];
	struct wbuf p = wb_init(plain, sizeof(plain));
	int r = -EOVERFLOW;

	if (us->dirfd < 0)
		return 0;
	wb_u8(&p, (uint8_t)us->max);
	for (unsigned id = 1; id <= us->max; id++)
		user_write(&p, &us->u[id]);
	if (wb_ok(&p))
		r = seal_write(us, USERS_FILE, USERS_MAGIC, USERS_VERSION, plain, p.len, file,
			       sizeof(file));
	explicit_bzero(plain, sizeof(plain));
	explicit_bzero(file, sizeof(file));
	return r;
}

static int user_read(struct rbuf *r, struct user *u, uint8_t id)
{
	uint8_t flags = rb_u8(r), name[CFG_NAME_MAX];
	size_t len;

	rb_copy(r, name, sizeof(name));
	rb_copy(r, u->key, sizeof(u->key));
	len = strnlen((const char *)name, sizeof(name));
	for (size_t i = len; i < sizeof(name); i++)
		if (name[i])
			return -EBADMSG;
	if ((flags & ~(UF_ENABLED | UF_PW20)) || (id == 1 && len))
		return -EBADMSG;
	memcpy(u->name, name, len);
	u->enabled = flags & UF_ENABLED;
	u->pw20 = flags & UF_PW20;
	for (unsigned c = 0; c < CHANNEL_MAX; c++) {
		struct user_access *a = &u->ch[c];
		uint8_t af;

		a->priv = rb_u8(r);
		af = rb_u8(r);
		a->session_limit = rb_u8(r);
		a->payloads = rb_le16(r);
		if (!priv_ok(a->priv) || (af & ~(UA_IPMI | UA_LINK | UA_CALLBACK)) ||
		    a->session_limit > 15)
			return -EBADMSG;
		a->ipmi = af & UA_IPMI;
		a->link = af & UA_LINK;
		a->callback_only = af & UA_CALLBACK;
	}
	return rb_ok(r) ? 0 : -EBADMSG;
}

/* Decrypt and parse into us (only when all of it is good). */
static int users_parse(struct users *us, const uint8_t *buf, size_t len)
{
	uint8_t plain[USERS_PLAIN_MAX], nonce[CRYPTO_SEAL_NONCE], tag[CRYPTO_SEAL_TAG];
	struct user *tmp;
	struct rbuf r = rb_init(buf, len), p;
	uint8_t magic[4], version, max;
	size_t clen;
	int ret;

	rb_copy(&r, magic, sizeof(magic));
	version = rb_u8(&r);
	rb_copy(&r, nonce, sizeof(nonce));
	rb_copy(&r, tag, sizeof(tag));
	clen = rb_left(&r);
	if (!rb_ok(&r) || memcmp(magic, USERS_MAGIC, 4) != 0 || clen > sizeof(plain))
		return -EBADMSG;
	if (version != USERS_VERSION)
		return -EPROTONOSUPPORT;
	ret = crypto_open(us->seal_key, nonce, buf, USERS_HDR_LEN, r.p, clen, plain, tag);
	if (ret < 0)
		return ret == -EBADMSG ? -EKEYREJECTED : ret;
	/* Parsed aside (too large for the stack), so a bad file changes nothing. */
	tmp = calloc(CFG_MAX_USERS + 1, sizeof(*tmp));
	if (!tmp) {
		explicit_bzero(plain, sizeof(plain));
		return -ENOMEM;
	}
	p = rb_init(plain, clen);
	max = rb_u8(&p);
	ret = max >= 1 && max <= CFG_MAX_USERS ? 0 : -EBADMSG;
	for (unsigned id = 1; id <= CFG_MAX_USERS; id++)
		user_clear(&tmp[id]);
	for (unsigned id = 1; ret == 0 && id <= max; id++)
		ret = user_read(&p, &tmp[id], (uint8_t)id);
	if (ret == 0 && !rb_done(&p))
		ret = -EBADMSG;
	if (ret == 0) {
		if (max > us->max)
			log_warning("state: %s holds user IDs up to %u, the board offers %u: "
				    "IDs above %u are ignored", USERS_FILE, max, us->max, us->max);
		for (unsigned id = 1; id <= us->max; id++)
			us->u[id] = tmp[id];
	}
	explicit_bzero(plain, sizeof(plain));
	explicit_bzero(tmp, (CFG_MAX_USERS + 1) * sizeof(*tmp));
	free(tmp);
	return ret;
}

static const char *load_problem(int r)
{
	switch (r) {
	case -EKEYREJECTED:
		return "cannot be decrypted with " USERS_KEY_FILE " (another key, or tampered with)";
	case -EPROTONOSUPPORT:
		return "has an unsupported version";
	case -EFBIG:
		return "is too large";
	case -EBADMSG:
		return "is malformed";
	default:
		return "cannot be read";
	}
}

/* Move a bad file aside (never overwrite it silently). */
static void move_aside(int dirfd, const char *name)
{
	store_set_aside(dirfd, name, "state");	/* logs a failure */
}

static int users_reseed(struct users *us, const struct board_config *cfg, const char *why)
{
	unsigned n = users_seed(us, cfg);
	int r = users_save(us);

	log_notice("state: %s: %u users from the board file", why, n);
	if (r < 0)
		return log_error_errno(r, "state: cannot write %s", USERS_FILE);
	return 0;
}

static int users_load(struct users *us, const struct board_config *cfg)
{
	uint8_t buf[USERS_FILE_MAX];
	ssize_t n = store_load(us->dirfd, USERS_FILE, buf, sizeof(buf), "state");
	char what[200];
	int r;

	for (unsigned id = 1; id <= us->max; id++)
		user_clear(&us->u[id]);
	if (n == -ENOENT && faccessat(us->dirfd, USERS_FILE ".corrupt", F_OK, AT_SYMLINK_NOFOLLOW) == 0) {
		/* A restart after a corrupt file: still no users to trust. */
		recovery_start(us, USERS_FILE " is missing and " USERS_FILE ".corrupt is present");
		return 0;
	}
	if (n == -ENOENT)
		return users_reseed(us, cfg, "first boot");
	if (n < 0)
		return (int)n;		/* logged; nothing moved aside or rebuilt */
	r = users_parse(us, buf, (size_t)n);
	explicit_bzero(buf, sizeof(buf));
	if (r == 0) {
		log_info("state: users loaded from %s", USERS_FILE);
		return 0;
	}
	if (r == -ENOMEM)	/* nothing wrong with the file: do not move it aside */
		return log_error_errno(r, "state: %s", USERS_FILE);
	snprintf(what, sizeof(what), "%s %s; moved to %s.corrupt", USERS_FILE, load_problem(r),
		 USERS_FILE);
	move_aside(us->dirfd, USERS_FILE);
	recovery_start(us, what);
	return 0;
}

/* The device key: made on first boot, 0600 in the (0700) state dir. */
static int key_load(struct users *us)
{
	uint8_t buf[USERS_KEY_LEN + 1];
	ssize_t n = store_load(us->dirfd, USERS_KEY_FILE, buf, sizeof(buf), "state");
	struct stat st;
	int r;

	if (n == USERS_KEY_LEN) {
		memcpy(us->seal_key, buf, USERS_KEY_LEN);
		explicit_bzero(buf, sizeof(buf));
		if (fstatat(us->dirfd, USERS_KEY_FILE, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    (st.st_mode & 077)) {
			log_warning("state: %s was readable by others (mode %03o); made 0600",
				    USERS_KEY_FILE, st.st_mode & 0777);
			fchmodat(us->dirfd, USERS_KEY_FILE, 0600, 0);
		}
		return 0;
	}
	explicit_bzero(buf, sizeof(buf));
	if (n < 0 && n != -ENOENT)
		return (int)n;		/* logged; no new key made over it */
	if (n >= 0) {
		log_error("state: %s is unusable (wrong length); moved to %s.corrupt, making a new key",
			  USERS_KEY_FILE, USERS_KEY_FILE);
		move_aside(us->dirfd, USERS_KEY_FILE);
	}
	r = crypto_random(us->seal_key, USERS_KEY_LEN);
	if (r == 0)
		r = store_write(us->dirfd, USERS_KEY_FILE, us->seal_key, USERS_KEY_LEN);
	if (r < 0)
		return log_error_errno(r, "state: cannot make %s", USERS_KEY_FILE);
	log_notice("state: made a new device key %s", USERS_KEY_FILE);
	return 0;
}

/* ---- the lockout state file -------------------------------------------------------
 *
 * Which users are locked, and for how many more seconds, so that restarting
 * bmcd does not unlock them.  Written only when a lock starts or ends (not
 * on every bad password, so a guessing attacker cannot wear the flash).
 * Remaining time is stored together with the boot ID, CLOCK_BOOTTIME and
 * the wall clock at the write: within the same boot the boot-time delta
 * counts (it is monotonic and includes suspend); after a reboot the wall
 * clock delta does, clamped to [0, remaining] so a clock that went back
 * keeps the lock rather than extending or ending it wrongly.
 */

static int boot_id(uint8_t out[16])
{
	char text[64];
	unsigned n = 0;
	FILE *f = fopen("/proc/sys/kernel/random/boot_id", "re");

	memset(out, 0, 16);
	if (!f)
		return -errno;
	if (!fgets(text, sizeof(text), f)) {
		fclose(f);
		return -EIO;
	}
	fclose(f);
	for (const char *p = text; *p && n < 32; p++) {
		int v = *p >= '0' && *p <= '9' ? *p - '0' : *p >= 'a' && *p <= 'f' ? *p - 'a' + 10 : -1;

		if (v < 0)
			continue;
		out[n / 2] = (uint8_t)(out[n / 2] << 4 | v);
		n++;
	}
	return n == 32 ? 0 : -EIO;
}

static uint64_t clock_sec(clockid_t id)
{
	struct timespec ts;

	return clock_gettime(id, &ts) == 0 ? (uint64_t)ts.tv_sec : 0;
}

static uint64_t mono_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void lockout_save(const struct users *us)
{
	uint8_t buf[LOCKOUT_FILE_MAX], id[16];
	struct wbuf w = wb_init(buf, sizeof(buf));
	uint64_t now = mono_usec();
	uint8_t *count;
	int r;

	if (us->dirfd < 0)
		return;
	boot_id(id);
	wb_bytes(&w, LOCKOUT_MAGIC, 4);
	wb_u8(&w, LOCKOUT_VERSION);
	wb_bytes(&w, id, sizeof(id));
	wb_le32(&w, (uint32_t)clock_sec(CLOCK_BOOTTIME));
	wb_le32(&w, (uint32_t)(clock_sec(CLOCK_BOOTTIME) >> 32));
	wb_le32(&w, (uint32_t)clock_sec(CLOCK_REALTIME));
	wb_le32(&w, (uint32_t)(clock_sec(CLOCK_REALTIME) >> 32));
	count = wb_reserve(&w, 1);
	if (!count)
		return;
	*count = 0;
	for (unsigned uid = 1; uid <= us->max; uid++) {
		const struct user *u = &us->u[uid];
		uint64_t left;

		if (!u->locked)
			continue;
		if (!u->locked_until_usec)
			left = LOCKOUT_FOREVER;
		else if (u->locked_until_usec <= now)
			continue;
		else	/* rounded up: never shorter than the interval */
			left = (u->locked_until_usec - now + 999999) / 1000000;
		wb_u8(&w, (uint8_t)uid);
		wb_le32(&w, left > LOCKOUT_FOREVER ? LOCKOUT_FOREVER - 1 : (uint32_t)left);
		(*count)++;
	}
	r = wb_ok(&w) ? store_write(us->dirfd, LOCKOUT_FILE, buf, w.len) : -EOVERFLOW;
	if (r < 0)
		log_error_errno(r, "state: cannot write %s", LOCKOUT_FILE);
}

static int lockout_load(struct users *us)
{
	uint8_t buf[LOCKOUT_FILE_MAX], id[16], saved_id[16];
	ssize_t n = store_load(us->dirfd, LOCKOUT_FILE, buf, sizeof(buf), "state");
	struct rbuf r = rb_init(buf, n > 0 ? (size_t)n : 0);
	uint64_t saved_boot, saved_wall, elapsed, now = mono_usec();
	uint8_t magic[4], count;
	char name[4 * CFG_NAME_MAX + 1];

	if (n == -ENOENT)
		return 0;
	if (n < 0)
		return (int)n;		/* logged */
	rb_copy(&r, magic, sizeof(magic));
	if (rb_u8(&r) != LOCKOUT_VERSION || memcmp(magic, LOCKOUT_MAGIC, 4) != 0)
		goto corrupt;
	rb_copy(&r, saved_id, sizeof(saved_id));
	saved_boot = rb_le32(&r);
	saved_boot |= (uint64_t)rb_le32(&r) << 32;
	saved_wall = rb_le32(&r);
	saved_wall |= (uint64_t)rb_le32(&r) << 32;
	count = rb_u8(&r);
	if (!rb_ok(&r) || rb_left(&r) != (size_t)count * LOCKOUT_REC)
		goto corrupt;
	if (boot_id(id) == 0 && memcmp(id, saved_id, sizeof(id)) == 0) {
		uint64_t b = clock_sec(CLOCK_BOOTTIME);

		elapsed = b > saved_boot ? b - saved_boot : 0;
	} else {
		uint64_t wnow = clock_sec(CLOCK_REALTIME);

		elapsed = wnow > saved_wall ? wnow - saved_wall : 0;
	}
	for (unsigned i = 0; i < count; i++) {
		uint8_t uid = rb_u8(&r);
		uint32_t left = rb_le32(&r);
		struct user *u;

		if (!uid_ok(us, uid))
			continue;
		u = &us->u[uid];
		if (left != LOCKOUT_FOREVER && left <= elapsed)
			continue;	/* the interval ended while bmcd was not running */
		u->locked = true;
		u->locked_until_usec = left == LOCKOUT_FOREVER ? 0 : now + (left - elapsed) * 1000000u;
		if (left == LOCKOUT_FOREVER)
			log_notice("login: user %u \"%s\" is still locked out until an administrator "
				   "enables it", uid, uname(us, uid, name));
		else
			log_notice("login: user %u \"%s\" is still locked out for %llu s", uid,
				   uname(us, uid, name), (unsigned long long)(left - elapsed));
	}
	return 0;
corrupt:
	log_error("state: %s is corrupt; moved to %s.corrupt, no user is locked out", LOCKOUT_FILE,
		  LOCKOUT_FILE);
	move_aside(us->dirfd, LOCKOUT_FILE);
	return 0;
}

int users_init(struct users *us, const struct board_config *cfg, const struct channels *ch,
	       int dirfd)
{
	unsigned max = cfg->max_users >= 1 && cfg->max_users <= CFG_MAX_USERS ? cfg->max_users : 15;
	int r;

	/* All but the slots above max, which nothing reads (uid_ok) and
	 * which start zero in a module part: writing them would make ~10 kB
	 * resident per BMC for nothing (docs/virtual.md, fleets). */
	explicit_bzero(us, offsetof(struct users, u) + (max + 1) * sizeof(us->u[0]));
	explicit_bzero((uint8_t *)us + offsetof(struct users, dirfd),
		       sizeof(*us) - offsetof(struct users, dirfd));
	us->dirfd = dirfd;
	us->channels = ch;
	us->max = max;
	if (dirfd < 0) {
		users_seed(us, cfg);
		if (cfg->lan.kg_set)
			memcpy(us->keys.kg, cfg->lan.kg, sizeof(us->keys.kg));
		return 0;
	}
	r = key_load(us);
	if (r < 0)
		return r;
	r = users_load(us, cfg);
	if (r == 0)
		r = keys_load(us, cfg);
	if (r == 0 && !us->recovery)
		r = lockout_load(us);
	return r;
}

void users_done(struct users *us)
{
	explicit_bzero(us, sizeof(*us));
	us->dirfd = -1;
}

/* Apply a change made to *u (a copy was taken in *old): save, or put the
 * old state back.  Returns a completion code. */
/* An administrator changed the table or the keys (in-band: nobody can log
 * in over the LAN meanwhile): what is there now is the state. */
static int recovery_end(struct users *us)
{
	int r;

	if (!us->recovery)
		return 0;
	r = users_save(us);
	if (r == 0)
		r = keys_save(us);
	if (r < 0)
		return r;
	us->recovery = false;
	log_notice("state: recovered by an administrator: new %s and %s written; LAN logins "
		   "allowed again", USERS_FILE, KEYS_FILE);
	return 0;
}

static int user_commit(struct users *us, struct user *u, struct user *old)
{
	int r = users_save(us);

	if (r == 0)
		r = recovery_end(us);
	if (r < 0) {
		*u = *old;
		log_error_errno(r, "state: cannot write %s", USERS_FILE);
	}
	explicit_bzero(old, sizeof(*old));
	if (r == -ENOSPC)
		return CC_OUT_OF_SPACE;
	return r < 0 ? CC_UNSPECIFIED : CC_OK;
}

/* ---- for the LAN channel ---------------------------------------------------- */

uint8_t users_login_find(const struct users *us, uint8_t channel, const uint8_t *name, size_t len)
{
	if (us->recovery) {
		log_error("login: refused: the user state was corrupt and has not been recovered "
			  "(see the start-up log: recover in-band over KCS, or delete users.corrupt "
			  "and restart)");
		return 0;
	}
	if (len == 0)
		return us->max >= 1 && user_may_login(&us->u[1], channel) ? 1 : 0;
	if (len > CFG_NAME_MAX)
		return 0;
	for (unsigned id = 2; id <= us->max; id++) {
		const struct user *u = &us->u[id];

		if (strnlen(u->name, sizeof(u->name)) == len && memcmp(u->name, name, len) == 0 &&
		    user_may_login(u, channel))
			return (uint8_t)id;
	}
	return 0;
}

const uint8_t *users_key(const struct users *us, uint8_t uid)
{
	static const uint8_t zero[CFG_PASSWORD_MAX];

	return uid_ok(us, uid) ? us->u[uid].key : zero;
}

bool users_key_needs_v20(const struct users *us, uint8_t uid)
{
	const uint8_t *k = users_key(us, uid);

	return uid_ok(us, uid) && us->u[uid].pw20 && (k[16] | k[17] | k[18] | k[19]);
}

uint8_t users_priv_limit(const struct users *us, uint8_t uid, uint8_t channel)
{
	uint8_t p, ch;

	if (!uid_ok(us, uid) || channel >= CHANNEL_MAX)
		return PRIV_NONE;
	p = us->u[uid].ch[channel].priv;
	if (p == PRIV_NO_ACCESS || p > PRIV_OEM)
		return PRIV_NONE;
	ch = channel_priv_limit(us->channels, channel);
	return p < ch ? p : ch;
}

uint8_t users_session_limit(const struct users *us, uint8_t uid, uint8_t channel)
{
	if (!uid_ok(us, uid) || channel >= CHANNEL_MAX)
		return 0;
	return us->u[uid].ch[channel].session_limit;
}

bool users_locked(struct users *us, uint8_t uid, uint64_t now)
{
	struct user *u;
	char n[4 * CFG_NAME_MAX + 1];

	if (!uid_ok(us, uid))
		return false;
	u = &us->u[uid];
	if (!u->locked)
		return false;
	if (u->locked_until_usec && now >= u->locked_until_usec) {
		u->locked = false;
		u->fails = 0;
		log_notice("login: user %u \"%s\" unlocked: lockout interval over", uid, uname(us, uid, n));
		lockout_save(us);
		return false;
	}
	return true;
}

void users_login_failed(struct users *us, uint8_t uid, uint8_t channel, uint64_t now,
			const char *peer)
{
	const struct lockout_policy *p = channel_lockout(us->channels, channel);
	char n[4 * CFG_NAME_MAX + 1];
	struct user *u;

	if (!uid_ok(us, uid))
		return;
	u = &us->u[uid];
	if (u->locked) {
		uname(us, uid, n);
		log_auth(LOG_WARNING, "login-refused-locked", uid, n, peer, channel,
			 "login: refused user %u \"%s\" from %s on channel %u: locked out",
			 uid, n, peer, channel);
		return;
	}
	if (!p || p->threshold == 0) {
		uname(us, uid, n);
		log_auth(LOG_WARNING, "login-failure", uid, n, peer, channel,
			 "login: bad password for user %u \"%s\" from %s on channel %u",
			 uid, n, peer, channel);
		return;
	}
	if (u->fails && p->reset_10s && now - u->first_fail_usec >= p->reset_10s * USEC_PER_10S)
		u->fails = 0;
	if (u->fails == 0)
		u->first_fail_usec = now;
	if (u->fails < 255)
		u->fails++;
	uname(us, uid, n);
	log_auth(LOG_WARNING, "login-failure", uid, n, peer, channel,
		 "login: bad password for user %u \"%s\" from %s on channel %u (%u of %u)",
		 uid, n, peer, channel, u->fails, p->threshold);
	if (u->fails < p->threshold)
		return;
	u->locked = true;
	u->locked_until_usec = p->lockout_10s ? now + p->lockout_10s * USEC_PER_10S : 0;
	lockout_save(us);
	if (p->lockout_10s)
		log_auth(LOG_WARNING, "lockout", uid, n, peer, channel,
			 "login: user %u \"%s\" locked out for %u s after %u bad passwords "
			 "(last from %s on channel %u)", uid, n, p->lockout_10s * 10u, u->fails,
			 peer, channel);
	else
		log_auth(LOG_WARNING, "lockout", uid, n, peer, channel,
			 "login: user %u \"%s\" locked out until an administrator enables it "
			 "(%u bad passwords, last from %s on channel %u)", uid, n, u->fails, peer,
			 channel);
}

void users_login_ok(struct users *us, uint8_t uid, uint8_t channel, const char *peer,
		    const char *how)
{
	char n[4 * CFG_NAME_MAX + 1];

	if (!uid_ok(us, uid))
		return;
	us->u[uid].fails = 0;
	uname(us, uid, n);
	log_auth(LOG_INFO, "login-success", uid, n, peer, channel,
		 "login: user %u \"%s\" from %s on channel %u (%s)", uid, n, peer, channel, how);
}

uint8_t users_auth_status(const struct users *us, uint8_t channel)
{
	static const uint8_t zero[CFG_PASSWORD_MAX];
	uint8_t st = 0;

	for (unsigned id = 1; id <= us->max; id++) {
		const struct user *u = &us->u[id];

		if (!user_may_login(u, channel))
			continue;
		if (id == 1)
			st |= memcmp(u->key, zero, sizeof(zero)) ? 0x02 : 0x01;
		else if (u->name[0])
			st |= 0x04;
	}
	return st;
}

/* ---- for Redfish accounts --------------------------------------------------- */

static bool name_taken(const struct users *us, uint8_t uid, const uint8_t *name, size_t len);

uint8_t users_find_name(const struct users *us, const char *name)
{
	size_t len = strlen(name);

	if (len == 0 || len > CFG_NAME_MAX)
		return 0;
	for (unsigned id = 2; id <= us->max; id++)
		if (strnlen(us->u[id].name, CFG_NAME_MAX) == len &&
		    memcmp(us->u[id].name, name, len) == 0)
			return (uint8_t)id;
	return 0;
}

bool users_password_ok(const struct users *us, uint8_t uid, const char *pw, size_t len)
{
	uint8_t k[CFG_PASSWORD_MAX] = { 0 };
	const struct user *u;
	bool ok;

	if (!uid_ok(us, uid) || len == 0 || len > CFG_PASSWORD_MAX || memchr(pw, 0, len))
		return false;
	u = &us->u[uid];
	/* A password set in the 16-byte form has nothing past byte 16. */
	if (!u->pw20 && len > PW16)
		return false;
	memcpy(k, pw, len);
	ok = crypto_equal(k, u->key, sizeof(k));
	explicit_bzero(k, sizeof(k));
	return ok;
}

void users_login_quiet(struct users *us, uint8_t uid)
{
	if (uid_ok(us, uid))
		us->u[uid].fails = 0;
}

uint8_t users_free_id(const struct users *us)
{
	for (unsigned id = 2; id <= us->max; id++)
		if (!us->u[id].name[0])
			return (uint8_t)id;
	return 0;
}

static bool text_name_ok(const char *name)
{
	size_t len = strlen(name);

	if (len == 0 || len > CFG_NAME_MAX)
		return false;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)name[i] < 0x20 || (unsigned char)name[i] > 0x7e)
			return false;
	return true;
}

int users_change(struct users *us, uint8_t uid, const struct user_change *c)
{
	char n[4 * CFG_NAME_MAX + 1];
	struct user *u, old;
	bool unlocked, was_locked;
	int cc;

	if (!uid_ok(us, uid) || uid == 1)
		return -EINVAL;
	if (c->name && !text_name_ok(c->name))
		return -EINVAL;
	if (c->name && name_taken(us, uid, (const uint8_t *)c->name, strlen(c->name)))
		return -EEXIST;
	if (c->password && (c->password_len == 0 || c->password_len > CFG_PASSWORD_MAX ||
			    memchr(c->password, 0, c->password_len)))
		return -EINVAL;
	if (c->priv >= 0 && (!priv_ok((uint8_t)c->priv) || !channel_has_sessions(us->channels, c->channel)))
		return -EINVAL;
	u = &us->u[uid];
	if (c->create && u->name[0])
		return -EEXIST;
	old = *u;
	was_locked = u->locked;
	if (c->create)
		user_clear(u);	/* nothing left of an earlier user of the slot */
	unlocked = (c->unlock || c->enabled == 1) && old.locked;
	if (c->name) {
		memset(u->name, 0, sizeof(u->name));
		memcpy(u->name, c->name, strlen(c->name));
		if (strcmp(old.name, u->name))
			log_notice("user %u: name set to \"%s\"", uid, uname(us, uid, n));
	}
	if (c->password) {
		memset(u->key, 0, sizeof(u->key));
		memcpy(u->key, c->password, c->password_len);
		u->pw20 = c->password_len > PW16;
		log_notice("user %u \"%s\": password set (%u-byte form)", uid, uname(us, uid, n),
			   u->pw20 ? CFG_PASSWORD_MAX : PW16);
	}
	if (c->enabled >= 0 && u->enabled != (c->enabled == 1)) {
		u->enabled = c->enabled == 1;
		log_notice("user %u \"%s\" %s", uid, uname(us, uid, n), u->enabled ? "enabled" : "disabled");
	}
	if (c->priv >= 0 && u->ch[c->channel].priv != c->priv) {
		u->ch[c->channel].priv = (uint8_t)c->priv;
		log_notice("user %u \"%s\": channel %u: privilege limit %s", uid, uname(us, uid, n),
			   c->channel, ipmi_priv_name((uint8_t)c->priv));
	}
	if (unlocked || ((c->unlock || c->enabled == 1) && u->fails)) {
		u->locked = false;
		u->fails = 0;
		if (unlocked)
			log_notice("user %u \"%s\": lockout cleared by an administrator", uid,
				   uname(us, uid, n));
	}
	cc = user_commit(us, u, &old);
	if (cc != CC_OK)
		return -EIO;
	if (was_locked && !u->locked)
		lockout_save(us);
	return 0;
}

int users_delete(struct users *us, uint8_t uid)
{
	char n[4 * CFG_NAME_MAX + 1];
	struct user *u, old;
	bool was_locked;

	if (!uid_ok(us, uid) || uid == 1)
		return -EINVAL;
	u = &us->u[uid];
	old = *u;
	was_locked = u->locked;
	uname(us, uid, n);
	user_clear(u);
	if (user_commit(us, u, &old) != CC_OK)
		return -EIO;
	log_notice("user %u \"%s\" deleted (name cleared, disabled, password wiped)", uid, n);
	if (was_locked)
		lockout_save(us);
	return 0;
}

/* ---- payload access ---------------------------------------------------------- */

static int payload_bit(uint8_t type)
{
	if (type >= 1 && type <= 7)
		return type;
	if (type >= 0x20 && type <= 0x27)
		return 8 + (type - 0x20);
	return -1;
}

bool users_payload_allowed(const struct users *us, uint8_t uid, uint8_t channel, uint8_t type)
{
	int bit = payload_bit(type);

	if (bit < 0 || !uid_ok(us, uid) || channel >= CHANNEL_MAX)
		return false;
	return us->u[uid].enabled && (us->u[uid].ch[channel].payloads & (1u << bit));
}

uint16_t users_payload_access(const struct users *us, uint8_t uid, uint8_t channel)
{
	if (!uid_ok(us, uid) || !channel_has_sessions(us->channels, channel))
		return 0;
	return us->u[uid].ch[channel].payloads;
}

int users_set_payload_access(struct users *us, uint8_t uid, uint8_t channel, uint16_t bits, bool on)
{
	struct user *u, old;

	if (!uid_ok(us, uid) || !channel_has_sessions(us->channels, channel) || (bits & 1))
		return -EINVAL;
	u = &us->u[uid];
	old = *u;
	if (on)
		u->ch[channel].payloads |= bits;
	else
		u->ch[channel].payloads &= (uint16_t)~bits;
	return user_commit(us, u, &old) == CC_OK ? 0 : -EIO;
}

/* ---- commands ------------------------------------------------------------------ */

static uint8_t enabled_count(const struct users *us)
{
	uint8_t n = 0;

	for (unsigned id = 1; id <= us->max; id++)
		n += us->u[id].enabled;
	return n;
}

int users_cmd_get_access(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp)
{
	const struct users *us = bmc->users;
	struct rbuf r = ipmi_reader(req);
	uint8_t cb = rb_u8(&r), ub = rb_u8(&r);
	uint8_t ch = ipmi_req_channel(req, cb), uid = ub & 0x3f;
	const struct user_access *a;

	if (!rb_done(&r))
		return CC_REQ_LEN;
	if ((cb & 0xf0) || (ub & 0xc0))
		return CC_INVALID_FIELD;
	if (!channel_has_sessions(bmc->channels, ch) || !uid_ok(us, uid))
		return CC_INVALID_FIELD;
	a = &us->u[uid].ch[ch];
	wb_u8(rsp, (uint8_t)us->max & 0x3f);
	wb_u8(rsp, (us->u[uid].enabled ? 0x40 : 0x80) | (enabled_count(us) & 0x3f));
	wb_u8(rsp, 1);		/* fixed names: the null user */
	wb_u8(rsp, (a->callback_only ? UA_CALLBACK : 0) | (a->link ? UA_LINK : 0) |
		   (a->ipmi ? UA_IPMI : 0) | (a->priv & 0x0f));
	return CC_OK;
}

int users_cmd_set_access(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp)
{
	struct users *us = bmc->users;
	struct rbuf r = ipmi_reader(req);
	uint8_t b0 = rb_u8(&r), ub = rb_u8(&r), pb = rb_u8(&r);
	uint8_t uid = ub & 0x3f, priv = pb & 0x0f;
	/* The session limit byte is optional; without it the limit stays. */
	bool has_limit = rb_left(&r) > 0;
	uint8_t lb = has_limit ? rb_u8(&r) : 0;
	uint8_t ch = ipmi_req_channel(req, b0 & 0x0f);
	struct user *u, old;
	struct user_access *a;

	if (!rb_done(&r))
		return CC_REQ_LEN;
	if ((ub & 0xc0) || (pb & 0xf0) || !priv_ok(priv))
		return CC_INVALID_FIELD;
	if (lb & 0xf0)
		return CC_INVALID_FIELD;
	if (!channel_has_sessions(bmc->channels, ch) || !uid_ok(us, uid))
		return CC_INVALID_FIELD;
	u = &us->u[uid];
	old = *u;
	a = &u->ch[ch];
	if (b0 & 0x80) {
		a->callback_only = b0 & UA_CALLBACK;
		a->link = b0 & UA_LINK;
		a->ipmi = b0 & UA_IPMI;
	}
	a->priv = priv;
	if (has_limit)
		a->session_limit = lb & 0x0f;
	log_notice("user %u: channel %u: privilege limit %s, IPMI messaging %s, link auth %s%s, "
		   "session limit %u", uid, ch, ipmi_priv_name(a->priv), a->ipmi ? "on" : "off",
		   a->link ? "on" : "off", a->callback_only ? ", callback only" : "", a->session_limit);
	return user_commit(us, u, &old);
}

/* A name field: 16 bytes, NUL padded, printable ASCII before the padding.
 * Returns its length, or -EINVAL. */
static int name_check(const uint8_t *p)
{
	size_t len = strnlen((const char *)p, CFG_NAME_MAX);

	for (size_t i = 0; i < CFG_NAME_MAX; i++) {
		if (i >= len ? p[i] != 0 : (p[i] < 0x20 || p[i] > 0x7e))
			return -EINVAL;
	}
	return (int)len;
}

/* Another user ID already has this name (logins look users up by name). */
static bool name_taken(const struct users *us, uint8_t uid, const uint8_t *name, size_t len)
{
	for (unsigned id = 2; id <= us->max; id++)
		if (id != uid && strnlen(us->u[id].name, CFG_NAME_MAX) == len &&
		    memcmp(us->u[id].name, name, len) == 0)
			return true;
	return false;
}

int users_cmd_set_name(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp)
{
	struct users *us = bmc->users;
	struct rbuf r = ipmi_reader(req);
	uint8_t ub = rb_u8(&r), uid = ub & 0x3f;
	uint8_t name[CFG_NAME_MAX];
	char n[4 * CFG_NAME_MAX + 1];
	struct user *u, old;
	bool was_locked;
	int len, cc;

	rb_copy(&r, name, sizeof(name));
	if (!rb_done(&r))
		return CC_REQ_LEN;
	len = name_check(name);
	if ((ub & 0xc0) || !uid_ok(us, uid) || len < 0)
		return CC_INVALID_FIELD;
	if (uid == 1)
		return len == 0 ? CC_OK : CC_INVALID_FIELD;	/* the null user's name is fixed */
	if (len > 0 && name_taken(us, uid, name, (size_t)len))
		return CC_INVALID_FIELD;
	u = &us->u[uid];
	old = *u;
	was_locked = u->locked;
	if (len == 0) {
		/* An all-NUL name deletes the user (pyghmi user_delete(),
		 * FreeIPMI "Username="): the slot goes back to unused, with
		 * no password, disabled and NO ACCESS everywhere. */
		uname(us, uid, n);
		user_clear(u);
		log_notice("user %u \"%s\" deleted (name cleared, disabled, password wiped)", uid, n);
	} else {
		memset(u->name, 0, sizeof(u->name));
		memcpy(u->name, name, (size_t)len);
		log_notice("user %u: name set to \"%s\"", uid, uname(us, uid, n));
	}
	cc = user_commit(us, u, &old);
	if (cc == CC_OK && was_locked && !u->locked)
		lockout_save(us);	/* a locked user that was deleted is no longer locked */
	return cc;
}

int users_cmd_get_name(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp)
{
	const struct users *us = bmc->users;
	struct rbuf r = ipmi_reader(req);
	uint8_t ub = rb_u8(&r), uid = ub & 0x3f;
	uint8_t name[CFG_NAME_MAX] = { 0 };

	if (!rb_done(&r))
		return CC_REQ_LEN;
	if ((ub & 0xc0) || !uid_ok(us, uid))
		return CC_INVALID_FIELD;
	memcpy(name, us->u[uid].name, strnlen(us->u[uid].name, CFG_NAME_MAX));
	wb_bytes(rsp, name, sizeof(name));
	return CC_OK;
}

static int password_test(const struct user *u, bool pw20, const uint8_t *pw)
{
	if (u->pw20 != pw20)
		return CC_PW_WRONG_SIZE;
	return crypto_equal(u->key, pw, pw20 ? CFG_PASSWORD_MAX : PW16) ? CC_OK : CC_PW_MISMATCH;
}

int users_cmd_set_password(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp)
{
	struct users *us = bmc->users;
	struct rbuf r = ipmi_reader(req);
	uint8_t ub = rb_u8(&r), ob = rb_u8(&r);
	uint8_t uid = ub & 0x3f, op = ob & 0x03;
	bool pw20 = ub & 0x80;
	size_t pwlen = pw20 ? CFG_PASSWORD_MAX : PW16;
	/* The table lets through no password, 16 or 20 bytes.  Read in
	 * place: a secret gets no copy of its own on the stack. */
	size_t given = rb_left(&r);
	const uint8_t *pw = rb_take(&r, given);
	char n[4 * CFG_NAME_MAX + 1];
	bool unlocked = false;
	struct user *u, old;
	int cc;

	if (!pw || !rb_done(&r))
		return CC_REQ_LEN;
	if ((ub & 0x40) || (ob & 0xfc) || !uid_ok(us, uid))
		return CC_INVALID_FIELD;
	/* Set and test take the password size bit 7 names; disable and
	 * enable may carry either size, which is ignored. */
	if (op >= PW_SET && given != pwlen)
		return CC_REQ_LEN;
	u = &us->u[uid];
	if (op == PW_TEST)
		return password_test(u, pw20, pw);
	old = *u;
	switch (op) {
	case PW_DISABLE:
		u->enabled = false;
		log_notice("user %u \"%s\" disabled", uid, uname(us, uid, n));
		break;
	case PW_ENABLE:
		u->enabled = true;
		if (u->locked || u->fails)
			log_notice("user %u \"%s\": lockout cleared by an administrator", uid,
				   uname(us, uid, n));
		unlocked = u->locked;
		u->locked = false;
		u->fails = 0;
		log_notice("user %u \"%s\" enabled", uid, uname(us, uid, n));
		break;
	default:
		memset(u->key, 0, sizeof(u->key));
		memcpy(u->key, pw, pwlen);
		u->pw20 = pw20;
		log_notice("user %u \"%s\": password set (%zu-byte form)", uid, uname(us, uid, n), pwlen);
		break;
	}
	cc = user_commit(us, u, &old);
	if (cc == CC_OK && unlocked)
		lockout_save(us);
	return cc;
}

/* ---- Set Channel Security Keys (06:56, IPMI 2.0 22.25) ------------------------- */

enum {
	KEYS_OP_READ = 0,
	KEYS_OP_SET = 1,
	KEYS_OP_LOCK = 2,
};

enum {
	CC_KEY_LOCKED = 0x80,		/* cannot set: the key is locked */
	CC_KEY_TOO_SHORT = 0x81,	/* insufficient key bytes */
	CC_KEY_TOO_LONG = 0x82,		/* too many key bytes */
};

enum {
	KEY_LOCKED = 0x01,
	KEY_UNLOCKED = 0x02,
};

int users_cmd_channel_keys(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp)
{
	struct users *us = bmc->users;
	struct rbuf r = ipmi_reader(req);
	uint8_t chb = rb_u8(&r), op = rb_u8(&r), id = rb_u8(&r);
	uint8_t ch = ipmi_req_channel(req, chb & 0x0f);
	size_t klen = rb_left(&r);
	const uint8_t *kbytes = rb_take(&r, klen);	/* the key, for a set */
	const char *kname = id ? "K_G" : "K_R";
	struct channel_keys old;
	uint8_t *key;
	bool *locked;
	int e;

	if (!rb_done(&r))
		return CC_REQ_LEN;
	if ((chb & 0xf0) || op > KEYS_OP_LOCK || id > 1)
		return CC_INVALID_FIELD;
	if (ch != bmc->cfg.lan.channel)
		return CC_INVALID_FIELD;
	key = id ? us->keys.kg : us->keys.kr;
	locked = id ? &us->keys.kg_locked : &us->keys.kr_locked;
	if (op != KEYS_OP_SET && klen)
		return CC_REQ_LEN;
	if (op == KEYS_OP_READ) {
		wb_u8(rsp, *locked ? KEY_LOCKED : KEY_UNLOCKED);
		wb_bytes(rsp, key, CFG_PASSWORD_MAX);
		return CC_OK;
	}
	if (op == KEYS_OP_SET && *locked)
		return CC_KEY_LOCKED;
	if (op == KEYS_OP_SET && klen == 0)
		return CC_KEY_TOO_SHORT;
	if (klen > CFG_PASSWORD_MAX)
		return CC_KEY_TOO_LONG;
	old = us->keys;
	if (op == KEYS_OP_SET) {
		memset(key, 0, CFG_PASSWORD_MAX);
		memcpy(key, kbytes, klen);	/* zero padded, as clients pad -k */
	} else {
		*locked = true;
	}
	e = keys_save(us);
	if (e == 0)
		e = recovery_end(us);
	if (e < 0) {
		us->keys = old;
		explicit_bzero(&old, sizeof(old));
		log_error_errno(e, "state: cannot write %s", KEYS_FILE);
		return CC_UNSPECIFIED;
	}
	explicit_bzero(&old, sizeof(old));
	if (op == KEYS_OP_LOCK)
		log_notice("channel %u: %s locked (it can no longer be changed over IPMI)", ch, kname);
	else if (id == 1)
		log_notice("channel %u: K_G %s", ch, users_kg(us) ? "set" : "cleared (all zero: "
			   "logins use the user's key)");
	else
		log_notice("channel %u: K_R set", ch);
	wb_u8(rsp, *locked ? KEY_LOCKED : KEY_UNLOCKED);
	return CC_OK;
}

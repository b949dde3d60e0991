/* SPDX-License-Identifier: MIT */
/* The simulated host console: see sim_console.h. */
#include <errno.h>
#include <fcntl.h>
#include <pty.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "boards/sim_console.h"
#include "daemon/log.h"

#define OUT_CAP 8192
#define LINE_MAX_LEN 256
#define PASSWORD "password"

enum con_state {
	CON_OFF,		/* no power: silent */
	CON_BOOT,		/* printing the boot log */
	CON_LOGIN,		/* "sim login: " */
	CON_PASSWORD,		/* "Password: " (no echo) */
	CON_SHELL,
};

struct sim_console {
	sd_event *ev;
	int master, slave;
	sd_event_source *io;		/* the host side (slave) */
	sd_event_source *timer;		/* the next boot log line */
	enum con_state state;
	unsigned boot_line;
	uint8_t out[OUT_CAP];		/* host output not yet taken by the pty */
	size_t olen;
	char line[LINE_MAX_LEN];
	size_t llen;
	bool last_cr;
	char user[33];
	uint64_t blast_left, blast_total, blast_pos;
	uint32_t blast_crc;
	uint64_t boot_usec;
	unsigned breaks;
};

/* The boot log: a delay in ms before each line. */
static const struct {
	unsigned ms;
	const char *text;
} boot_log[] = {
	{ 50, "\x1b[2J\x1b[H" },
	{ 10, "SimBIOS v2.4.1 (C) 2024 bmcd simulated firmware\r\n" },
	{ 10, "CPU: Simulated(R) Xeon(R) CPU @ 2.40GHz, 16 cores\r\n" },
	{ 20, "Memory test: 65536 MB OK\r\n" },
	{ 10, "USB: 2 controllers, 3 devices\r\n" },
	{ 10, "SATA port 0: SIMDISK 480GB SSD\r\n" },
	{ 10, "NIC: Intel(R) I210 simulated, MAC 02:00:00:00:00:01\r\n" },
	{ 10, "BMC: IPMI 2.0 KCS interface at 0xCA2\r\n" },
	{ 20, "Press <DEL> to enter setup, <F12> for network boot\r\n" },
	{ 50, "Booting from SATA port 0...\r\n" },
	{ 30, "\r\n                             GNU GRUB  version 2.06-13\r\n\r\n" },
	{ 10, " +----------------------------------------------------------------------------+\r\n" },
	{ 10, " |*Debian GNU/Linux                                                           |\r\n" },
	{ 10, " | Advanced options for Debian GNU/Linux                                      |\r\n" },
	{ 10, " +----------------------------------------------------------------------------+\r\n" },
	{ 30, "Loading Linux 6.1.0-18-amd64 ...\r\n" },
	{ 10, "Loading initial ramdisk ...\r\n" },
	{ 30, "[    0.000000] Linux version 6.1.0-18-amd64 (debian-kernel@lists.debian.org) (gcc-12 (Debian 12.2.0-14) 12.2.0) #1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1 (2024-02-01)\r\n" },
	{ 5, "[    0.000000] Command line: BOOT_IMAGE=/boot/vmlinuz-6.1.0-18-amd64 root=/dev/sda1 ro console=tty0 console=ttyS0,115200n8\r\n" },
	{ 5, "[    0.000000] BIOS-provided physical RAM map:\r\n" },
	{ 5, "[    0.000000] DMI: bmcd Simulated Server/SIM-1, BIOS 2.4.1 01/01/2024\r\n" },
	{ 5, "[    0.004000] tsc: Detected 2400.000 MHz processor\r\n" },
	{ 5, "[    0.120000] smpboot: Allowing 16 CPUs, 0 hotplug CPUs\r\n" },
	{ 5, "[    0.210000] printk: console [ttyS0] enabled\r\n" },
	{ 5, "[    0.410000] ACPI: IPMI: Found KCS interface at 0xca2\r\n" },
	{ 5, "[    0.520000] Serial: 8250/16550 driver, 4 ports, IRQ sharing enabled\r\n" },
	{ 5, "[    0.520500] 00:04: ttyS0 at I/O 0x3f8 (irq = 4, base_baud = 115200) is a 16550A\r\n" },
	{ 5, "[    0.830000] ata1.00: ATA-11: SIMDISK 480GB SSD, max UDMA/133\r\n" },
	{ 5, "[    0.840000] sd 0:0:0:0: [sda] 937703088 512-byte logical blocks: (480 GB/447 GiB)\r\n" },
	{ 5, "[    1.020000] igb 0000:03:00.0 eth0: Intel(R) Gigabit Ethernet Network Connection\r\n" },
	{ 5, "[    1.310000] EXT4-fs (sda1): mounted filesystem with ordered data mode. Quota mode: none.\r\n" },
	{ 10, "[    1.500000] systemd[1]: systemd 252.22-1~deb12u1 running in system mode\r\n" },
	{ 5, "[    1.520000] systemd[1]: Hostname set to <sim>.\r\n" },
	{ 10, "[  OK  ] Started systemd-journald.service - Journal Service.\r\n" },
	{ 5, "[  OK  ] Finished systemd-fsck-root.service - File System Check on Root Device.\r\n" },
	{ 5, "[  OK  ] Started ipmievd.service - IPMI event daemon.\r\n" },
	{ 5, "[  OK  ] Reached target network.target - Network.\r\n" },
	{ 5, "[  OK  ] Started ssh.service - OpenBSD Secure Shell server.\r\n" },
	{ 5, "[  OK  ] Started serial-getty@ttyS0.service - Serial Getty on ttyS0.\r\n" },
	{ 5, "[  OK  ] Reached target multi-user.target - Multi-User System.\r\n" },
	{ 20, "\r\nDebian GNU/Linux 12 sim ttyS0\r\n\r\n" },
};

#define BOOT_LINES (sizeof(boot_log) / sizeof(boot_log[0]))

static uint32_t crc32_update(uint32_t crc, const uint8_t *p, size_t n)
{
	crc = ~crc;
	while (n--) {
		crc ^= *p++;
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xedb88320u & -(crc & 1));
	}
	return ~crc;
}

static void con_update_io(struct sim_console *c);

/* Queue output; what does not fit is dropped (only the boot log and
 * short command output go through here, never more than OUT_CAP). */
static void con_puts(struct sim_console *c, const char *s)
{
	size_t n = strlen(s);

	if (n > OUT_CAP - c->olen)
		n = OUT_CAP - c->olen;
	memcpy(c->out + c->olen, s, n);
	c->olen += n;
	con_update_io(c);
}

static void con_printf(struct sim_console *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void con_printf(struct sim_console *c, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	con_puts(c, buf);
}

static void con_prompt(struct sim_console *c)
{
	if (c->state == CON_SHELL)
		con_printf(c, "%s@sim:~%c ", c->user, strcmp(c->user, "root") ? '$' : '#');
	else if (c->state == CON_LOGIN)
		con_puts(c, "sim login: ");
}

/* Fill the output buffer from a running blast. */
static void con_blast_fill(struct sim_console *c)
{
	size_t room = OUT_CAP - c->olen, n;

	if (!c->blast_left && !c->blast_total)
		return;
	n = room < c->blast_left ? room : (size_t)c->blast_left;
	for (size_t i = 0; i < n; i++)
		c->out[c->olen + i] = sim_blast_byte(c->blast_pos + i);
	c->blast_crc = crc32_update(c->blast_crc, c->out + c->olen, n);
	c->olen += n;
	c->blast_pos += n;
	c->blast_left -= n;
	if (c->blast_left == 0 && OUT_CAP - c->olen >= 64) {
		uint64_t total = c->blast_total;

		c->blast_total = 0;
		con_printf(c, "\r\nBLAST-END %llu %08x\r\n", (unsigned long long)total, c->blast_crc);
		con_prompt(c);
	}
}

static void con_update_io(struct sim_console *c)
{
	uint32_t ev = EPOLLIN;

	if (c->olen || c->blast_total)
		ev |= EPOLLOUT;
	if (c->io)
		sd_event_source_set_io_events(c->io, ev);
}

static void con_blast_stop(struct sim_console *c)
{
	c->blast_left = c->blast_total = 0;
}

static void con_run(struct sim_console *c, char *cmd)
{
	char *arg;
	uint64_t now;

	while (*cmd == ' ')
		cmd++;
	arg = strchr(cmd, ' ');
	if (arg) {
		*arg++ = 0;
		while (*arg == ' ')
			arg++;
	} else {
		arg = cmd + strlen(cmd);
	}
	if (!*cmd) {
		/* nothing */
	} else if (!strcmp(cmd, "help")) {
		con_puts(c, "commands: help uname echo whoami hostname uptime blast exit logout\r\n");
	} else if (!strcmp(cmd, "uname")) {
		if (!strcmp(arg, "-a"))
			con_puts(c, "Linux sim 6.1.0-18-amd64 #1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1 (2024-02-01) x86_64 GNU/Linux\r\n");
		else
			con_puts(c, "Linux\r\n");
	} else if (!strcmp(cmd, "echo")) {
		con_printf(c, "%s\r\n", arg);
	} else if (!strcmp(cmd, "whoami")) {
		con_printf(c, "%s\r\n", c->user);
	} else if (!strcmp(cmd, "hostname")) {
		con_puts(c, "sim\r\n");
	} else if (!strcmp(cmd, "uptime")) {
		sd_event_now(c->ev, CLOCK_MONOTONIC, &now);
		con_printf(c, " up %llu s,  1 user,  load average: 0.00, 0.00, 0.00\r\n",
			   (unsigned long long)((now - c->boot_usec) / 1000000));
	} else if (!strcmp(cmd, "blast")) {
		char *end;
		unsigned long long n = strtoull(arg, &end, 0);

		if (!*arg || *end || n == 0 || n > (1ULL << 32)) {
			con_puts(c, "usage: blast BYTES (1..4294967296)\r\n");
		} else {
			con_printf(c, "BLAST-BEGIN %llu\r\n", n);
			c->blast_left = c->blast_total = n;
			c->blast_pos = 0;
			c->blast_crc = 0;
			con_blast_fill(c);
			con_update_io(c);
			return;		/* the prompt follows the data */
		}
	} else if (!strcmp(cmd, "exit") || !strcmp(cmd, "logout")) {
		c->state = CON_LOGIN;
		con_puts(c, "\r\n");
	} else {
		con_printf(c, "-bash: %.64s: command not found\r\n", cmd);
	}
	con_prompt(c);
}

static void con_enter(struct sim_console *c)
{
	c->line[c->llen] = 0;
	switch (c->state) {
	case CON_LOGIN:
		con_puts(c, "\r\n");
		if (!c->llen) {
			con_prompt(c);
			break;
		}
		snprintf(c->user, sizeof(c->user), "%.32s", c->line);
		c->state = CON_PASSWORD;
		con_puts(c, "Password: ");
		break;
	case CON_PASSWORD:
		con_puts(c, "\r\n");
		if (strcmp(c->line, PASSWORD) == 0) {
			c->state = CON_SHELL;
			con_puts(c, "Linux sim 6.1.0-18-amd64 #1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1 x86_64\r\n\r\n");
		} else {
			c->state = CON_LOGIN;
			con_puts(c, "\r\nLogin incorrect\r\n");
		}
		con_prompt(c);
		break;
	case CON_SHELL:
		con_puts(c, "\r\n");
		con_run(c, c->line);
		break;
	default:
		break;
	}
	explicit_bzero(c->line, sizeof(c->line));
	c->llen = 0;
}

/* One character typed on the host's serial console. */
static void con_key(struct sim_console *c, uint8_t ch)
{
	bool echo = c->state == CON_LOGIN || c->state == CON_SHELL;

	if (c->state == CON_OFF || c->state == CON_BOOT)
		return;
	if (ch == '\n' && c->last_cr) {
		c->last_cr = false;
		return;
	}
	c->last_cr = ch == '\r';
	if (c->blast_total) {
		if (ch == 0x03) {
			/* As a tty does on an interrupt: output not yet sent is
			 * flushed, so the ^C and the prompt (and what is typed
			 * next) are not lost behind a full buffer. */
			con_blast_stop(c);
			c->olen = 0;
			con_puts(c, "^C\r\n");
			con_prompt(c);
		}
		return;
	}
	switch (ch) {
	case '\r':
	case '\n':
		con_enter(c);
		break;
	case 0x7f:
	case 0x08:
		if (c->llen) {
			c->llen--;
			if (echo)
				con_puts(c, "\b \b");
		}
		break;
	case 0x03:
		c->llen = 0;
		con_puts(c, "^C\r\n");
		if (c->state == CON_PASSWORD)
			c->state = CON_LOGIN;
		con_prompt(c);
		break;
	default:
		if (ch < 0x20 || c->llen >= sizeof(c->line) - 1)
			break;
		c->line[c->llen++] = (char)ch;
		if (echo) {
			char s[2] = { (char)ch, 0 };

			con_puts(c, s);
		}
	}
}

static int con_on_io(sd_event_source *src, int fd, uint32_t revents, void *userdata)
{
	struct sim_console *c = userdata;
	uint8_t buf[512];
	ssize_t n;

	if (revents & EPOLLIN) {
		n = read(fd, buf, sizeof(buf));
		for (ssize_t i = 0; i < n; i++)
			con_key(c, buf[i]);
	}
	while (c->olen || c->blast_total) {
		con_blast_fill(c);
		n = write(fd, c->out, c->olen);
		if (n <= 0)
			break;
		memmove(c->out, c->out + n, c->olen - (size_t)n);
		c->olen -= (size_t)n;
	}
	con_update_io(c);
	return 0;
}

static void con_boot_next(struct sim_console *c);

static int con_on_timer(sd_event_source *src, uint64_t usec, void *userdata)
{
	struct sim_console *c = userdata;

	if (c->state != CON_BOOT)
		return 0;
	con_puts(c, boot_log[c->boot_line].text);
	c->boot_line++;
	if (c->boot_line == BOOT_LINES) {
		c->state = CON_LOGIN;
		con_prompt(c);
		return 0;
	}
	con_boot_next(c);
	return 0;
}

static void con_boot_next(struct sim_console *c)
{
	uint64_t now;

	sd_event_now(c->ev, CLOCK_MONOTONIC, &now);
	c->timer = sd_event_source_disable_unref(c->timer);
	if (sd_event_add_time(c->ev, &c->timer, CLOCK_MONOTONIC,
			      now + boot_log[c->boot_line].ms * 1000ULL, 1000, con_on_timer, c) < 0)
		log_error("sim console: cannot arm timer");
}

static void con_reset(struct sim_console *c, enum con_state st)
{
	c->timer = sd_event_source_disable_unref(c->timer);
	con_blast_stop(c);
	c->olen = 0;
	c->llen = 0;
	c->state = st;
	c->boot_line = 0;
}

static void con_host_event(void *ctx, enum power_event ev)
{
	struct sim_console *c = ctx;

	switch (ev) {
	case POWER_EV_ON:
	case POWER_EV_RESET:
		con_reset(c, CON_BOOT);
		sd_event_now(c->ev, CLOCK_MONOTONIC, &c->boot_usec);
		con_boot_next(c);
		break;
	case POWER_EV_OFF:
		con_reset(c, CON_OFF);
		break;
	case POWER_EV_FAULT:
		break;
	}
	con_update_io(c);
}

static int con_break(void *ctx)
{
	struct sim_console *c = ctx;

	c->breaks++;
	log_info("sim console: serial break received");
	if (c->state != CON_OFF && c->state != CON_BOOT)
		con_puts(c, "\r\n[sysrq: break received]\r\n");
	return 0;
}

static void con_close(void *ctx)
{
	struct sim_console *c = ctx;

	c->timer = sd_event_source_disable_unref(c->timer);
	c->io = sd_event_source_disable_unref(c->io);
	close(c->slave);
	close(c->master);
	free(c);
}

static const struct uart_ops sim_console_ops = {
	.name = "sim",
	.send_break = con_break,
	.host_event = con_host_event,
	.close = con_close,
};

int sim_console_open(sd_event *ev, bool powered, struct uart *u)
{
	struct sim_console *c = calloc(1, sizeof(*c));
	struct termios tio;
	int r;

	if (!c)
		return -ENOMEM;
	c->ev = ev;
	c->master = c->slave = -1;
	if (openpty(&c->master, &c->slave, NULL, NULL, NULL) < 0) {
		r = -errno;
		goto fail;
	}
	/* The host's side is raw: the simulated OS does its own echo. */
	if (tcgetattr(c->slave, &tio) == 0) {
		cfmakeraw(&tio);
		tcsetattr(c->slave, TCSANOW, &tio);
	}
	if (tcgetattr(c->master, &tio) == 0) {
		cfmakeraw(&tio);
		tcsetattr(c->master, TCSANOW, &tio);
	}
	for (int i = 0; i < 2; i++) {
		int fd = i ? c->slave : c->master;

		if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0 ||
		    fcntl(fd, F_SETFD, FD_CLOEXEC) < 0) {
			r = -errno;
			goto fail;
		}
	}
	r = sd_event_add_io(ev, &c->io, c->slave, EPOLLIN, con_on_io, c);
	if (r < 0)
		goto fail;
	c->state = powered ? CON_LOGIN : CON_OFF;
	sd_event_now(ev, CLOCK_MONOTONIC, &c->boot_usec);
	snprintf(c->user, sizeof(c->user), "root");
	*u = (struct uart){ .ops = &sim_console_ops, .ctx = c, .fd = c->master };
	return 0;
fail:
	if (c->master >= 0)
		close(c->master);
	if (c->slave >= 0)
		close(c->slave);
	sd_event_source_disable_unref(c->io);
	free(c);
	return log_error_errno(r, "sim console");
}

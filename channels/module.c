/* SPDX-License-Identifier: MIT */
#include "daemon/bmc.h"
#include "daemon/config_parse.h"
#include "daemon/ipmi.h"
#include "daemon/module.h"
#include "channels/session.h"
#include "channels/channel.h"
#include "daemon/log.h"
#include <string.h>
#include "channels/lanconfig.h"
#include "channels/users.h"

static int channels_module_init(struct bmc *bmc)
{
	int r = channels_init(bmc->channels, &bmc->cfg, bmc->state_fd);

	return r < 0 ? log_error_errno(r, "channels") : 0;
}

MODULE_COLD_RESET(channels_module_reset, channels_reset_volatile(bmc->channels))

const struct bmc_module channels_module = {
	.name = "channels",
	MODULE_PART(channels), .init = channels_module_init, .reset = channels_module_reset,
	.cmds = channels_cmds,
};

static int users_module_init(struct bmc *bmc)
{
	int r = users_init(bmc->users, &bmc->cfg, bmc->channels, bmc->state_fd);

	/* The seed passwords and K_G now live (sealed) in the user store:
	 * no copy stays in the configuration for the daemon's lifetime. */
	for (unsigned id = 0; id <= CFG_MAX_USERS; id++)
		explicit_bzero(bmc->cfg.users[id].password, sizeof(bmc->cfg.users[id].password));
	explicit_bzero(bmc->cfg.lan.kg, sizeof(bmc->cfg.lan.kg));
	return r;
}

MODULE_HOOK(users_module_done, users_done(bmc->users))

static const char *const users_keys[] = { "users", "max_users", NULL };

const struct ipmi_cmd users_cmds[] = {
	IPMI_CMD(NETFN_APP, 0x43, users_cmd_set_access, PRIV_ADMIN, 3, 4, 0, "Set User Access"),
	IPMI_CMD(NETFN_APP, 0x44, users_cmd_get_access, PRIV_OPERATOR, 2, 2, 0, "Get User Access"),
	IPMI_CMD(NETFN_APP, 0x45, users_cmd_set_name, PRIV_ADMIN, 17, 17, 0, "Set User Name"),
	IPMI_CMD(NETFN_APP, 0x46, users_cmd_get_name, PRIV_OPERATOR, 1, 1, 0, "Get User Name"),
	IPMI_CMD_LENS(NETFN_APP, 0x47, users_cmd_set_password, PRIV_ADMIN, CMD_F_CONFIDENTIAL, "Set User Password", 2, 18, 22),
	IPMI_CMD(NETFN_APP, 0x56, users_cmd_channel_keys, PRIV_ADMIN, 3, 255, CMD_F_CONFIDENTIAL, "Set Channel Security Keys"),
	{ 0 },
};

const struct bmc_module users_module = {
	.name = "users", .keys = users_keys,
	.defaults = users_defaults, .parse = users_parse_config,
	MODULE_PART(users), .init = users_module_init, .done = users_module_done,
	.cmds = users_cmds,
};

static void sessions_on_free(void *userdata, struct session *s)
{
	bmc_modules_on_session_free(userdata, s);
}

static void sessions_on_unproven(void *userdata, struct session *s)
{
	bmc_modules_on_session_unproven(userdata, s);
}

static int sessions_init(struct bmc *bmc)
{
	int r = session_table_init(bmc->sessions, bmc->cfg.lan.max_sessions,
				   bmc->cfg.lan.session_timeout_s);

	if (r < 0)
		return log_error_errno(r, "sessions");
	bmc->sessions->on_free = sessions_on_free;
	bmc->sessions->userdata = bmc;
	bmc->sessions->on_unproven = sessions_on_unproven;
	bmc->sessions->unproven_userdata = bmc;
	return 0;
}

MODULE_HOOK(sessions_done, session_table_free(bmc->sessions))
MODULE_COLD_RESET(sessions_reset, session_clear(bmc->sessions))

static void sessions_tick(struct bmc *bmc, uint64_t now)
{
	session_expire(bmc->sessions, now);
}

const struct bmc_module sessions_module = {
	.name = "sessions",
	MODULE_PART(sessions), .init = sessions_init, .done = sessions_done,
	.reset = sessions_reset, .tick = sessions_tick,
};

MODULE_COLD_RESET(lanconf_module_reset, lanconf_reset_volatile(bmc))

const struct ipmi_cmd lanconf_cmds[] = {
	IPMI_CMD(NETFN_TRANSPORT, 0x01, lanconf_set, PRIV_ADMIN, 3, 2 + 18, 0, "Set LAN Configuration Parameters"),
	IPMI_CMD(NETFN_TRANSPORT, 0x02, lanconf_get, PRIV_OPERATOR, 4, 4, 0, "Get LAN Configuration Parameters"),
	{ 0 },
};

const struct bmc_module lanconf_module = {
	.name = "lanconf",
	MODULE_PART(lanconf), .init = lanconf_init,
	.done = lanconf_done, .reset = lanconf_module_reset,
	.cmds = lanconf_cmds,
};

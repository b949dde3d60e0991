/* SPDX-License-Identifier: MIT */
/*
 * TEMPORARY: stands in for the Redfish service (redfish/service.c) until
 * it lands, so the transport can be built and tested: 200 with a tiny
 * ServiceRoot for /redfish/v1, 404 for anything else.  Removed at merge.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "redfish/redfish.h"

struct rf_service {
	struct bmc *bmc;
};

struct rf_service *rf_service_new(struct bmc *bmc)
{
	struct rf_service *svc = calloc(1, sizeof(*svc));

	if (svc)
		svc->bmc = bmc;
	return svc;
}

void rf_service_free(struct rf_service *svc)
{
	free(svc);
}

void rf_service_tick(struct rf_service *svc, uint64_t now_usec)
{
}

void rf_resp_header(struct rf_resp *resp, const char *name, const char *fmt, ...)
{
	va_list ap;

	if (resp->n_hdr >= RF_MAX_HEADERS)
		return;
	snprintf(resp->hdr[resp->n_hdr].name, sizeof(resp->hdr[0].name), "%s", name);
	va_start(ap, fmt);
	vsnprintf(resp->hdr[resp->n_hdr].value, sizeof(resp->hdr[0].value), fmt, ap);
	va_end(ap);
	resp->n_hdr++;
}

void rf_service_handle(struct rf_service *svc, const struct rf_req *req, struct rf_resp *resp)
{
	static const char root[] =
		"{\"@odata.id\":\"/redfish/v1\",\"@odata.type\":\"#ServiceRoot.v1_15_0.ServiceRoot\","
		"\"Id\":\"RootService\",\"Name\":\"Root Service\",\"RedfishVersion\":\"1.17.0\"}";
	static const char missing[] =
		"{\"error\":{\"code\":\"Base.1.16.0.ResourceNotFound\",\"message\":\"Not found\"}}";
	bool is_root = !strcmp(req->path, "/redfish/v1") || !strcmp(req->path, "/redfish/v1/");
	const char *body = is_root ? root : missing;

	resp->status = is_root ? 200 : 404;
	if (is_root && req->method != RF_GET && req->method != RF_HEAD) {
		resp->status = 405;
		rf_resp_header(resp, "Allow", "GET, HEAD");
		body = "{\"error\":{\"code\":\"Base.1.16.0.OperationNotAllowed\",\"message\":\"Method not allowed\"}}";
	}
	resp->body = strdup(body);
	resp->body_len = resp->body ? strlen(body) : 0;
	if (!resp->body)
		resp->status = 500;
}

/* SPDX-License-Identifier: MIT */
/*
 * JSON answers for the Redfish handlers: resource and collection objects,
 * errors worded as DMTF's Base message registry 1.16.0 words them, ETags.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/log.h"
#include "redfish/redfish.h"
#include "redfish/service.h"

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

void rf_json(struct rf_ctx *ctx, int status, json_object *obj)
{
	json_object_put(ctx->svc->answer);
	ctx->svc->answer = obj;
	ctx->resp->status = status;
}

json_object *rf_object(const char *odata_id, const char *odata_type, const char *id, const char *name)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "@odata.id", json_object_new_string(odata_id));
	json_object_object_add(o, "@odata.type", json_object_new_string(odata_type));
	if (id)
		json_object_object_add(o, "Id", json_object_new_string(id));
	if (name)
		json_object_object_add(o, "Name", json_object_new_string(name));
	return o;
}

json_object *rf_collection(const char *odata_id, const char *odata_type, const char *name)
{
	json_object *o = rf_object(odata_id, odata_type, NULL, name);

	json_object_object_add(o, "Members", json_object_new_array());
	json_object_object_add(o, "Members@odata.count", json_object_new_int(0));
	return o;
}

void rf_collection_add(json_object *coll, const char *member_odata_id)
{
	json_object *m, *link = json_object_new_object();

	if (!json_object_object_get_ex(coll, "Members", &m))
		return;
	json_object_object_add(link, "@odata.id", json_object_new_string(member_odata_id));
	json_object_array_add(m, link);
	json_object_object_add(coll, "Members@odata.count",
			       json_object_new_int((int)json_object_array_length(m)));
}

void rf_link(json_object *obj, const char *prop, const char *odata_id)
{
	json_object *link = json_object_new_object();

	json_object_object_add(link, "@odata.id", json_object_new_string(odata_id));
	json_object_object_add(obj, prop, link);
}

void rf_guid_text(const uint8_t guid[16], char out[37])
{
	/* Get System GUID sends the GUID reversed: RFC 4122 order is the
	 * bytes from the last to the first. */
	size_t o = 0;

	for (int i = 15; i >= 0; i--) {
		o += (size_t)snprintf(out + o, 3, "%02x", guid[i]);
		if (i == 12 || i == 10 || i == 8 || i == 6)
			out[o++] = '-';
	}
	out[o] = '\0';
}

/* --- errors --- */

struct rf_message {
	const char *id;
	unsigned n_args;
	const char *message;		/* %1.. are the arguments */
	const char *severity;
	const char *resolution;
};

static const struct rf_message base_messages[] = {
	{ "Success", 0, "The request completed successfully.", "OK", "None." },
	{ "GeneralError", 0, "A general error has occurred.  See Resolution for information on "
	  "how to resolve the error, or @Message.ExtendedInfo if Resolution is not provided.",
	  "Critical", "None." },
	{ "InternalError", 0, "The request failed due to an internal service error.  The service "
	  "is still operational.", "Critical", "Resubmit the request.  If the problem persists, "
	  "consider resetting the service." },
	{ "ResourceMissingAtURI", 1, "The resource at the URI '%1' was not found.", "Critical",
	  "Place a valid resource at the URI or correct the URI and resubmit the request." },
	{ "ResourceNotFound", 2, "The requested resource of type %1 named '%2' was not found.",
	  "Critical", "Provide a valid resource identifier and resubmit the request." },
	{ "MalformedJSON", 0, "The request body submitted was malformed JSON and could not be "
	  "parsed by the receiving service.", "Critical",
	  "Ensure that the request body is valid JSON and resubmit the request." },
	{ "PropertyUnknown", 1, "The property %1 is not in the list of valid properties for the "
	  "resource.", "Warning", "Remove the unknown property from the request body and "
	  "resubmit the request if the operation failed." },
	{ "PropertyMissing", 1, "The property %1 is a required property and must be included in "
	  "the request.", "Warning", "Ensure that the property is in the request body and has a "
	  "valid value and resubmit the request if the operation failed." },
	{ "PropertyValueTypeError", 2, "The value '%1' for the property %2 is not a type that the "
	  "property can accept.", "Warning", "Correct the value for the property in the request "
	  "body and resubmit the request if the operation failed." },
	{ "PropertyValueFormatError", 2, "The value '%1' for the property %2 is not a format that "
	  "the property can accept.", "Warning", "Correct the value for the property in the "
	  "request body and resubmit the request if the operation failed." },
	{ "PropertyValueNotInList", 2, "The value '%1' for the property %2 is not in the list of "
	  "acceptable values.", "Warning", "Choose a value from the enumeration list that the "
	  "implementation can support and resubmit the request if the operation failed." },
	{ "PropertyValueOutOfRange", 2, "The value '%1' for the property %2 is not in the "
	  "supported range of acceptable values.", "Warning", "Correct the value for the "
	  "property in the request body and resubmit the request if the operation failed." },
	{ "PropertyNotWritable", 1, "The property %1 is a read only property and cannot be "
	  "assigned a value.", "Warning", "Remove the property from the request body and "
	  "resubmit the request if the operation failed." },
	{ "PropertyValueConflict", 2, "The property '%1' could not be written because its value "
	  "would conflict with the value of the '%2' property.", "Warning", "No resolution is "
	  "required." },
	{ "InsufficientPrivilege", 0, "There are insufficient privileges for the account or "
	  "credentials associated with the current session to perform the requested operation.",
	  "Critical", "Either abandon the operation or change the associated access rights and "
	  "resubmit the request if the operation failed." },
	{ "NoValidSession", 0, "There is no valid session established with the implementation.",
	  "Critical", "Establish a session before attempting any operations." },
	{ "SessionLimitExceeded", 0, "The session establishment failed due to the number of "
	  "simultaneous sessions exceeding the limit of the implementation.", "Critical",
	  "Reduce the number of other sessions before trying to establish the session or "
	  "increase the limit of simultaneous sessions (if supported)." },
	{ "ActionNotSupported", 1, "The action %1 is not supported by the resource.", "Critical",
	  "The action supplied cannot be resubmitted to the implementation.  Perhaps the action "
	  "was invalid, the wrong resource was the target or the implementation documentation "
	  "may be of assistance." },
	{ "ActionParameterMissing", 2, "The action %1 requires the parameter %2 to be present in "
	  "the request body.", "Critical", "Supply the action with the required parameter in the "
	  "request body when the request is resubmitted." },
	{ "ActionParameterNotSupported", 2, "The parameter %1 for the action %2 is not supported "
	  "on the target resource.", "Warning", "Remove the parameter supplied and resubmit the "
	  "request if the operation failed." },
	{ "ActionParameterUnknown", 2, "The action %1 was submitted with the invalid parameter "
	  "%2.", "Critical", "Correct the invalid parameter and resubmit the request if the "
	  "operation failed." },
	{ "ActionParameterValueTypeError", 3, "The value '%1' for the parameter %2 in the action "
	  "%3 is of a different type than the parameter can accept.", "Warning", "Correct the "
	  "value for the parameter in the request body and resubmit the request if the "
	  "operation failed." },
	{ "ActionParameterValueNotInList", 3, "The value '%1' for the parameter %2 in the action "
	  "%3 is not in the list of acceptable values.", "Warning", "Choose a value from the "
	  "enumeration list that the implementation can support and resubmit the request if "
	  "the operation failed." },
	{ "PreconditionFailed", 0, "The ETag supplied did not match the ETag required to change "
	  "this resource.", "Critical", "Try the operation again using the appropriate ETag." },
	{ "ResourceAlreadyExists", 3, "The requested resource of type %1 with the property %2 "
	  "with the value '%3' already exists.", "Critical", "Do not repeat the create operation "
	  "as the resource has already been created." },
	{ "CreateLimitReachedForResource", 0, "The create operation failed because the resource "
	  "has reached the limit of possible resources.", "Critical", "Either delete resources "
	  "and resubmit the request if the operation failed or do not resubmit the request." },
	{ "ResourceCannotBeDeleted", 0, "The delete request failed because the resource "
	  "requested cannot be deleted.", "Critical", "Do not attempt to delete a non-deletable "
	  "resource." },
	{ "OperationNotAllowed", 0, "The HTTP method is not allowed on this resource.",
	  "Critical", "None." },
	{ "NoOperation", 0, "The request body submitted contain no data to act upon and no "
	  "changes to the resource took place.", "Warning", "Add properties in the JSON object "
	  "and resubmit the request." },
	{ "HeaderInvalid", 1, "Header '%1' is invalid.", "Critical", "Resubmit the request with "
	  "a valid request header." },
	{ "QueryNotSupported", 0, "Querying is not supported by the implementation.", "Warning",
	  "Remove the query parameters and resubmit the request if the operation failed." },
	{ "QueryParameterValueTypeError", 2, "The value '%1' for the query parameter %2 is not a "
	  "type that the parameter can accept.", "Warning", "Correct the value for the query "
	  "parameter in the request and resubmit the request if the operation failed." },
	{ "QueryParameterOutOfRange", 3, "The value '%1' for the query parameter %2 is out of "
	  "range %3.", "Warning", "Reduce the value for the query parameter to a value that is "
	  "within range, such as a start or count value that is within bounds of the number of "
	  "resources in a collection or a page that is within the range of valid pages." },
	{ "ServiceTemporarilyUnavailable", 1, "The service is temporarily unavailable.  Retry in "
	  "%1 seconds.", "Critical", "Wait for the indicated retry duration and retry the "
	  "operation." },
	{ "ResourceInUse", 0, "The change to the requested resource failed because the resource "
	  "is in use or in transition.", "Warning", "Remove the condition and resubmit the "
	  "request if the operation failed." },
};

static const struct rf_message *message_find(const char *id)
{
	if (!strncmp(id, RF_BASE, strlen(RF_BASE)))
		id += strlen(RF_BASE);
	for (size_t i = 0; i < sizeof(base_messages) / sizeof(base_messages[0]); i++)
		if (!strcmp(base_messages[i].id, id))
			return &base_messages[i];
	return NULL;
}

/* The registry's text with %1..%9 replaced by the arguments. */
static char *message_text(const struct rf_message *m, unsigned n, const char *const *args)
{
	size_t size = strlen(m->message) + 1;
	char *out, *o;

	for (unsigned i = 0; i < n; i++)
		size += strlen(args[i] ? args[i] : "");
	out = malloc(size);
	if (!out)
		return NULL;
	o = out;
	for (const char *p = m->message; *p; p++) {
		if (p[0] == '%' && p[1] >= '1' && p[1] <= '9' && (unsigned)(p[1] - '1') < n) {
			const char *a = args[p[1] - '1'] ? args[p[1] - '1'] : "";

			memcpy(o, a, strlen(a));
			o += strlen(a);
			p++;
		} else {
			*o++ = *p;
		}
	}
	*o = '\0';
	return out;
}

json_object *rf_message_object(const char *message_id, unsigned n, const char *const *args)
{
	const struct rf_message *m = message_find(message_id);
	json_object *o, *a;
	char id[96], *text;

	if (!m) {
		log_error("redfish: no message %s in the registry table", message_id);
		m = message_find("GeneralError");
		n = 0;
	}
	if (n > m->n_args)
		n = m->n_args;
	snprintf(id, sizeof(id), RF_BASE "%s", m->id);
	text = message_text(m, n, args);
	o = json_object_new_object();
	json_object_object_add(o, "@odata.type", json_object_new_string("#Message.v1_1_1.Message"));
	json_object_object_add(o, "MessageId", json_object_new_string(id));
	json_object_object_add(o, "Message", json_object_new_string(text ? text : m->message));
	a = json_object_new_array();
	for (unsigned i = 0; i < n; i++)
		json_object_array_add(a, json_object_new_string(args[i] ? args[i] : ""));
	json_object_object_add(o, "MessageArgs", a);
	json_object_object_add(o, "Severity", json_object_new_string(m->severity));
	json_object_object_add(o, "MessageSeverity", json_object_new_string(m->severity));
	json_object_object_add(o, "Resolution", json_object_new_string(m->resolution));
	free(text);
	return o;
}

int rf_error_args(struct rf_ctx *ctx, int status, const char *message_id, unsigned n,
		  const char *const *args)
{
	json_object *msg = rf_message_object(message_id, n, args);
	json_object *err = json_object_new_object(), *body = json_object_new_object();
	json_object *info = json_object_new_array(), *v;

	json_object_object_get_ex(msg, "MessageId", &v);
	json_object_object_add(err, "code", json_object_get(v));
	json_object_object_get_ex(msg, "Message", &v);
	json_object_object_add(err, "message", json_object_get(v));
	json_object_array_add(info, msg);
	json_object_object_add(err, "@Message.ExtendedInfo", info);
	json_object_object_add(body, "error", err);
	rf_json(ctx, status, body);
	return -1;
}

int rf_error(struct rf_ctx *ctx, int status, const char *message_id, const char *arg1, const char *arg2)
{
	const char *args[2] = { arg1, arg2 };

	return rf_error_args(ctx, status, message_id, arg2 ? 2 : arg1 ? 1 : 0, args);
}

/* --- ETags --- */

static uint64_t fnv1a(uint64_t h, const char *s)
{
	for (; *s; s++) {
		h ^= (uint8_t)*s;
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* The tag hashes every top-level member but DateTime (the Manager's
 * clock), which changes each second without the resource changing: with it
 * in the tag, an If-Match on the Manager would fail whenever a second had
 * passed since the client's GET. */
void rf_etag_of(json_object *obj, char out[24])
{
	uint64_t h = 0xcbf29ce484222325ULL;	/* FNV-1a: a tag, not a secret */

	if (!json_object_is_type(obj, json_type_object)) {
		h = fnv1a(h, json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN));
	} else {
		json_object_object_foreach(obj, key, val) {
			if (!strcmp(key, "DateTime"))
				continue;
			h = fnv1a(h, key);
			h = fnv1a(h, ":");
			h = fnv1a(h, val ? json_object_to_json_string_ext(val, JSON_C_TO_STRING_PLAIN)
				     : "null");
			h = fnv1a(h, ",");
		}
	}
	snprintf(out, 24, "W/\"%016llx\"", (unsigned long long)h);
}

void rf_etag(struct rf_ctx *ctx, json_object *obj)
{
	char tag[24];

	rf_etag_of(obj, tag);
	rf_resp_header(ctx->resp, "ETag", "%s", tag);
}

/* Whether an If-Match (or If-None-Match) list names tag: "*", or one of a
 * comma-separated list; a strong tag matches its weak form too. */
bool rf_etag_listed(const char *list, const char *tag)
{
	const char *p = list;
	size_t tlen = strlen(tag);

	while (*p) {
		const char *e;
		size_t len;

		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		e = p;
		while (*e && *e != ',')
			e++;
		len = (size_t)(e - p);
		while (len && (p[len - 1] == ' ' || p[len - 1] == '\t'))
			len--;
		if (len == 1 && *p == '*')
			return true;
		if (len == tlen && !memcmp(p, tag, len))
			return true;
		if (len + 2 == tlen && !memcmp(p, tag + 2, len))	/* "x" for W/"x" */
			return true;
		p = e;
	}
	return false;
}

int rf_check_if_match(struct rf_ctx *ctx, json_object *current)
{
	char tag[24];

	if (!ctx->req->if_match)
		return 0;
	rf_etag_of(current, tag);
	if (rf_etag_listed(ctx->req->if_match, tag))
		return 0;
	return rf_error(ctx, 412, "PreconditionFailed", NULL, NULL);
}

int rf_answer_write(struct rf_service *svc, struct rf_resp *resp)
{
	const char *s;
	size_t len;

	if (!svc->answer)
		return 0;
	s = json_object_to_json_string_ext(svc->answer, JSON_C_TO_STRING_PLAIN |
					   JSON_C_TO_STRING_NOSLASHESCAPE);
	len = strlen(s);
	resp->body = malloc(len + 1);
	if (!resp->body) {
		json_object_put(svc->answer);
		svc->answer = NULL;
		return -ENOMEM;
	}
	memcpy(resp->body, s, len + 1);
	resp->body_len = len;
	json_object_put(svc->answer);
	svc->answer = NULL;
	return 0;
}

/* --- body property checks --- */

const char *rf_value_text(json_object *v)
{
	if (json_object_is_type(v, json_type_string))
		return json_object_get_string(v);
	return json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);
}

static int want(struct rf_ctx *ctx, json_object *v, const char *prop, json_type t)
{
	if (json_object_is_type(v, t))
		return 0;
	return rf_error(ctx, 400, "PropertyValueTypeError", rf_value_text(v), prop);
}

int rf_want_string(struct rf_ctx *ctx, json_object *v, const char *prop)
{
	return want(ctx, v, prop, json_type_string);
}

int rf_want_bool(struct rf_ctx *ctx, json_object *v, const char *prop)
{
	return want(ctx, v, prop, json_type_boolean);
}

int rf_want_int(struct rf_ctx *ctx, json_object *v, const char *prop)
{
	return want(ctx, v, prop, json_type_int);
}
